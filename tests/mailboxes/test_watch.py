"""`watch`: a sync, then IDLE (or polling) on each INBOX, until told to stop."""

from __future__ import annotations

import queue
import threading

import pytest
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.errors import NotFound
from inboxsync.mailboxes import MailboxSyncReport, watch
from tests.support.imap import ImapWorld, mails


def test_watch_falls_back_to_polling_without_idle_and_stops_when_told(
    sessions: sessionmaker[Session], imap: ImapWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("inboxsync.mailboxes.watcher.supports_idle", lambda conn: False)
    imap.account()
    imap.append(mails(2))
    reports: queue.Queue[MailboxSyncReport] = queue.Queue()
    stop = threading.Event()
    settings = imap.settings(imap={"poll_seconds": 0.2})
    thread = threading.Thread(
        target=watch, args=(sessions, settings, stop), kwargs={"on_report": reports.put}
    )
    thread.start()
    try:
        assert reports.get(timeout=30).new_messages == 2
        imap.append(mails(1, start=2))
        new = 0
        while new == 0:  # polls that found nothing come first
            new = reports.get(timeout=30).new_messages
        assert new == 1
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()


def test_watching_a_mailbox_that_does_not_exist_is_not_found(
    sessions: sessionmaker[Session], imap: ImapWorld
) -> None:
    account = imap.account()
    other = imap.account(imap.new_user(), company="Other")
    stop = threading.Event()
    settings = imap.settings()
    with pytest.raises(NotFound, match=f"no mailbox {account.mailbox_id + 99}"):
        watch(sessions, settings, stop, mailbox_id=account.mailbox_id + 99)
    # Another company's mailbox is not found either.
    with pytest.raises(NotFound, match=f"no mailbox {other.mailbox_id}"):
        watch(sessions, settings, stop, company_id=account.company_id, mailbox_id=other.mailbox_id)
