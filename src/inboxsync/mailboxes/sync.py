"""Syncing IMAP mailboxes: a lease per mailbox, retries of transient faults, many at once.

`sync_mailbox` syncs one mailbox through `pipeline.sync.ingest` and raises on failure;
`sync_all` runs it over many mailboxes in a thread pool, turning each failure into one line of
the report's `errors` so one broken mailbox never stops the others.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from tenacity import (
    Retrying,
    before_sleep_log,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)

from inboxsync.config import Settings
from inboxsync.db import mailboxes
from inboxsync.db.counters import counting
from inboxsync.db.events import NewEvent, record_events
from inboxsync.db.mailboxes import MailboxInfo
from inboxsync.db.models import utcnow
from inboxsync.errors import ImapConnectionError, InboxsyncError, MailboxBusyError
from inboxsync.mailboxes.lease import MailboxLease
from inboxsync.pipeline.detect import NotificationDetector
from inboxsync.pipeline.report import SyncReport
from inboxsync.pipeline.resolve import existing_keys
from inboxsync.pipeline.sync import ingest
from inboxsync.sources.base import FolderCursor
from inboxsync.sources.imap import (
    FetchLimits,
    FetchStepHook,
    ImapConnection,
    ImapEndpoint,
    ImapFolder,
    ImapMailboxSource,
    TlsMode,
)
from inboxsync.sources.secrets import Secret, parse_ref, resolve

log = logging.getLogger(__name__)

# Called with a company id and the ids of the conversations a batch of its mail created.
NewConversationsHook = Callable[[int, list[int]], None]


@dataclass
class MailboxSyncReport(SyncReport):
    """A SyncReport with what only IMAP has: folders rescanned and protocol round trips."""

    # "mailbox 3 INBOX": folders whose UIDVALIDITY changed, so they were read again from the
    # start (deduplication keeps that idempotent).
    rescanned_folders: list[str] = field(default_factory=list)
    imap_round_trips: int = 0


def sync_mailbox(
    sessions: sessionmaker[Session],
    settings: Settings,
    mailbox_id: int,
    *,
    detector: NotificationDetector | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_new_conversations: NewConversationsHook | None = None,
    on_fetch_step: FetchStepHook | None = None,
) -> MailboxSyncReport:
    """Sync a mailbox's folders; returns the report. Raises on failure (progress is kept),
    NotFound when there is no such mailbox."""
    with sessions() as session:
        [box] = mailboxes.list_mailboxes(session, mailbox_id=mailbox_id)
    run = MailboxSync(sessions, settings, detector, should_stop, on_new_conversations,
                      on_fetch_step)  # fmt: skip
    return run.sync(box)


def sync_all(
    sessions: sessionmaker[Session],
    settings: Settings,
    company_id: int | None = None,
    mailbox_id: int | None = None,
    *,
    detector: NotificationDetector | None = None,
    on_new_conversations: NewConversationsHook | None = None,
    on_fetch_step: FetchStepHook | None = None,
) -> MailboxSyncReport:
    """Sync every mailbox (of a company, or one), `settings.imap.sync_concurrency` at once.

    The mailbox list is read once. A mailbox that fails adds one line to `errors` and never
    stops the others. `on_new_conversations(company_id, ids)` gets the ids of the
    conversations each batch created (one call at a time). Raises NotFound when `mailbox_id`
    names no mailbox (of `company_id`, when given).
    """
    with sessions() as session:
        boxes = mailboxes.list_mailboxes(session, company_id, mailbox_id)
    report = MailboxSyncReport()
    if not boxes:
        return report
    run = MailboxSync(sessions, settings, detector, None, _one_at_a_time(on_new_conversations),
                      on_fetch_step)  # fmt: skip
    workers = min(settings.imap.sync_concurrency, len(boxes))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mailbox") as pool:
        for part in pool.map(run.guarded, boxes):
            report.merge(part)
    return report


def _one_at_a_time(hook: NewConversationsHook | None) -> NewConversationsHook | None:
    """`hook`, never called by two mailbox threads at once."""
    if hook is None:
        return None
    lock = threading.Lock()

    def locked(company_id: int, ids: list[int]) -> None:
        with lock:
            hook(company_id, ids)

    return locked


def endpoint_of(box: MailboxInfo, settings: Settings) -> ImapEndpoint:
    """How to reach a stored mailbox."""
    tls: TlsMode = "ssl" if box.imap_tls == "ssl" else "starttls"
    if box.imap_tls == "none":
        tls = "none"
    return ImapEndpoint(
        host=box.imap_host,
        port=box.imap_port,
        tls=tls,
        username=box.username,
        oauth2=parse_ref(box.secret_ref).kind == "oauth2",
        ca_file=settings.imap.ca_file,
        timeout=settings.imap.timeout_seconds,
    )


@dataclass(frozen=True)
class MailboxSync:
    """How mailboxes are synced in one run: the database, the settings and the hooks."""

    sessions: sessionmaker[Session]
    settings: Settings
    detector: NotificationDetector | None = None
    should_stop: Callable[[], bool] | None = None
    on_new_conversations: NewConversationsHook | None = None
    on_fetch_step: FetchStepHook | None = None

    def guarded(self, box: MailboxInfo) -> MailboxSyncReport:
        """Sync one mailbox; a failure becomes a line of the report's `errors` instead."""
        report = MailboxSyncReport()
        try:
            self._sync_into(report, box)
        except InboxsyncError as exc:
            text = str(exc)
            report.errors.append(
                text if text.startswith(f"mailbox {box.id}") else f"mailbox {box.id}: {text}"
            )
        except Exception as exc:  # a bug: keep the traceback in the log, the others go on
            log.exception("mailbox %s: unexpected failure", box.id)
            report.errors.append(f"mailbox {box.id}: internal error ({type(exc).__name__})")
        return report

    def sync(self, box: MailboxInfo) -> MailboxSyncReport:
        """Sync one mailbox; raises on failure (what was stored stays stored)."""
        report = MailboxSyncReport()
        self._sync_into(report, box)
        return report

    def is_paused(self, box: MailboxInfo) -> bool:
        """Whether the mailbox is paused (or removed) now, as the database says."""
        with self.sessions() as session:
            return mailboxes.is_paused(session, box.id)

    def _sync_into(self, report: MailboxSyncReport, box: MailboxInfo) -> None:
        if self.is_paused(box):
            log.info("mailbox %s is paused: not synced", box.id)
            return
        try:
            self._sync_folders(report, box)
        except MailboxBusyError:
            raise  # another process syncs it: not a failure
        except InboxsyncError as exc:
            self._record_failure(box, str(exc))
            raise
        except Exception as exc:
            self._record_failure(box, f"internal error ({type(exc).__name__})")
            raise
        if report.errors:
            self._record_failure(box, "; ".join(report.errors))

    def _record_failure(self, box: MailboxInfo, error: str) -> None:
        """The `mailbox.sync_failed` event; a database that is down loses it (logged)."""
        event = NewEvent("mailbox.sync_failed", data={"mailbox_id": box.id, "error": error[:500]})
        try:
            with self.sessions.begin() as session:
                record_events(session, box.company_id, [event])
                mailboxes.record_sync_end(session, box.id, error)
        except Exception:
            log.exception("mailbox %s: the sync_failed event could not be recorded", box.id)

    def _sync_folders(self, report: MailboxSyncReport, box: MailboxInfo) -> None:
        imap = self.settings.imap
        secret = resolve(box.secret_ref)
        endpoint = endpoint_of(box, self.settings)
        done: set[int] = set()  # folders synced, or failed and reported, by an attempt
        uidnext: dict[int, int] = {}  # folder id → UIDNEXT at its EXAMINE
        started_at = utcnow()
        with MailboxLease(self.sessions, box.id, imap.lease_seconds) as lease:
            retrying = Retrying(
                stop=stop_after_attempt(imap.retries + 1),
                wait=wait_exponential(multiplier=imap.retry_wait_seconds, max=60),
                retry=retry_if_exception_type(ImapConnectionError),
                before_sleep=before_sleep_log(log, logging.INFO),
                reraise=True,
            )
            try:
                for attempt in retrying:
                    with attempt:
                        self._attempt(report, box, endpoint, secret, done, lease, uidnext)
            finally:
                self._note_uidnext(box, uidnext)
            if not report.errors:
                with self.sessions.begin() as session:
                    if len(done) == len(box.folders):
                        mailboxes.mark_synced(session, box.id, started_at)
                    mailboxes.record_sync_end(session, box.id, None)

    def _note_uidnext(self, box: MailboxInfo, uidnext: dict[int, int]) -> None:
        """Store the UIDNEXTs seen (what the status's lag is computed from); a database
        that is down loses them (logged): the sync's own outcome matters more."""
        if not uidnext:
            return
        try:
            with self.sessions.begin() as session:
                mailboxes.record_uidnext(session, uidnext)
        except Exception:
            log.warning("mailbox %s: could not record the folders' UIDNEXT", box.id, exc_info=True)

    def _attempt(
        self,
        report: MailboxSyncReport,
        box: MailboxInfo,
        endpoint: ImapEndpoint,
        secret: Secret,
        done: set[int],
        lease: MailboxLease,
        uidnext: dict[int, int],
    ) -> None:
        """One connection's worth of sync: the folders no earlier attempt finished."""
        lease.check()
        conn = ImapConnection.open(endpoint, secret)
        key_round_trips = 0
        source: ImapMailboxSource | None = None

        def known_keys(keys: list[str]) -> set[str]:
            nonlocal key_round_trips
            with counting() as counter, self.sessions() as session:
                found = existing_keys(session, box.company_id, keys)
            key_round_trips += counter.round_trips
            return found

        try:
            # Read under the lease: what the last sync of this mailbox committed.
            with counting() as counter, self.sessions() as session:
                cursors = mailboxes.folder_cursors(session, box.id)
            key_round_trips += counter.round_trips
            source = self._source(conn, box, [c for c in cursors if c.folder_id not in done],
                                  known_keys, lease, uidnext)  # fmt: skip
            if source.has_new_mail():  # else no pipeline run, no sync_runs row
                self._ingest(report, box, source)
        finally:
            if source is not None:
                source.close()  # its thread must be done with the connection first
                self._note_folders(report, box, source, done)
            conn.close()
            report.db_round_trips += key_round_trips
            report.imap_round_trips += conn.stats.commands
            report.bytes_downloaded += conn.stats.bytes_downloaded
        if source.failure is not None:
            raise source.failure

    def _source(
        self,
        conn: ImapConnection,
        box: MailboxInfo,
        cursors: list[FolderCursor],
        known_keys: Callable[[list[str]], set[str]],
        lease: MailboxLease,
        uidnext: dict[int, int],
    ) -> ImapMailboxSource:
        imap = self.settings.imap
        should_stop = self.should_stop

        def stop() -> bool:  # before each batch: a pause lands between two batches
            if should_stop is not None and should_stop():
                return True
            return self.is_paused(box)

        return _UidnextNoting(
            uidnext,
            conn,
            cursors,
            known_keys,
            mailbox_id=box.id,
            limits=FetchLimits(
                header_batch=imap.header_batch,
                fetch_batch=imap.fetch_batch,
                prefetch=imap.prefetch,
                max_message_bytes=self.settings.max_message_bytes,
                batch_bytes=imap.batch_bytes,
            ),
            before_batch=lease.check,
            should_stop=stop,
            on_step=self.on_fetch_step,
        )

    def _ingest(
        self, report: MailboxSyncReport, box: MailboxInfo, source: ImapMailboxSource
    ) -> None:
        hook = self.on_new_conversations
        part = ingest(
            self.sessions,
            box.company_id,
            source,
            settings=self.settings,
            mailbox_id=box.id,
            detector=self.detector,
            on_new_conversations=(lambda ids: hook(box.company_id, ids)) if hook else None,
            source_name=f"imap:{box.id}",
        )
        report.bytes_downloaded -= part.bytes_downloaded  # the connection counts headers too
        report.merge(part)

    @staticmethod
    def _note_folders(
        report: MailboxSyncReport, box: MailboxInfo, source: ImapMailboxSource, done: set[int]
    ) -> None:
        """Report rescanned and failed folders; remember those no retry needs to read again."""
        for folder_id, result in source.results.items():
            rescanned = f"mailbox {box.id} {result.name}"
            if result.rescanned and rescanned not in report.rescanned_folders:
                report.rescanned_folders.append(rescanned)
            if result.error:
                report.errors.append(f"mailbox {box.id}: {result.error}")
            if result.complete or result.error:
                done.add(folder_id)


class _UidnextNoting(ImapMailboxSource):
    """The IMAP source, noting the UIDNEXT of each folder it opens for a fetch (those it
    finds up to date have none waiting)."""

    def __init__(self, uidnext: dict[int, int], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.uidnext = uidnext

    def _open_next(self) -> tuple[FolderCursor, ImapFolder] | None:
        opened = super()._open_next()
        if opened is not None and opened[1].status.uidnext is not None:
            self.uidnext[opened[0].folder_id] = opened[1].status.uidnext
        return opened
