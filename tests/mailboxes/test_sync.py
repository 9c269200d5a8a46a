"""Syncing mailboxes from a real Dovecot: incremental, headers first, idempotent, isolated."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.db import mailboxes
from inboxsync.db.models import Client, Conversation, InboxMessage, Quarantine
from inboxsync.mailboxes import sync_all, sync_mailbox
from tests.factories import make_message
from tests.mailboxes.helpers import count, cursor
from tests.support.imap import COMPANY_ADDRESS, ImapWorld, mails


def test_incremental_sync_fetches_only_new_mail_and_a_rerun_downloads_no_body(
    sessions: sessionmaker[Session], imap: ImapWorld
) -> None:
    account = imap.account()
    settings = imap.settings()
    imap.append(mails(10))

    first = sync_mailbox(sessions, settings, account.mailbox_id)
    assert (first.fetched, first.new_messages, first.errors) == (10, 10, [])
    assert cursor(sessions, account.mailbox_id)[1] == 10

    imap.append(mails(3, start=10))
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


def test_a_batch_closes_at_its_byte_budget_and_every_message_is_stored_once(
    sessions: sessionmaker[Session], imap: ImapWorld
) -> None:
    reports = []
    for tag, batch_bytes in (("one-batch", 10**9), ("batch-per-message", 1)):
        user = imap.new_user()
        account = imap.account(user, company=tag)
        imap.append(mails(6, tag=tag), user=user)
        settings = imap.settings(imap={"fetch_batch": 200, "batch_bytes": batch_bytes})
        reports.append(sync_mailbox(sessions, settings, account.mailbox_id))
        assert cursor(sessions, account.mailbox_id)[1] == 6
    whole, split = reports
    assert whole.new_messages == split.new_messages == 6
    assert split.commits - whole.commits == 5  # six batches instead of one
    assert count(sessions, InboxMessage) == 12


def test_messages_stored_from_another_folder_are_not_downloaded(
    sessions: sessionmaker[Session], imap: ImapWorld
) -> None:
    # The seed note's scenario: 140 new emails, half of them already stored from another folder.
    settings = imap.settings(imap={"fetch_batch": 50, "header_batch": 100})
    archive = imap.account(folders=["Archive"])
    imap.append(mails(70), folder="Archive")
    assert sync_mailbox(sessions, settings, archive.mailbox_id).new_messages == 70

    inbox = imap.account(company_id=archive.company_id)
    inbox_mail = mails(140)
    imap.append(inbox_mail)
    report = sync_mailbox(sessions, settings, inbox.mailbox_id)

    assert (report.fetched, report.duplicates, report.new_messages) == (140, 70, 70)
    new_bodies = sum(len(raw) for raw in inbox_mail[70:])
    header_lines = 140 * len(b"Message-ID: <m-100@client.example>\r\n\r\n")
    assert new_bodies <= report.bytes_downloaded <= new_bodies + header_lines
    assert count(sessions, InboxMessage) == 140


def test_uidvalidity_change_rescans_the_folder_without_duplicates(
    sessions: sessionmaker[Session], imap: ImapWorld
) -> None:
    settings = imap.settings()
    account = imap.account(folders=["Support"])
    imap.append(mails(6), folder="Support")
    sync_mailbox(sessions, settings, account.mailbox_id)
    before = cursor(sessions, account.mailbox_id, "Support")

    imap.server.recreate_folder(imap.user, "Support", mails(8))
    report = sync_mailbox(sessions, settings, account.mailbox_id)

    assert report.rescanned_folders == [f"mailbox {account.mailbox_id} Support"]
    assert (report.fetched, report.duplicates, report.new_messages) == (8, 6, 2)
    assert report.bytes_downloaded < sum(len(raw) for raw in mails(2, start=6)) + 8 * 60
    after = cursor(sessions, account.mailbox_id, "Support")
    assert after[0] != before[0] and after[1] == 8
    assert count(sessions, InboxMessage) == 8
    assert sync_mailbox(sessions, settings, account.mailbox_id).rescanned_folders == []


def test_oversized_message_is_quarantined_with_its_headers_only(
    sessions: sessionmaker[Session], imap: ImapWorld
) -> None:
    settings = imap.settings(max_message_bytes=3000)
    account = imap.account()
    big = make_message(msgid="<big@client.example>", subject="Scans", body="X" * 8000 + "\n")
    imap.append([*mails(2), big, *mails(2, start=2)])

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
    sessions: sessionmaker[Session], imap: ImapWorld
) -> None:
    settings = imap.settings()
    account = imap.account()
    garbage = b"\x00\x01 this is not a message at all\r\n\r\n\xff\xfe"
    imap.append([*mails(3), garbage, *mails(3, start=3)])

    report = sync_mailbox(sessions, settings, account.mailbox_id)

    assert (report.new_messages, report.quarantined, report.errors) == (6, 1, [])
    assert cursor(sessions, account.mailbox_id)[1] == 7
    assert sync_mailbox(sessions, settings, account.mailbox_id).fetched == 0


def test_sent_folder_threads_into_conversations_and_own_addresses_never_become_clients(
    sessions: sessionmaker[Session], imap: ImapWorld
) -> None:
    settings = imap.settings()
    account = imap.account(folders=["INBOX", "Sent"])
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
    imap.append([question])
    imap.append([answer], folder="Sent")

    report = sync_mailbox(sessions, settings, account.mailbox_id)

    assert (report.new_messages, report.new_conversations, report.new_clients) == (2, 1, 1)
    with sessions() as session:
        assert list(session.scalars(select(Client.email))) == ["bob@client.example"]
        rows = session.execute(select(InboxMessage.message_id, InboxMessage.direction))
        directions = dict(rows.all())
        assert session.scalar(select(Conversation.message_count)) == 2
    assert directions == {"q1@client.example": "in", "a1@acme.example": "out"}


def test_a_lost_lease_stops_the_sync_at_a_batch_boundary_and_keeps_what_was_stored(
    sessions: sessionmaker[Session], imap: ImapWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from inboxsync.errors import MailboxBusyError
    from inboxsync.mailboxes import MailboxLease

    account = imap.account()
    imap.append(mails(12))
    checks = []

    def check(self: MailboxLease) -> None:
        checks.append(1)
        if len(checks) > 3:  # the connection check, batches 1 and 2; batch 3 finds it lost
            raise MailboxBusyError(f"mailbox {self.mailbox_id}: lease lost, sync stopped")

    monkeypatch.setattr(MailboxLease, "check", check)
    with pytest.raises(MailboxBusyError, match="lease lost"):
        sync_mailbox(sessions, imap.settings(), account.mailbox_id)
    assert not [t for t in threading.enumerate() if t.name == "imap-fetch"]
    # What was committed (batch 1, or 1 and 2, as deep as the pipeline works ahead) and the
    # cursor agree; the rest waits for the next run.
    stored = count(sessions, InboxMessage)
    assert stored in (4, 8) and cursor(sessions, account.mailbox_id)[1] == stored
    with sessions() as session:
        assert mailboxes.lease_holder(session, account.mailbox_id) is None


def test_a_missing_folder_is_one_error_line_and_the_other_folders_sync(
    sessions: sessionmaker[Session], imap: ImapWorld
) -> None:
    account = imap.account(folders=["Nope", "INBOX"])
    imap.append(mails(3))
    report = sync_all(sessions, imap.settings())
    assert report.new_messages == 3
    assert len(report.errors) == 1
    assert report.errors[0].startswith(f"mailbox {account.mailbox_id}: ")
    assert "EXAMINE Nope" in report.errors[0]


def test_the_same_mail_in_two_folders_of_one_sync_is_stored_once(
    sessions: sessionmaker[Session], imap: ImapWorld
) -> None:
    # The second folder's header phase may run before the first folder's last batch is
    # committed, and the pipeline does not look its keys up again: the UNIQUE constraint
    # drops the copies that race in.
    account = imap.account(folders=["INBOX", "Copy"])
    imap.append(mails(10))
    imap.append(mails(10), folder="Copy")

    report = sync_mailbox(sessions, imap.settings(), account.mailbox_id)

    assert (report.fetched, report.new_messages, report.duplicates) == (20, 10, 10)
    assert (report.new_conversations, report.errors) == (10, [])
    assert (count(sessions, InboxMessage), count(sessions, Conversation)) == (10, 10)
    with sessions() as session:
        counts = session.scalars(select(Conversation.message_count))
        assert set(counts) == {1}
