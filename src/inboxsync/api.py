"""The Python face of inboxsync: one object whose methods are the CLI's commands."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from inboxsync import mailboxes as mailbox_sync
from inboxsync.ai import make_detector
from inboxsync.ai.ledger import usage_since
from inboxsync.config import Settings
from inboxsync.db import companies as company_store
from inboxsync.db import conversations as conversation_store
from inboxsync.db import ensure_migrated, make_engine, make_sessionmaker, migrate
from inboxsync.db import mailboxes as mailbox_store
from inboxsync.db import quarantine as quarantine_store
from inboxsync.db.models import utcnow
from inboxsync.db.quarantine import QuarantineEntry
from inboxsync.errors import MessageParseError
from inboxsync.jobs import follow_up, get_queue
from inboxsync.mail import peek_key
from inboxsync.mailboxes import MailboxSyncReport
from inboxsync.pipeline.report import SyncReport
from inboxsync.pipeline.resolve import existing_keys
from inboxsync.pipeline.sync import ProgressHook, ingest
from inboxsync.sources.base import RawBatch, RawMessage, Source
from inboxsync.sources.local import open_source


@dataclass(frozen=True, slots=True)
class RetryReport:
    """What a quarantine retry did, entry by entry, and the report of its pipeline run."""

    # Entries whose bytes are now a stored message: they left the quarantine.
    stored: tuple[int, ...]
    # Entries that failed again, with the reason the current code gives.
    failed: dict[int, str]
    # Entries that parsing again cannot help (headers only, no bytes), with why.
    not_retryable: dict[int, str]
    # None when there was nothing to retry.
    run: SyncReport | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "stored": list(self.stored),
            "failed": [{"id": i, "reason": r} for i, r in self.failed.items()],
            "not_retryable": [{"id": i, "reason": r} for i, r in self.not_retryable.items()],
            "run": self.run.as_dict() if self.run is not None else None,
        }


class Inbox:
    """A connection to an inboxsync database and the operations on it.

    >>> inbox = Inbox(Settings(db="sqlite:///inboxsync.db"))
    >>> inbox.init()
    >>> report = inbox.import_path("Acme", Path("Maildir"))
    """

    def __init__(self, settings: Settings, *, check_schema: bool = True) -> None:
        self.settings = settings
        self.engine: Engine = make_engine(settings.db)
        self.sessions: sessionmaker[Session] = make_sessionmaker(self.engine)
        if check_schema:
            ensure_migrated(self.engine)

    @classmethod
    def initialise(cls, settings: Settings) -> Inbox:
        """Create or upgrade the schema, then open the database."""
        inbox = cls(settings, check_schema=False)
        inbox.init()
        return inbox

    def init(self) -> None:
        """Apply the migrations (idempotent)."""
        migrate(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def add_company(self, name: str, addresses: list[str]) -> int:
        """Create a company with its own addresses; returns its id."""
        with self.sessions() as session:
            company_id = company_store.add_company(session, name, addresses)
            session.commit()
            return company_id

    def companies(self) -> list[company_store.CompanyInfo]:
        """Every company with its own addresses."""
        with self.sessions() as session:
            return company_store.list_companies(session)

    def company_id(self, name: str) -> int:
        """The id of a company by name (or id); UsageError when unknown."""
        with self.sessions() as session:
            return company_store.company_id_by_name(session, name)

    def add_folder(self, company: str, name: str, description: str) -> int:
        """Create a folder for `company`; returns its id."""
        with self.sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
            folder_id = company_store.add_folder(session, company_id, name, description)
            session.commit()
            return folder_id

    def import_path(
        self,
        company: str,
        path: Path,
        *,
        batch_size: int | None = None,
        progress: ProgressHook | None = None,
        wait: bool = True,
    ) -> SyncReport:
        """Import a Maildir, mbox file or directory of message files for `company`, then
        classify the new conversations and send their auto-replies (in the background
        unless `wait`)."""
        company_id = self.company_id(company)
        source = open_source(path, max_message_bytes=self.settings.max_message_bytes)
        return self._ingest(company_id, source, str(path), batch_size, progress, wait)

    def _ingest(
        self,
        company_id: int,
        source: Source,
        source_name: str,
        batch_size: int | None = None,
        progress: ProgressHook | None = None,
        wait: bool = True,
    ) -> SyncReport:
        """Run `source` through the pipeline for the company, then follow up on its new
        conversations."""
        settings = self.settings
        if batch_size is not None:
            settings = settings.model_copy(update={"batch_size": batch_size})
        get_queue(settings, self.sessions)  # fails fast (Redis down) before any mail is read
        started = utcnow()
        new_ids: list[int] = []
        report = ingest(
            self.sessions,
            company_id,
            source,
            settings=settings,
            detector=make_detector(self.sessions, settings),
            on_new_conversations=new_ids.extend,
            progress=progress,
            source_name=source_name,
        )
        self._follow_up(report, {company_id: new_ids}, started, wait)
        return report

    def sync(
        self, company: str | None = None, mailbox: int | None = None, *, wait: bool = True
    ) -> MailboxSyncReport:
        """Fetch new mail from the IMAP mailboxes (all, a company's, or one), then follow up
        as `import_path` does."""
        company_id = self.company_id(company) if company else None
        with self.sessions() as session:
            boxes = mailbox_store.list_mailboxes(session, company_id, mailbox)
        get_queue(self.settings, self.sessions)
        started = utcnow()
        report = mailbox_sync.sync_all(
            self.sessions,
            self.settings,
            company_id,
            mailbox,
            detector=make_detector(self.sessions, self.settings),
        )
        self._follow_up(report, {box.company_id: None for box in boxes}, started, wait)
        return report

    def _follow_up(
        self,
        report: SyncReport,
        new_conversations: dict[int, list[int] | None],
        started: datetime,
        wait: bool,
    ) -> None:
        """Queue classification and auto-replies per company (`None`: every pending one);
        when waiting, add the classification's AI usage to the report."""
        with report.stage("follow_up"):
            for company_id, ids in new_conversations.items():
                if ids == []:
                    continue
                follow_up(self.sessions, self.settings, company_id, ids, wait=wait)
        if wait and new_conversations:
            with self.sessions() as session:
                report.add_ai(usage_since(session, list(new_conversations), started, "classify"))
        report.seconds["total"] = round(
            report.seconds.get("total", 0.0) + report.seconds["follow_up"], 6
        )

    def conversations(
        self, company: str, limit: int | None = None
    ) -> list[conversation_store.ConversationRow]:
        """The company's conversations, most recent first."""
        with self.sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
            return conversation_store.list_conversations(session, company_id, limit)

    def conversation(self, conversation_id: int) -> conversation_store.ConversationDetail:
        """One conversation with its messages."""
        with self.sessions() as session:
            return conversation_store.conversation_detail(session, conversation_id)

    def quarantine(self, company: str) -> list[QuarantineEntry]:
        """The company's quarantined messages, oldest first."""
        with self.sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
            return quarantine_store.find_entries(session, company_id)

    def quarantine_entry(self, company: str, entry_id: int) -> QuarantineEntry:
        """One quarantined message of the company; NotFound when the company has no such entry."""
        with self.sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
            [entry] = quarantine_store.find_entries(session, company_id, [entry_id])
            return entry

    def quarantine_raw(self, company: str, entry_id: int) -> bytes:
        """The raw bytes kept of a quarantined message (only its headers when `headers_only`)."""
        with self.sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
            quarantine_store.find_entries(session, company_id, [entry_id])
            [stored] = quarantine_store.load_raw(session, company_id, [entry_id])
            return stored.raw

    def retry_quarantine(
        self, company: str, ids: Sequence[int] | None = None, *, wait: bool = True
    ) -> RetryReport:
        """Run quarantined messages (these ids, else every retryable one of the company) through
        the pipeline again: what the current code accepts becomes a message, threaded and
        followed up as any import, and leaves the quarantine; what still fails stays with its
        new reason. Headers-only entries and entries without bytes are not retried."""
        company_id = self.company_id(company)
        with self.sessions() as session:
            entries = quarantine_store.find_entries(session, company_id, ids)
            retry = [e.id for e in entries if e.cannot_retry is None]
            quarantine_store.set_aside(session, company_id, retry)
            session.commit()
        source = _QuarantinedMail(self.sessions, company_id, retry)
        run = None
        try:
            if retry:
                run = self._ingest(company_id, source, "quarantine retry", wait=wait)
        finally:
            with self.sessions() as session:
                stored_keys = existing_keys(session, company_id, set(source.keys.values()))
                stored = {i for i, key in source.keys.items() if key in stored_keys}
                failed = quarantine_store.settle_retry(session, company_id, retry, stored)
                session.commit()
        return RetryReport(
            stored=tuple(sorted(stored)),
            failed=failed,
            not_retryable={e.id: e.cannot_retry for e in entries if e.cannot_retry is not None},
            run=run,
        )


class _QuarantinedMail:
    """A source over quarantine entries' raw bytes that notes each one's message key."""

    def __init__(self, sessions: sessionmaker[Session], company_id: int, ids: list[int]) -> None:
        self.sessions = sessions
        self.company_id = company_id
        self.ids = ids
        self.keys: dict[int, str] = {}

    def batches(self, batch_size: int) -> Iterator[RawBatch]:
        for start in range(0, len(self.ids), batch_size):
            with self.sessions() as session:
                rows = quarantine_store.load_raw(
                    session, self.company_id, self.ids[start : start + batch_size]
                )
            for row in rows:
                # Bytes without a key are not a message yet: the pipeline quarantines them again.
                with suppress(MessageParseError):
                    self.keys[row.id] = peek_key(row.raw)
            # When it was quarantined is the latest it can have been received.
            yield RawBatch(
                [RawMessage(r.source_ref, r.raw, r.created_at.replace(tzinfo=UTC)) for r in rows]
            )
