"""Syncing mailboxes from a real Dovecot: incremental, headers first, idempotent, isolated."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.db import mailboxes
from inboxsync.db.models import Client, Conversation, InboxMessage, MailboxFolder, Quarantine
from inboxsync.mailboxes import sync_all, sync_mailbox
from tests.factories import make_message
from tests.imap.conftest import COMPANY_ADDRESS, add_account, imap_settings, mails
from tests.support.dovecot import DovecotServer, ImapUser


def count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def cursor(sessions: sessionmaker[Session], mailbox_id: int, name: str = "INBOX") -> tuple:
    with sessions() as session:
        row = session.scalars(
            select(MailboxFolder).where(
                MailboxFolder.mailbox_id == mailbox_id, MailboxFolder.name == name
            )
        ).one()
        return row.uidvalidity, row.last_uid


def test_incremental_sync_fetches_only_new_mail_and_a_rerun_downloads_no_body(
    sessions: sessionmaker[Session],
    db_url: str,
    dovecot: DovecotServer,
    imap_user: ImapUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    account = add_account(sessions, dovecot, imap_user, monkeypatch)
    settings = imap_settings(db_url)
    dovecot.append(imap_user, mails(10))

    first = sync_mailbox(sessions, settings, account.mailbox_id)
    assert (first.fetched, first.new_messages, first.errors) == (10, 10, [])
    assert cursor(sessions, account.mailbox_id)[1] == 10

    dovecot.append(imap_user, mails(3, start=10))
    second = sync_mailbox(sessions, settings, account.mailbox_id)
    assert (second.fetched, second.new_messages, second.duplicates) == (3, 3, 0)
    new_bodies = sum(len(raw) for raw in mails(3, start=10))
    # Only the 3 new messages came down (plus their Message-ID header lines).
    assert new_bodies <= second.bytes_downloaded < new_bodies + 3 * 100

    third = sync_mailbox(sessions, settings, account.mailbox_id)
    assert (third.fetched, third.new_messages, third.bytes_downloaded) == (0, 0, 0)
    # connect greeting, LOGIN, ENABLE CONDSTORE, EXAMINE, LOGOUT: no SEARCH, no FETCH.
    assert third.imap_round_trips == 5
    assert count(sessions, InboxMessage) == 13


def test_messages_stored_from_another_folder_are_not_downloaded(
    sessions: sessionmaker[Session],
    db_url: str,
    dovecot: DovecotServer,
    imap_user: ImapUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The seed note's scenario: 140 new emails, half of them already stored from another folder.
    settings = imap_settings(db_url, imap={"fetch_batch": 50, "header_batch": 100})
    archive = add_account(sessions, dovecot, imap_user, monkeypatch, folders=["Archive"])
    dovecot.append(imap_user, mails(70), folder="Archive")
    assert sync_mailbox(sessions, settings, archive.mailbox_id).new_messages == 70

    inbox = add_account(sessions, dovecot, imap_user, monkeypatch, company_id=archive.company_id)
    inbox_mail = mails(140)
    dovecot.append(imap_user, inbox_mail)
    report = sync_mailbox(sessions, settings, inbox.mailbox_id)

    assert (report.fetched, report.duplicates, report.new_messages) == (140, 70, 70)
    new_bodies = sum(len(raw) for raw in inbox_mail[70:])
    header_lines = 140 * len(b"Message-ID: <m-100@client.example>\r\n\r\n")
    assert new_bodies <= report.bytes_downloaded <= new_bodies + header_lines
    assert count(sessions, InboxMessage) == 140


def test_uidvalidity_change_rescans_the_folder_without_duplicates(
    sessions: sessionmaker[Session],
    db_url: str,
    dovecot: DovecotServer,
    imap_user: ImapUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = imap_settings(db_url)
    account = add_account(sessions, dovecot, imap_user, monkeypatch, folders=["Support"])
    dovecot.append(imap_user, mails(6), folder="Support")
    sync_mailbox(sessions, settings, account.mailbox_id)
    before = cursor(sessions, account.mailbox_id, "Support")

    dovecot.recreate_folder(imap_user, "Support", mails(8))
    report = sync_mailbox(sessions, settings, account.mailbox_id)

    assert report.rescanned_folders == [f"mailbox {account.mailbox_id} Support"]
    assert (report.fetched, report.duplicates, report.new_messages) == (8, 6, 2)
    assert report.bytes_downloaded < sum(len(raw) for raw in mails(2, start=6)) + 8 * 60
    after = cursor(sessions, account.mailbox_id, "Support")
    assert after[0] != before[0] and after[1] == 8
    assert count(sessions, InboxMessage) == 8
    assert sync_mailbox(sessions, settings, account.mailbox_id).rescanned_folders == []


def test_oversized_message_is_quarantined_with_its_headers_only(
    sessions: sessionmaker[Session],
    db_url: str,
    dovecot: DovecotServer,
    imap_user: ImapUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = imap_settings(db_url, max_message_bytes=3000)
    account = add_account(sessions, dovecot, imap_user, monkeypatch)
    big = make_message(msgid="<big@client.example>", subject="Scans", body="X" * 8000 + "\n")
    dovecot.append(imap_user, [*mails(2), big, *mails(2, start=2)])

    report = sync_mailbox(sessions, settings, account.mailbox_id)

    assert (report.new_messages, report.quarantined) == (4, 1)
    assert report.bytes_downloaded < sum(len(raw) for raw in mails(4)) + 1000
    with sessions() as session:
        row = session.scalars(select(Quarantine)).one()
    assert row.headers_only and "limit" in row.reason
    assert b"Subject: Scans" in row.raw and b"XXXX" not in row.raw
    assert cursor(sessions, account.mailbox_id)[1] == 5
    assert sync_mailbox(sessions, settings, account.mailbox_id).bytes_downloaded == 0


def test_an_unparseable_message_is_quarantined_and_the_folder_goes_on(
    sessions: sessionmaker[Session],
    db_url: str,
    dovecot: DovecotServer,
    imap_user: ImapUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = imap_settings(db_url)
    account = add_account(sessions, dovecot, imap_user, monkeypatch)
    garbage = b"\x00\x01 this is not a message at all\r\n\r\n\xff\xfe"
    dovecot.append(imap_user, [*mails(3), garbage, *mails(3, start=3)])

    report = sync_mailbox(sessions, settings, account.mailbox_id)

    assert (report.new_messages, report.quarantined, report.errors) == (6, 1, [])
    assert cursor(sessions, account.mailbox_id)[1] == 7
    assert sync_mailbox(sessions, settings, account.mailbox_id).fetched == 0


def test_sent_folder_threads_into_conversations_and_own_addresses_never_become_clients(
    sessions: sessionmaker[Session],
    db_url: str,
    dovecot: DovecotServer,
    imap_user: ImapUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = imap_settings(db_url)
    account = add_account(sessions, dovecot, imap_user, monkeypatch, folders=["INBOX", "Sent"])
    question = make_message(msgid="<q1@client.example>", sender="Bob <bob@client.example>")
    answer = make_message(
        msgid="<a1@acme.example>",
        sender=f"Acme Support <{COMPANY_ADDRESS}>",
        to="Bob <bob@client.example>",
        subject="Re: Broken invoice export",
        in_reply_to="<q1@client.example>",
        references="<q1@client.example>",
        minutes=30,
    )
    dovecot.append(imap_user, [question])
    dovecot.append(imap_user, [answer], folder="Sent")

    report = sync_mailbox(sessions, settings, account.mailbox_id)

    assert (report.new_messages, report.new_conversations, report.new_clients) == (2, 1, 1)
    with sessions() as session:
        assert list(session.scalars(select(Client.email))) == ["bob@client.example"]
        rows = session.execute(select(InboxMessage.message_id, InboxMessage.direction))
        directions = dict(rows.all())
        assert session.scalar(select(Conversation.message_count)) == 2
    assert directions == {"q1@client.example": "in", "a1@acme.example": "out"}


def test_one_failing_mailbox_never_stops_the_others(
    sessions: sessionmaker[Session],
    db_url: str,
    dovecot: DovecotServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    good_user, bad_user = dovecot.new_user(), dovecot.new_user()
    good = add_account(sessions, dovecot, good_user, monkeypatch)
    bad = add_account(sessions, dovecot, bad_user, monkeypatch, company_id=good.company_id)
    monkeypatch.setenv(bad.env_var, "not-the-password")
    dovecot.append(good_user, mails(5))
    dovecot.append(bad_user, mails(5, tag="other"))

    report = sync_all(sessions, imap_settings(db_url, imap={"sync_concurrency": 2}))

    assert report.new_messages == 5
    assert len(report.errors) == 1
    assert report.errors[0].startswith(f"mailbox {bad.mailbox_id}: ")
    assert "refused the login" in report.errors[0]
    assert "not-the-password" not in report.errors[0]


def test_a_mailbox_leased_by_another_process_is_reported_busy(
    sessions: sessionmaker[Session],
    db_url: str,
    dovecot: DovecotServer,
    imap_user: ImapUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    account = add_account(sessions, dovecot, imap_user, monkeypatch)
    dovecot.append(imap_user, mails(2))
    assert mailboxes.acquire_lease(sessions, account.mailbox_id, "elsewhere:1:abc", 60)

    report = sync_all(sessions, imap_settings(db_url))

    assert report.new_messages == 0
    assert len(report.errors) == 1 and "is busy" in report.errors[0]
    mailboxes.release_lease(sessions, account.mailbox_id, "elsewhere:1:abc")
    assert sync_all(sessions, imap_settings(db_url)).new_messages == 2


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


def test_a_lost_lease_stops_the_sync_at_a_batch_boundary_and_keeps_what_was_stored(
    sessions: sessionmaker[Session],
    db_url: str,
    dovecot: DovecotServer,
    imap_user: ImapUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import threading

    from inboxsync.errors import MailboxBusyError
    from inboxsync.mailboxes import MailboxLease

    account = add_account(sessions, dovecot, imap_user, monkeypatch)
    dovecot.append(imap_user, mails(12))
    checks = []

    def check(self: MailboxLease) -> None:
        checks.append(1)
        if len(checks) > 3:  # the connection check, batches 1 and 2; batch 3 finds it lost
            raise MailboxBusyError(f"mailbox {self.mailbox_id}: lease lost, sync stopped")

    monkeypatch.setattr(MailboxLease, "check", check)
    with pytest.raises(MailboxBusyError, match="lease lost"):
        sync_mailbox(sessions, imap_settings(db_url), account.mailbox_id)
    assert not [t for t in threading.enumerate() if t.name == "imap-fetch"]
    # What was committed (batch 1, or 1 and 2, as deep as the pipeline works ahead) and the
    # cursor agree; the rest waits for the next run.
    stored = count(sessions, InboxMessage)
    assert stored in (4, 8) and cursor(sessions, account.mailbox_id)[1] == stored
    with sessions() as session:
        assert mailboxes.lease_holder(session, account.mailbox_id) is None


def test_a_missing_folder_is_one_error_line_and_the_other_folders_sync(
    sessions: sessionmaker[Session],
    db_url: str,
    dovecot: DovecotServer,
    imap_user: ImapUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    account = add_account(sessions, dovecot, imap_user, monkeypatch, folders=["Nope", "INBOX"])
    dovecot.append(imap_user, mails(3))
    report = sync_all(sessions, imap_settings(db_url))
    assert report.new_messages == 3
    assert len(report.errors) == 1
    assert report.errors[0].startswith(f"mailbox {account.mailbox_id}: ")
    assert "EXAMINE Nope" in report.errors[0]


def test_a_no_op_sync_runs_no_pipeline_and_writes_no_run_row(
    sessions: sessionmaker[Session],
    db_url: str,
    dovecot: DovecotServer,
    imap_user: ImapUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from inboxsync.db.models import SyncRun

    account = add_account(sessions, dovecot, imap_user, monkeypatch, folders=["INBOX", "Sent"])
    dovecot.append(imap_user, mails(3))
    dovecot.append(imap_user, mails(1, tag="sent"), folder="Sent")
    settings = imap_settings(db_url)
    sync_mailbox(sessions, settings, account.mailbox_id)
    runs = count(sessions, SyncRun)
    report = sync_mailbox(sessions, settings, account.mailbox_id)
    # greeting, LOGIN, ENABLE, EXAMINE ×2, LOGOUT
    assert (report.imap_round_trips, report.commits, report.bytes_downloaded) == (6, 0, 0)
    assert count(sessions, SyncRun) == runs
    dovecot.append(imap_user, mails(1, tag="sent", start=1), folder="Sent")
    assert sync_mailbox(sessions, settings, account.mailbox_id).new_messages == 1


def test_watch_falls_back_to_polling_without_idle_and_stops_when_told(
    sessions: sessionmaker[Session],
    db_url: str,
    dovecot: DovecotServer,
    imap_user: ImapUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import queue
    import threading

    from inboxsync.mailboxes import MailboxSyncReport, watch
    from inboxsync.sources.imap import ImapConnection

    monkeypatch.setattr(ImapConnection, "has_idle", property(lambda self: False))
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
