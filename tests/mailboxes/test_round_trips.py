"""What an IMAP sync costs in round trips: one EXAMINE per folder, each key looked up once, the
same statements whatever the number of messages, nothing run for a folder with nothing new."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from inboxsync.db.models import SyncRun
from inboxsync.mailboxes import sync_mailbox
from tests.factories import make_message
from tests.mailboxes.helpers import count
from tests.support.imap import ImapWorld, crlf, mails


def test_round_trips_do_not_grow_with_the_number_of_messages(
    sessions: sessionmaker[Session], imap: ImapWorld
) -> None:
    settings = imap.settings(imap={"fetch_batch": 200, "header_batch": 1000})
    counts = []
    for n, tag in ((5, "small"), (60, "large")):
        user = imap.new_user()
        account = imap.account(user, company=f"C-{tag}")
        imap.append(mails(n, tag=tag), user=user)
        report = sync_mailbox(sessions, settings, account.mailbox_id)
        assert report.new_messages == n
        counts.append((report.imap_round_trips, report.db_round_trips, report.commits))
    assert counts[0] == counts[1]


def test_each_key_is_looked_up_once_by_the_header_phase_or_by_the_pipeline(
    sessions: sessionmaker[Session], imap: ImapWorld
) -> None:
    # Keys from Message-IDs are looked up by the header phase and not again by the pipeline's
    # early filter; messages without one are looked up by the early filter only. So one batch
    # of each costs the same round trips (before, the first cost one lookup more).
    settings = imap.settings(imap={"fetch_batch": 200})
    reports = []
    for tag, msgid in (("ids", True), ("no-ids", False)):
        user = imap.new_user()
        account = imap.account(user, company=tag)
        imap.append([
            crlf(make_message(
                msgid=f"<{tag}-{i}@client.example>" if msgid else None,
                sender=f"Client {i} <client{i}@client.example>",
                subject=f"Question number {i}",
                body=f"Hello, this is message {i} of {tag}.\n",
                minutes=i,
            ))
            for i in range(4)
        ], user=user)  # fmt: skip
        reports.append(sync_mailbox(sessions, settings, account.mailbox_id))
    with_ids, without_ids = reports
    assert with_ids.new_messages == without_ids.new_messages == 4
    assert with_ids.commits == without_ids.commits
    assert with_ids.db_round_trips == without_ids.db_round_trips


def test_each_folder_is_examined_once_and_a_no_op_sync_runs_no_pipeline(
    sessions: sessionmaker[Session], imap: ImapWorld
) -> None:
    account = imap.account(folders=["INBOX", "Sent"])
    imap.append(mails(3))
    imap.append(mails(1, tag="sent"), folder="Sent")
    settings = imap.settings()
    first = sync_mailbox(sessions, settings, account.mailbox_id)
    assert first.new_messages == 4
    # greeting, LOGIN, ENABLE; per folder EXAMINE, UID SEARCH, headers, bodies; LOGOUT
    assert first.imap_round_trips == 3 + 2 * 4 + 1
    runs = count(sessions, SyncRun)
    report = sync_mailbox(sessions, settings, account.mailbox_id)
    # greeting, LOGIN, ENABLE, EXAMINE ×2, LOGOUT
    assert (report.imap_round_trips, report.commits, report.bytes_downloaded) == (6, 0, 0)
    assert count(sessions, SyncRun) == runs
    imap.append(mails(1, tag="sent", start=1), folder="Sent")
    assert sync_mailbox(sessions, settings, account.mailbox_id).new_messages == 1
