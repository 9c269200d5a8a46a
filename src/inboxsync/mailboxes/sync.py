"""Syncing IMAP mailboxes: a lease per mailbox, retries of transient faults, many at once.

`sync_mailbox` syncs one mailbox through `pipeline.sync.ingest` and raises on failure;
`sync_all` runs it over many mailboxes in a thread pool, turning each failure into one line of
the report's `errors` so one broken mailbox never stops the others. `watch` keeps syncing until
told to stop, waking on IMAP IDLE (or polling).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from types import TracebackType

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
from inboxsync.db.mailboxes import MailboxInfo
from inboxsync.db.models import utcnow
from inboxsync.errors import ImapConnectionError, InboxsyncError, MailboxBusyError, SourceError
from inboxsync.pipeline.detect import NotificationDetector
from inboxsync.pipeline.report import SyncReport
from inboxsync.pipeline.resolve import existing_keys
from inboxsync.pipeline.sync import ingest
from inboxsync.sources.imap import FolderStatus, ImapConnection, ImapEndpoint, TlsMode
from inboxsync.sources.imap_fetch import FetchLimits, FolderTask, ImapMailboxSource, needs_sync
from inboxsync.sources.secrets import Secret, parse_ref, resolve

log = logging.getLogger(__name__)


@dataclass
class MailboxSyncReport(SyncReport):
    """A SyncReport with what only IMAP has: folders rescanned and protocol round trips."""

    # "mailbox 3 INBOX": folders whose UIDVALIDITY changed, so they were read again from the
    # start (deduplication keeps that idempotent).
    rescanned_folders: list[str] = field(default_factory=list)
    imap_round_trips: int = 0


class MailboxLease:
    """The database lease on one mailbox, renewed in the background while the sync runs."""

    def __init__(self, sessions: sessionmaker[Session], mailbox_id: int, ttl_seconds: float):
        self.sessions = sessions
        self.mailbox_id = mailbox_id
        self.ttl = ttl_seconds
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lost = False
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> MailboxLease:
        if not self._take():
            with self.sessions() as session:
                held = mailboxes.lease_holder(session, self.mailbox_id)
            who = f" ({held[0]}, until {held[1]:%H:%M:%S} UTC)" if held else ""
            raise MailboxBusyError(
                f"mailbox {self.mailbox_id} is busy: another sync holds its lease{who}"
            )
        self._thread = threading.Thread(target=self._renew, name="lease", daemon=True)
        self._thread.start()
        return self

    def _take(self) -> bool:
        if mailboxes.acquire_lease(self.sessions, self.mailbox_id, self.holder, self.ttl):
            return True
        with self.sessions() as session:
            held = mailboxes.lease_holder(session, self.mailbox_id)
        if held is None or not _holder_is_dead(held[0]):
            return False
        # A sync killed on this machine (kill -9) need not block a rerun until the expiry.
        log.info("mailbox %s: the lease holder %s is gone: taking over", self.mailbox_id, held[0])
        return mailboxes.take_over_lease(
            self.sessions, self.mailbox_id, held[0], self.holder, self.ttl
        )

    def check(self) -> None:
        """Raise MailboxBusyError when the lease was lost (another process took it over)."""
        if self.lost:
            raise MailboxBusyError(f"mailbox {self.mailbox_id}: lease lost, sync stopped")

    def _renew(self) -> None:
        while not self._done.wait(self.ttl / 3):
            try:
                if not mailboxes.renew_lease(self.sessions, self.mailbox_id, self.holder, self.ttl):
                    self.lost = True
                    return
            except Exception:  # a database hiccup: try again at the next beat
                log.warning("mailbox %s: could not renew the lease", self.mailbox_id, exc_info=True)

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _exc: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()
        try:
            mailboxes.release_lease(self.sessions, self.mailbox_id, self.holder)
        except Exception:  # never hide the sync's own error; the lease expires by itself
            log.warning("mailbox %s: could not release the lease", self.mailbox_id, exc_info=True)


def _holder_is_dead(holder: str) -> bool:
    """True when `holder` names a process of this machine that no longer exists."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


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


