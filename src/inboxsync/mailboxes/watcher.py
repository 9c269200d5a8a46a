"""Watching mailboxes: sync each, then wait for new mail on its INBOX (IDLE, else polling);
a paused mailbox is left alone until it is resumed."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from inboxsync.config import Settings
from inboxsync.db import mailboxes
from inboxsync.db.mailboxes import MailboxInfo
from inboxsync.errors import InboxsyncError
from inboxsync.mailboxes.sync import MailboxSync, MailboxSyncReport, endpoint_of
from inboxsync.pipeline.detect import NotificationDetector
from inboxsync.sources.imap import ImapConnection, ImapFolder, supports_idle, wait_for_change
from inboxsync.sources.secrets import resolve

log = logging.getLogger(__name__)


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

    Returns once `stop` is set and every watcher has finished its current batch. Raises
    NotFound when `mailbox_id` names no mailbox (of `company_id`, when given).
    """
    with sessions() as session:
        boxes = mailboxes.list_mailboxes(session, company_id, mailbox_id)
    run = MailboxSync(sessions, settings, detector, should_stop=stop.is_set)
    threads = [
        threading.Thread(
            target=_watch_one,
            args=(run, box, stop, on_report),
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
    run: MailboxSync,
    box: MailboxInfo,
    stop: threading.Event,
    on_report: Callable[[MailboxSyncReport], None] | None,
) -> None:
    poll_seconds = run.settings.imap.poll_seconds
    while not stop.is_set():
        if run.is_paused(box):  # looked at again each poll: a resumed mailbox is watched again
            stop.wait(poll_seconds)
            continue
        report = run.guarded(box)
        if on_report is not None:
            on_report(report)
        if stop.is_set():
            return
        try:
            _wait_for_mail(run.sessions, run.settings, box, stop)
        except InboxsyncError as exc:
            log.info("mailbox %s: cannot wait for mail (%s): polling", box.id, exc)
            stop.wait(poll_seconds)


def _wait_for_mail(
    sessions: sessionmaker[Session], settings: Settings, box: MailboxInfo, stop: threading.Event
) -> None:
    """Return when the INBOX may hold new mail, after `imap.poll_seconds`, or when stopped."""
    inbox = next((f for f in box.folders if f.name.upper() == "INBOX"), None)
    with ImapConnection.open(endpoint_of(box, settings), resolve(box.secret_ref)) as conn:
        if inbox is not None and supports_idle(conn):
            folder = ImapFolder.examine(conn, inbox.name)
            with sessions() as session:
                cursors = {c.folder_id: c for c in mailboxes.folder_cursors(session, box.id)}
            stored = cursors.get(inbox.folder_id)
            if folder.status.uidnext is not None:  # the status's lag, while nothing syncs
                with sessions.begin() as session:
                    mailboxes.record_uidnext(session, {inbox.folder_id: folder.status.uidnext})
            if stored is not None and (folder.status.uidnext or 0) > stored.last_uid + 1:
                return  # mail came in between the sync and now
            wait_for_change(folder, settings.imap.poll_seconds, should_stop=stop.is_set)
            return
    stop.wait(settings.imap.poll_seconds)
