"""A mailbox's state against a real Dovecot: a paused mailbox is skipped by every sync, a pause
stops a running sync before its next batch, the status (last good sync, lag, last error,
quarantined) after real syncs, and removing a mailbox with or without its mail."""

from __future__ import annotations

import queue
import threading

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from inboxsync import Inbox
from inboxsync.db.models import Conversation, InboxMessage, SyncRun
from inboxsync.jobs.tasks import JobContext
from inboxsync.jobs.tasks import sync_mailbox as sync_job
from inboxsync.mailboxes import MailboxSyncReport, sync_all, sync_mailbox, watch
from inboxsync.mailboxes.sync import MailboxSync
from tests.mailboxes.helpers import count
from tests.support.imap import ImapWorld, mails


def test_a_paused_mailbox_is_skipped_by_sync_sync_all_and_the_sync_job(
    sessions: sessionmaker[Session], imap: ImapWorld
) -> None:
    account = imap.account()
    settings = imap.settings()
    imap.append(mails(3))
    inbox = Inbox(settings)
    try:
        inbox.pause_mailbox(account.company_id, account.mailbox_id)
        assert sync_mailbox(sessions, settings, account.mailbox_id).fetched == 0
        assert sync_all(sessions, settings).fetched == 0
        sync_job(JobContext(sessions, settings, _NoQueue()), account.mailbox_id)
        assert inbox.sync(account.company_id).fetched == 0
        assert count(sessions, InboxMessage) == count(sessions, SyncRun) == 0
        assert inbox.mailbox_status(account.company_id, account.mailbox_id).last_sync_at is None

        inbox.resume_mailbox(account.company_id, account.mailbox_id)
        assert sync_mailbox(sessions, settings, account.mailbox_id).new_messages == 3
    finally:
        inbox.close()


def test_watch_leaves_a_paused_mailbox_alone_until_it_is_resumed(
    sessions: sessionmaker[Session], imap: ImapWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = imap.account()
    imap.append(mails(2))
    settings = imap.settings(imap={"poll_seconds": 0.1})
    seen_paused = threading.Event()
    looked = MailboxSync.is_paused

    def noting(run: MailboxSync, box: object) -> bool:
        paused = looked(run, box)  # type: ignore[arg-type]
        if paused:
            seen_paused.set()
        return paused

    monkeypatch.setattr(MailboxSync, "is_paused", noting)
    inbox = Inbox(settings)
    inbox.pause_mailbox(account.company_id, account.mailbox_id)
    reports: queue.Queue[MailboxSyncReport] = queue.Queue()
    stop = threading.Event()
    thread = threading.Thread(
        target=watch, args=(sessions, settings, stop), kwargs={"on_report": reports.put}
    )
    thread.start()
    try:
        assert seen_paused.wait(30)
        assert reports.empty()
        inbox.resume_mailbox(account.company_id, account.mailbox_id)
        assert reports.get(timeout=30).new_messages == 2
    finally:
        stop.set()
        thread.join(timeout=30)
        inbox.close()


def test_a_pause_stops_a_running_sync_at_its_next_batch_and_the_lag_shows_what_waits(
    sessions: sessionmaker[Session], imap: ImapWorld
) -> None:
    account = imap.account()
    settings = imap.settings(imap={"fetch_batch": 1})
    imap.append(mails(2))
    inbox = Inbox(settings)
    try:
        sync_mailbox(sessions, settings, account.mailbox_id)
        status = inbox.mailbox_status(account.company_id, account.mailbox_id)
        assert (status.lag, status.folders[0].uidnext, status.last_error) == (0, 3, None)
        synced_at = status.last_sync_at
        assert synced_at is not None

        imap.append(mails(4, start=2))  # new mail arrives; a pause lands during the sync

        def pause_at_the_first_batch(point: str, n: int) -> None:
            if (point, n) == ("fetched", 1):
                inbox.pause_mailbox(account.company_id, account.mailbox_id)

        report = sync_mailbox(
            sessions, settings, account.mailbox_id, on_fetch_step=pause_at_the_first_batch
        )
        status = inbox.mailbox_status(account.company_id, account.mailbox_id)
    finally:
        inbox.close()
    assert (report.new_messages, report.errors) == (1, [])  # its batch, then it stopped
    [folder] = status.folders
    assert (folder.last_uid, folder.uidnext, folder.lag) == (3, 7, 3)
    assert (status.lag, status.paused, status.last_error) == (3, True, None)
    assert status.last_sync_at is not None and status.last_sync_at > synced_at


def test_the_status_keeps_the_last_error_and_the_quarantined_count(
    sessions: sessionmaker[Session], imap: ImapWorld
) -> None:
    account = imap.account()
    settings = imap.settings()
    imap.append([b"\x00\x01 not a message\r\n", *mails(1)])
    inbox = Inbox(settings)
    try:
        assert sync_mailbox(sessions, settings, account.mailbox_id).quarantined == 1
        imap.monkeypatch.delenv(account.env_var)
        failed = inbox.sync(account.company_id)
        status = inbox.mailbox_status(account.company_id, account.mailbox_id)
    finally:
        inbox.close()
    assert failed.errors and account.env_var in failed.errors[0]
    assert status.last_error is not None and account.env_var in status.last_error
    assert status.last_error_at is not None and status.last_sync_at is not None
    assert status.last_error_at > status.last_sync_at
    assert status.quarantined == 1


def test_removing_a_mailbox_keeps_its_mail_unless_asked(
    sessions: sessionmaker[Session], imap: ImapWorld
) -> None:
    kept = imap.account()
    other = imap.new_user()
    gone = imap.account(other, company_id=kept.company_id)
    settings = imap.settings()
    imap.append(mails(3))
    imap.append([*mails(2, start=50, tag="other"), b"\x00 junk\r\n"], user=other)
    for account in (kept, gone):
        sync_mailbox(sessions, settings, account.mailbox_id)
    inbox = Inbox(settings)
    try:
        assert inbox.remove_mailbox(kept.company_id, kept.mailbox_id).deleted_messages == 0
        removed = inbox.remove_mailbox(gone.company_id, gone.mailbox_id, delete_mail=True)
        left = inbox.mailbox_page(kept.company_id).items
    finally:
        inbox.close()
    assert (removed.deleted_messages, removed.deleted_conversations) == (2, 2)
    assert removed.deleted_quarantine == 1 and left == ()
    with sessions() as session:
        mailbox_ids = set(session.scalars(select(InboxMessage.mailbox_id)))
        runs = set(session.scalars(select(SyncRun.mailbox_id)))
        conversations = session.scalar(select(Conversation.message_count).limit(1))
    assert mailbox_ids == {None} and runs == {None}
    assert count(sessions, InboxMessage) == 3 and conversations == 1


class _NoQueue:
    """A job queue that takes no follow-up job: the test looks at the sync alone."""

    backend = "none"

    def enqueue(self, task: str, *args: object, delay: float = 0.0) -> None:
        raise AssertionError(f"a paused mailbox queued {task}")

    def join(self, timeout: float | None = None) -> bool:
        return True

    def close(self) -> None:
        return None