def sync_mailbox(
    sessions: sessionmaker[Session],
    settings: Settings,
    mailbox_id: int,
    *,
    detector: NotificationDetector | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> MailboxSyncReport:
    """Sync a mailbox's folders; returns the report. Raises on failure (progress is kept)."""
    report = MailboxSyncReport()
    _sync_into(report, sessions, settings, mailbox_id, detector, should_stop)
    return report


def sync_all(
    sessions: sessionmaker[Session],
    settings: Settings,
    company_id: int | None = None,
    mailbox_id: int | None = None,
    *,
    detector: NotificationDetector | None = None,
) -> MailboxSyncReport:
    """Sync every mailbox (of a company, or one), `settings.imap.sync_concurrency` at once.

    A mailbox that fails adds one line to `errors` and never stops the others.
    """
    with sessions() as session:
        boxes = mailboxes.list_mailboxes(session, company_id, mailbox_id)
    report = MailboxSyncReport()
    if not boxes:
        return report
    workers = min(settings.imap.sync_concurrency, len(boxes))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mailbox") as pool:
        parts = pool.map(lambda box: guarded_sync(sessions, settings, box, detector), boxes)
        for part in parts:
            report.merge(part)
    return report


def guarded_sync(
    sessions: sessionmaker[Session],
    settings: Settings,
    box: MailboxInfo,
    detector: NotificationDetector | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> MailboxSyncReport:
    """Sync one mailbox; a failure becomes a line of the report's `errors` instead of raising."""
    report = MailboxSyncReport()
    try:
        _sync_into(report, sessions, settings, box.id, detector, should_stop)
    except InboxsyncError as exc:
        text = str(exc)
        report.errors.append(
            text if text.startswith(f"mailbox {box.id}") else f"mailbox {box.id}: {text}"
        )
    except Exception as exc:  # a bug: keep the traceback in the log, the other mailboxes go on
        log.exception("mailbox %s: unexpected failure", box.id)
        report.errors.append(f"mailbox {box.id}: internal error ({type(exc).__name__})")
    return report


def _sync_into(
    report: MailboxSyncReport,
    sessions: sessionmaker[Session],
    settings: Settings,
    mailbox_id: int,
    detector: NotificationDetector | None,
    should_stop: Callable[[], bool] | None,
) -> None:
    with sessions() as session:
        box = mailboxes.list_mailboxes(session, mailbox_id=mailbox_id)[0]
    secret = resolve(box.secret_ref)
    endpoint = endpoint_of(box, settings)
    done: set[int] = set()
    started_at = utcnow()
    with MailboxLease(sessions, box.id, settings.imap.lease_seconds) as lease:
        retrying = Retrying(
            stop=stop_after_attempt(settings.imap.retries + 1),
            wait=wait_exponential(multiplier=settings.imap.retry_wait_seconds, max=60),
            retry=retry_if_exception_type(ImapConnectionError),
            before_sleep=before_sleep_log(log, logging.INFO),
            reraise=True,
        )
        for attempt in retrying:
            with attempt:
                _attempt(report, sessions, settings, box, endpoint, secret, done, lease, detector,
                         should_stop)  # fmt: skip
        if len(done) == len(box.folders) and not report.errors:
            with sessions.begin() as session:
                mailboxes.mark_synced(session, box.id, started_at)


def _attempt(
    report: MailboxSyncReport,
    sessions: sessionmaker[Session],
    settings: Settings,
    box: MailboxInfo,
    endpoint: ImapEndpoint,
    secret: Secret,
    done: set[int],
    lease: MailboxLease,
    detector: NotificationDetector | None,
    should_stop: Callable[[], bool] | None,
) -> None:
    """One connection's worth of sync: the folders not completed by an earlier attempt."""
    lease.check()
    conn = ImapConnection.open(endpoint, secret)
    key_round_trips = 0
    source: ImapMailboxSource | None = None

    def known_keys(keys: list[str]) -> set[str]:
        nonlocal key_round_trips
        with counting() as counter, sessions() as session:
            found = existing_keys(session, box.company_id, keys)
        key_round_trips += counter.round_trips
        return found

    def before_batch() -> None:
        lease.check()

    try:
        with counting() as counter, sessions() as session:
            cursors = mailboxes.folder_cursors(session, box.id)
        key_round_trips += counter.round_trips
        tasks, statuses = _folders_to_sync(conn, cursors, done, report, box.id)
        if not tasks:
            return  # nothing new anywhere: no pipeline run, no sync_runs row
        source = ImapMailboxSource(
            conn,
            tasks,
            known_keys,
            mailbox_id=box.id,
            limits=FetchLimits(
                header_batch=settings.imap.header_batch,
                fetch_batch=settings.imap.fetch_batch,
                prefetch=settings.imap.prefetch,
                max_message_bytes=settings.max_message_bytes,
            ),
            before_batch=before_batch,
            should_stop=should_stop,
            kill_at=settings.imap.test_kill_at,
            statuses=statuses,
        )
        part = ingest(
            sessions,
            box.company_id,
            source,
            settings=settings,
            mailbox_id=box.id,
            detector=detector,
            source_name=f"imap:{box.id}",
        )
        report.bytes_downloaded -= part.bytes_downloaded  # counted below, headers included
        report.merge(part)
        for task in tasks:
            result = source.results[task.folder_id]
            if result.rescanned:
                report.rescanned_folders.append(f"mailbox {box.id} {task.name}")
            if result.error:
                report.errors.append(f"mailbox {box.id}: {result.error}")
            if result.complete:
                done.add(task.folder_id)
        if source.failure is not None:
            raise source.failure
    finally:
        if source is not None:
            source.close()  # its thread must be done with the connection first
        conn.close()
        report.db_round_trips += key_round_trips
        report.imap_round_trips += conn.stats.commands
        report.bytes_downloaded += conn.stats.bytes_downloaded


def _folders_to_sync(
    conn: ImapConnection,
    cursors: list[mailboxes.FolderCursor],
    done: set[int],
    report: MailboxSyncReport,
    mailbox_id: int,
) -> tuple[list[FolderTask], dict[int, FolderStatus]]:
    """EXAMINE each folder not done yet; those with nothing above the cursor are done now."""
    tasks, statuses = [], {}
    for c in cursors:
        if c.id in done:
            continue
        task = FolderTask(c.id, c.name, c.uidvalidity, c.last_uid, c.highestmodseq)
        try:
            status = conn.examine(c.name)
        except ImapConnectionError:
            raise
        except SourceError as exc:  # this folder only: the others still sync
            report.errors.append(f"mailbox {mailbox_id}: {exc}")
            done.add(c.id)  # reported once, not again by a retry
            continue
        if needs_sync(task, status):
            tasks.append(task)
            statuses[c.id] = status
        else:
            done.add(c.id)
    return tasks, statuses


def watch(
    sessions: sessionmaker[Session],
    settings: Settings,
    stop: threading.Event,
    *,
    company_id: int | None = None,
    mailbox_id: int | None = None,
    detector: NotificationDetector | None = None,
    on_report: Callable[[MailboxSyncReport], None] | None = None,
) -> None:
    """Sync each mailbox, then wait for new mail on its INBOX (IDLE, else polling); repeat.

    Returns once `stop` is set and every watcher has finished its current batch.
    """
    with sessions() as session:
        boxes = mailboxes.list_mailboxes(session, company_id, mailbox_id)
    threads = [
        threading.Thread(
            target=_watch_one,
            args=(sessions, settings, box, stop, detector, on_report),
            name=f"watch-{box.id}",
            daemon=True,
        )
        for box in boxes
    ]
    for thread in threads:
        thread.start()
    stop.wait()
    for thread in threads:
        thread.join()


def _watch_one(
    sessions: sessionmaker[Session],
    settings: Settings,
    box: MailboxInfo,
    stop: threading.Event,
    detector: NotificationDetector | None,
    on_report: Callable[[MailboxSyncReport], None] | None,
) -> None:
    while not stop.is_set():
        report = guarded_sync(sessions, settings, box, detector, should_stop=stop.is_set)
        if on_report is not None:
            on_report(report)
        if stop.is_set():
            return
        try:
            _wait_for_mail(sessions, settings, box, stop)
        except InboxsyncError as exc:
            log.info("mailbox %s: cannot wait for mail (%s): polling", box.id, exc)
            stop.wait(settings.imap.poll_seconds)


def _wait_for_mail(
    sessions: sessionmaker[Session], settings: Settings, box: MailboxInfo, stop: threading.Event
) -> None:
    """Return when the INBOX may hold new mail, after `imap_poll_seconds`, or when stopped."""
    inbox = next((f for f in box.folders if f.name.upper() == "INBOX"), None)
    with ImapConnection.open(endpoint_of(box, settings), resolve(box.secret_ref)) as conn:
        if inbox is not None and conn.has_idle:
            status = conn.examine(inbox.name)
            with sessions() as session:
                cursors = {c.id: c for c in mailboxes.folder_cursors(session, box.id)}
            stored = cursors.get(inbox.id)
            if stored is not None and (status.uidnext or 0) > stored.last_uid + 1:
                return  # mail came in between the sync and now
            conn.wait_for_change(settings.imap.poll_seconds, should_stop=stop.is_set)
            return
    stop.wait(settings.imap.poll_seconds)
