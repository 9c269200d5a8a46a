"""`Inbox`'s operations on IMAP mailboxes: add, list, sync, watch."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from inboxsync import mailboxes as mailbox_sync
from inboxsync.ai import make_detector
from inboxsync.db import companies as company_store
from inboxsync.db import mailboxes as mailbox_store
from inboxsync.db.models import utcnow
from inboxsync.jobs import get_queue
from inboxsync.mailboxes import MailboxSyncReport
from inboxsync.operations._base import InboxBase
from inboxsync.results import MailboxSummary
from inboxsync.sources.secrets import make_ref


class MailboxOperations(InboxBase):
    """The operations on IMAP mailboxes."""

    def add_mailbox(
        self,
        company: str | int,
        *,
        host: str,
        user: str,
        port: int | None = None,
        tls: str = "ssl",
        password_env: str | None = None,
        password_file: str | None = None,
        oauth2_token_env: str | None = None,
        oauth2_token_file: str | None = None,
        folders: Sequence[str] = ("INBOX",),
    ) -> MailboxSummary:
        """Add an IMAP mailbox to the company (`tls`: ssl, starttls or none; the port defaults
        to 993 or 143). Exactly one of the secret parameters names where its password or
        XOAUTH2 token is read: only that reference is stored."""
        ref = make_ref(
            password_env=password_env,
            password_file=password_file,
            oauth2_token_env=oauth2_token_env,
            oauth2_token_file=oauth2_token_file,
        )
        with self.sessions.begin() as session:
            company_id = company_store.company_id_by_name(session, company)
            mailbox_id = mailbox_store.add_mailbox(
                session,
                company_id,
                host=host,
                port=port,
                tls=tls,
                username=user,
                secret_kind=ref.kind,
                secret_ref=str(ref),
                folders=list(folders),
            )
            [box] = mailbox_store.list_mailboxes(session, company_id, mailbox_id)
        return MailboxSummary.of(box)

    def mailboxes(self, company: str | int | None = None) -> list[MailboxSummary]:
        """The mailboxes (of one company, else all), their folders and how far each is synced."""
        with self.sessions() as session:
            company_id = self._company_or_all(session, company)
            return [MailboxSummary.of(b) for b in mailbox_store.list_mailboxes(session, company_id)]

    def sync(
        self,
        company: str | int | None = None,
        mailbox_id: int | None = None,
        *,
        wait: bool = True,
    ) -> MailboxSyncReport:
        """Fetch new mail from the IMAP mailboxes (every company's, the company's, or its
        mailbox `mailbox_id`), then follow up on the new conversations as `import_path`
        does. A mailbox that fails is a line of the report's `errors`."""
        with self.sessions() as session:
            company_id = self._company_or_all(session, company)
        get_queue(self.settings, self.sessions)  # fails fast (Redis down) before any mail is read
        started = utcnow()
        new_ids: dict[int, list[int]] = {}

        def collect(company_id: int, ids: list[int]) -> None:  # called one call at a time
            new_ids.setdefault(company_id, []).extend(ids)

        report = mailbox_sync.sync_all(
            self.sessions,
            self.settings,
            company_id,
            mailbox_id,
            detector=make_detector(self.sessions, self.settings),
            on_new_conversations=collect,
        )
        self._follow_up(report, new_ids, started, wait)
        return report

    def watch(
        self,
        stop: threading.Event,
        company: str | int | None = None,
        mailbox_id: int | None = None,
        *,
        on_report: Callable[[MailboxSyncReport], None] | None = None,
        poll_seconds: float | None = None,
    ) -> None:
        """Sync, then wait for new mail (IMAP IDLE, else polling at most `poll_seconds`
        apart) and sync again, calling `on_report` after each sync, until `stop` is set."""
        settings = self.settings
        if poll_seconds is not None:
            settings = settings.replace(imap={"poll_seconds": poll_seconds})
        with self.sessions() as session:
            company_id = self._company_or_all(session, company)
        mailbox_sync.watch(
            self.sessions,
            settings,
            stop,
            company_id=company_id,
            mailbox_id=mailbox_id,
            on_report=on_report,
        )
