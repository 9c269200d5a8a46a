"""`Inbox`'s operations on mail: import it, read conversations, clients and sync runs,
inspect and retry the quarantine, the demo."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from inboxsync.db import clients as client_store
from inboxsync.db import companies as company_store
from inboxsync.db import conversations as conversation_store
from inboxsync.db import listing
from inboxsync.db import quarantine as quarantine_store
from inboxsync.db import runs as run_store
from inboxsync.operations._base import InboxBase
from inboxsync.operations.quarantine_retry import retry_entries
from inboxsync.pipeline.report import SyncReport
from inboxsync.results import (
    ImportProgress,
    RetryReport,
)
from inboxsync.sources.local import open_source

if TYPE_CHECKING:
    from inboxsync.demo.run import DemoRun


class MailOperations(InboxBase):
    """The operations on mail."""

    def import_path(
        self,
        company: str | int,
        path: Path,
        *,
        batch_size: int | None = None,
        progress: ImportProgress | None = None,
        wait: bool = True,
    ) -> SyncReport:
        """Import a Maildir, mbox file or directory of message files for `company`, then
        classify the new conversations and send their auto-replies (in the background
        unless `wait`)."""
        company_id = self.company_id(company)
        source = open_source(path, max_message_bytes=self.settings.max_message_bytes)
        if progress is not None:
            count: Callable[[], int] | None = getattr(source, "count", None)
            progress.start(count() if count else None)
        return self._ingest(company_id, source, str(path), batch_size, progress, wait)

    def conversations(
        self, company: str | int, limit: int | None = None
    ) -> list[conversation_store.ConversationRow]:
        """The company's conversations, most recent first."""
        with self.reader_sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
            return conversation_store.list_conversations(session, company_id, limit)

    def conversation(
        self, company: str | int, conversation_id: int
    ) -> conversation_store.ConversationDetail:
        """One of the company's conversations with its messages."""
        with self.reader_sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
            return conversation_store.conversation_detail(session, company_id, conversation_id)

    def quarantine(self, company: str | int) -> list[quarantine_store.QuarantineEntry]:
        """The company's quarantined messages, oldest first."""
        with self.reader_sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
            return quarantine_store.find_entries(session, company_id)

    def quarantine_page(
        self, company: str | int, *, cursor: str | None = None, limit: int = 50
    ) -> listing.Page[quarantine_store.QuarantineEntry]:
        """A page of the company's quarantined messages, oldest first; pass its
        `next_cursor` back as `cursor` for the next one."""
        with self.reader_sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
            return quarantine_store.quarantine_page(session, company_id, cursor=cursor, limit=limit)

    def client_page(
        self,
        company: str | int,
        where: client_store.ClientFilter | None = None,
        *,
        cursor: str | None = None,
        limit: int = 50,
    ) -> listing.Page[client_store.ClientInfo]:
        """A page of the company's clients by id, filtered by `where` (a prefix of the
        address or name, first seen since), each with its count of conversations."""
        with self.reader_sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
            return client_store.client_page(
                session,
                company_id,
                where or client_store.ClientFilter(),
                cursor=cursor,
                limit=limit,
            )

    def client(self, company: str | int, client_id: int) -> client_store.ClientInfo:
        """One of the company's clients with its count of conversations."""
        with self.reader_sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
            return client_store.client_info(session, company_id, client_id)

    def sync_run_page(
        self,
        company: str | int,
        *,
        mailbox_id: int | None = None,
        status: str | None = None,
        cursor: str | None = None,
        limit: int = 50,
    ) -> listing.Page[run_store.SyncRunItem]:
        """A page of the company's pipeline runs (imports, syncs of `mailbox_id`, retries;
        of one `status`), newest first."""
        with self.reader_sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
            return run_store.run_page(
                session, company_id, mailbox_id=mailbox_id, status=status, cursor=cursor,
                limit=limit,
            )  # fmt: skip

    def sync_run(self, company: str | int, run_id: int) -> run_store.SyncRunDetail:
        """One of the company's runs with its report."""
        with self.reader_sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
            return run_store.run_detail(session, company_id, run_id)

    def quarantine_entry(
        self, company: str | int, entry_id: int
    ) -> quarantine_store.QuarantineEntry:
        """One quarantined message of the company."""
        with self.reader_sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
            [entry] = quarantine_store.find_entries(session, company_id, [entry_id])
            return entry

    def quarantine_raw(self, company: str | int, entry_id: int) -> bytes:
        """The raw bytes kept of a quarantined message (only its headers when `headers_only`)."""
        with self.reader_sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
            quarantine_store.find_entries(session, company_id, [entry_id])
            [stored] = quarantine_store.load_raw(session, company_id, [entry_id])
            return stored.raw

    def retry_quarantine(
        self, company: str | int, entry_ids: Sequence[int] | None = None, *, wait: bool = True
    ) -> RetryReport:
        """Run quarantined messages (these, else every retryable one of the company) through
        the pipeline again: what the current code accepts becomes a message, threaded and
        followed up as any import, and leaves the quarantine; what still fails stays with its
        new reason. Headers-only entries and entries without bytes are not retried."""
        company_id = self.company_id(company)
        return retry_entries(
            self.sessions,
            company_id,
            entry_ids,
            lambda source: self._ingest(company_id, source, "quarantine retry", wait=wait),
        )

    @staticmethod
    def run_demo(
        directory: Path, on_company: Callable[[DemoRun], None] | None = None
    ) -> list[DemoRun]:
        """Write the bundled sample mailboxes under `directory` and import each twice into a
        fresh SQLite database there (the second import adds nothing)."""
        from inboxsync.demo.run import run_demo  # the demo is written with an Inbox

        return run_demo(directory, on_company=on_company)

    def conversation_page(
        self,
        company: str | int,
        where: listing.ConversationFilter | None = None,
        *,
        cursor: str | None = None,
        limit: int = 50,
    ) -> listing.ConversationPage:
        """A page of the company's conversations in (updated_at, id) order, filtered by
        `where`; pass its `next_cursor` back as `cursor` for the next one."""
        with self.reader_sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
            return listing.conversation_page(
                session,
                company_id,
                where or listing.ConversationFilter(),
                cursor=cursor,
                limit=limit,
            )
