"""`Inbox`'s operations on IMAP mailboxes: add, edit, pause, resume, remove, read their
status, map their IMAP folders onto the company's folders, sync (now or as a job), watch."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence

from inboxsync import mailboxes as mailbox_sync
from inboxsync.ai import classify_pending, make_detector
from inboxsync.ai import mapped_folders as folder_maps
from inboxsync.ai.mapped_folders import ImapFolder, MappingChange
from inboxsync.db import companies as company_store
from inboxsync.db import mailbox_status
from inboxsync.db import mailboxes as mailbox_store
from inboxsync.db.listing import Page
from inboxsync.db.mailbox_status import MailboxDetail, MailboxStatus
from inboxsync.db.mailboxes import RemovedMailbox
from inboxsync.db.models import utcnow
from inboxsync.errors import ConfigError, UsageError
from inboxsync.jobs import get_queue
from inboxsync.mailboxes import MailboxSyncReport
from inboxsync.operations._base import InboxBase
from inboxsync.results import MailboxSummary
from inboxsync.sources.secrets import SecretRef, make_ref

# What an environment variable's name may be (POSIX): anything else is no reference.
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,199}")


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
        ref = _secret_ref(
            password_env, password_file, oauth2_token_env, oauth2_token_file, required=True
        )
        assert ref is not None
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

    def edit_mailbox(
        self,
        company: str | int,
        mailbox_id: int,
        *,
        host: str | None = None,
        port: int | None = None,
        tls: str | None = None,
        user: str | None = None,
        password_env: str | None = None,
        password_file: str | None = None,
        oauth2_token_env: str | None = None,
        oauth2_token_file: str | None = None,
        folders: Sequence[str] | None = None,
    ) -> MailboxDetail:
        """Change a mailbox's account, its secret reference (at most one of the secret
        parameters) or the folders it syncs (None leaves a field as it is; a folder left out
        loses its cursor). Returns the mailbox as stored."""
        ref = _secret_ref(password_env, password_file, oauth2_token_env, oauth2_token_file)
        with self.sessions.begin() as session:
            company_id = company_store.company_id_by_name(session, company)
            mailbox_store.edit_mailbox(
                session,
                company_id,
                mailbox_id,
                host=host,
                port=port,
                tls=tls,
                username=user,
                secret=None if ref is None else (ref.kind, str(ref)),
                folders=None if folders is None else list(folders),
            )
            return mailbox_status.mailbox_detail(session, company_id, mailbox_id)

    def pause_mailbox(self, company: str | int, mailbox_id: int) -> MailboxStatus:
        """Pause a mailbox: every sync skips it (a sync running now stops before its next
        batch) until it is resumed."""
        return self._set_paused(company, mailbox_id, True)

    def resume_mailbox(self, company: str | int, mailbox_id: int) -> MailboxStatus:
        """Resume a paused mailbox: the next sync picks it up where it stopped."""
        return self._set_paused(company, mailbox_id, False)

    def _set_paused(self, company: str | int, mailbox_id: int, paused: bool) -> MailboxStatus:
        with self.sessions.begin() as session:
            company_id = company_store.company_id_by_name(session, company)
            mailbox_store.set_paused(session, company_id, mailbox_id, paused)
            return mailbox_status.mailbox_detail(session, company_id, mailbox_id).status

    def remove_mailbox(
        self, company: str | int, mailbox_id: int, *, delete_mail: bool = False
    ) -> RemovedMailbox:
        """Remove a mailbox and its folder cursors. Its conversations and messages stay
        (without a mailbox) unless `delete_mail`. Refused while a sync of it runs."""
        with self.sessions.begin() as session:
            company_id = company_store.company_id_by_name(session, company)
            return mailbox_store.remove_mailbox(
                session, company_id, mailbox_id, delete_mail=delete_mail
            )

    def map_folder(
        self, company: str | int, mailbox_id: int, imap_folder: str, folder: str | int
    ) -> MappingChange:
        """Map an IMAP folder the mailbox syncs onto one of the company's folders (name or
        id; mapping it again replaces it): its mail, synced already or to come, is filed
        there as a person's decision and teaches the local model. A user's filing wins."""
        with self.sessions.begin() as session:
            company_id = company_store.company_id_by_name(session, company)
            return folder_maps.map_folder(session, company_id, mailbox_id, imap_folder, folder)

    def unmap_folder(self, company: str | int, mailbox_id: int, imap_folder: str) -> MappingChange:
        """Remove an IMAP folder's mapping; the conversations it filed are classified again
        (`released`) unless another mapping files them."""
        with self.sessions.begin() as session:
            company_id = company_store.company_id_by_name(session, company)
            change = folder_maps.unmap_folder(session, company_id, mailbox_id, imap_folder)
        if change.released:
            classify_pending(
                self.sessions, self.settings, company_id, conversation_ids=change.released
            )
        return change

    def mailbox_folders(self, company: str | int, mailbox_id: int) -> tuple[ImapFolder, ...]:
        """A mailbox's IMAP folders (synced or mapped), each with the company folder it is
        mapped onto."""
        with self.reader_sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
            return tuple(folder_maps.imap_folders(session, company_id, mailbox_id))

    def mailbox(self, company: str | int, mailbox_id: int) -> MailboxDetail:
        """One of the company's mailboxes with its status."""
        with self.reader_sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
            return mailbox_status.mailbox_detail(session, company_id, mailbox_id)

    def mailbox_status(self, company: str | int, mailbox_id: int) -> MailboxStatus:
        """A mailbox's status: paused, last good sync, last error, lag, quarantined."""
        return self.mailbox(company, mailbox_id).status

    def mailbox_page(
        self, company: str | int, *, cursor: str | None = None, limit: int = 50
    ) -> Page[MailboxDetail]:
        """A page of the company's mailboxes by id, each with its status; pass its
        `next_cursor` back as `cursor` for the next one."""
        with self.reader_sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
            return mailbox_status.mailbox_page(session, company_id, cursor=cursor, limit=limit)

    def queue_sync(self, company: str | int, mailbox_id: int) -> MailboxDetail:
        """Queue a sync of the mailbox (the `sync_mailbox` job) and return at once; refused
        for a paused mailbox."""
        box = self.mailbox(company, mailbox_id)
        if box.status.paused:
            raise UsageError(f"mailbox {mailbox_id} is paused: resume it first")
        get_queue(self.settings, self.sessions).enqueue("sync_mailbox", mailbox_id)
        return box

    def mailboxes(self, company: str | int | None = None) -> list[MailboxSummary]:
        """The mailboxes (of one company, else all), their folders and how far each is synced."""
        with self.reader_sessions() as session:
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
        with self.reader_sessions() as session:
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
        with self.reader_sessions() as session:
            company_id = self._company_or_all(session, company)
        mailbox_sync.watch(
            self.sessions,
            settings,
            stop,
            company_id=company_id,
            mailbox_id=mailbox_id,
            on_report=on_report,
        )


def _secret_ref(
    password_env: str | None,
    password_file: str | None,
    oauth2_token_env: str | None,
    oauth2_token_file: str | None,
    *,
    required: bool = False,
) -> SecretRef | None:
    """The reference of the one secret parameter given (None when none is and none is
    `required`); a variable name that cannot be one (a value pasted in its place, say) is
    refused without being echoed."""
    if not required and not any((password_env, password_file, oauth2_token_env, oauth2_token_file)):
        return None
    for name in (password_env, oauth2_token_env):
        if name and not _ENV_NAME.fullmatch(name):
            raise UsageError("an environment variable name is letters, digits and _")
    try:
        return make_ref(
            password_env=password_env,
            password_file=password_file,
            oauth2_token_env=oauth2_token_env,
            oauth2_token_file=oauth2_token_file,
        )
    except ConfigError as exc:
        raise UsageError(str(exc)) from exc
