"""What an IMAP sync costs in round trips: one EXAMINE per folder, each key looked up once, the
same statements whatever the number of messages, nothing run for a folder with nothing new."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.db.models import SyncRun
from inboxsync.mailboxes import sync_mailbox
from tests.factories import make_message
from tests.mailboxes.helpers import count
from tests.support.dovecot import DovecotServer, ImapUser
from tests.support.imap import add_account, crlf, imap_settings, mails


def test_round_trips_do_not_grow_with_the_number_of_messages(
    sessions: sessionmaker[Session],
    db_url: str,
    dovecot: DovecotServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = imap_settings(db_url, imap={"fetch_batch": 200, "header_batch": 1000})
    counts = []
    for n, tag in ((5, "small"), (60, "large")):
        user = dovecot.new_user()
        account = add_account(sessions, dovecot, user, monkeypatch, company=f"C-{tag}")
        dovecot.append(user, mails(n, tag=tag))
        report = sync_mailbox(sessions, settings, account.mailbox_id)
        assert report.new_messages == n
        counts.append((report.imap_round_trips, report.db_round_trips, report.commits))
    assert counts[0] == counts[1]


def test_each_key_is_looked_up_once_by_the_header_phase_or_by_the_pipeline(
    sessions: sessionmaker[Session],
    db_url: str,
    dovecot: DovecotServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Keys from Message-IDs are looked up by the header phase and not again by the pipeline's
    # early filter; messages without one are looked up by the early filter only. So one batch
    # of each costs the same round trips (before, the first cost one lookup more).
    settings = imap_settings(db_url, imap={"fetch_batch": 200})
    reports = []
    for tag, msgid in (("ids", True), ("no-ids", False)):
        user = dovecot.new_user()
        account = add_account(sessions, dovecot, user, monkeypatch, company=tag)
        dovecot.append(user, [
            crlf(make_message(
                msgid=f"<{tag}-{i}@client.example>" if msgid else None,
                sender=f"Client {i} <client{i}@client.example>",
                subject=f"Question number {i}",
                body=f"Hello, this is message {i} of {tag}.\n",
                minutes=i,
            ))
            for i in range(4)
        ])  # fmt: skip
        reports.append(sync_mailbox(sessions, settings, account.mailbox_id))
    with_ids, without_ids = reports
    assert with_ids.new_messages == without_ids.new_messages == 4
    assert with_ids.commits == without_ids.commits
    assert with_ids.db_round_trips == without_ids.db_round_trips


def test_each_folder_is_examined_once_and_a_no_op_sync_runs_no_pipeline(
    sessions: sessionmaker[Session],
    db_url: str,
    dovecot: DovecotServer,
    imap_user: ImapUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    account = add_account(sessions, dovecot, imap_user, monkeypatch, folders=["INBOX", "Sent"])
    dovecot.append(imap_user, mails(3))
    dovecot.append(imap_user, mails(1, tag="sent"), folder="Sent")
    settings = imap_settings(db_url)
    first = sync_mailbox(sessions, settings, account.mailbox_id)
    assert first.new_messages == 4
    # greeting, LOGIN, ENABLE; per folder EXAMINE, UID SEARCH, headers, bodies; LOGOUT
    assert first.imap_round_trips == 3 + 2 * 4 + 1
    runs = count(sessions, SyncRun)
    report = sync_mailbox(sessions, settings, account.mailbox_id)
    # greeting, LOGIN, ENABLE, EXAMINE ×2, LOGOUT
    assert (report.imap_round_trips, report.commits, report.bytes_downloaded) == (6, 0, 0)
    assert count(sessions, SyncRun) == runs
    dovecot.append(imap_user, mails(1, tag="sent", start=1), folder="Sent")
    assert sync_mailbox(sessions, settings, account.mailbox_id).new_messages == 1
