"""`watch`: a sync, then IDLE (or polling) on each INBOX, until told to stop."""

from __future__ import annotations

import queue
import threading

import pytest
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.errors import NotFound
from inboxsync.mailboxes import MailboxSyncReport, watch
from tests.support.dovecot import DovecotServer, ImapUser
from tests.support.imap import add_account, imap_settings, mails


def test_watch_falls_back_to_polling_without_idle_and_stops_when_told(
    sessions: sessionmaker[Session],
    db_url: str,
    dovecot: DovecotServer,
    imap_user: ImapUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("inboxsync.mailboxes.watcher.supports_idle", lambda conn: False)
    add_account(sessions, dovecot, imap_user, monkeypatch)
    dovecot.append(imap_user, mails(2))
    reports: queue.Queue[MailboxSyncReport] = queue.Queue()
    stop = threading.Event()
    settings = imap_settings(db_url, imap={"poll_seconds": 0.2})
    thread = threading.Thread(
        target=watch, args=(sessions, settings, stop), kwargs={"on_report": reports.put}
    )
    thread.start()
    try:
        assert reports.get(timeout=30).new_messages == 2
        dovecot.append(imap_user, mails(1, start=2))
        new = 0
        while new == 0:  # polls that found nothing come first
            new = reports.get(timeout=30).new_messages
        assert new == 1
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()


def test_watching_a_mailbox_that_does_not_exist_is_not_found(
    sessions: sessionmaker[Session],
    db_url: str,
    dovecot: DovecotServer,
    imap_user: ImapUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    account = add_account(sessions, dovecot, imap_user, monkeypatch)
    other = add_account(sessions, dovecot, dovecot.new_user(), monkeypatch, company="Other")
    stop = threading.Event()
    settings = imap_settings(db_url)
    with pytest.raises(NotFound, match=f"no mailbox {account.mailbox_id + 99}"):
        watch(sessions, settings, stop, mailbox_id=account.mailbox_id + 99)
    # Another company's mailbox is not found either.
    with pytest.raises(NotFound, match=f"no mailbox {other.mailbox_id}"):
        watch(sessions, settings, stop, company_id=account.company_id, mailbox_id=other.mailbox_id)
