"""`sync_all`: many mailboxes at once, the list read once, failures isolated, new
conversations handed to the caller per company, unknown mailboxes not found."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.db import mailboxes
from inboxsync.db.events import read_events
from inboxsync.db.models import Conversation
from inboxsync.errors import NotFound
from inboxsync.mailboxes import sync_all
from tests.support.imap import ImapWorld, mails


def test_one_failing_mailbox_never_stops_the_others(
    sessions: sessionmaker[Session], imap: ImapWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    good_user, bad_user = imap.new_user(), imap.new_user()
    good = imap.account(good_user)
    bad = imap.account(bad_user, company_id=good.company_id)
    monkeypatch.setenv(bad.env_var, "not-the-password")
    imap.append(mails(5), user=good_user)
    imap.append(mails(5, tag="other"), user=bad_user)

    report = sync_all(sessions, imap.settings(imap={"sync_concurrency": 2}))

    assert report.new_messages == 5
    assert len(report.errors) == 1
    assert report.errors[0].startswith(f"mailbox {bad.mailbox_id}: ")
    assert "refused the login" in report.errors[0]
    assert "not-the-password" not in report.errors[0]
    with sessions() as session:
        events = read_events(session, good.company_id)
    failures = [e.data for e in events if e.type == "mailbox.sync_failed"]
    error = report.errors[0].removeprefix(f"mailbox {bad.mailbox_id}: ")
    assert failures == [{"mailbox_id": bad.mailbox_id, "error": error}]


def test_a_mailbox_leased_by_another_process_is_reported_busy(
    sessions: sessionmaker[Session], imap: ImapWorld
) -> None:
    account = imap.account()
    imap.append(mails(2))
    assert mailboxes.acquire_lease(sessions, account.mailbox_id, "elsewhere:1:abc", 60)

    report = sync_all(sessions, imap.settings())

    assert report.new_messages == 0
    assert len(report.errors) == 1 and "is busy" in report.errors[0]
    mailboxes.release_lease(sessions, account.mailbox_id, "elsewhere:1:abc")
    assert sync_all(sessions, imap.settings()).new_messages == 2


def test_each_company_gets_the_ids_of_the_conversations_its_mail_created(
    sessions: sessionmaker[Session], imap: ImapWorld
) -> None:
    acme = imap.account()
    second = imap.account(imap.new_user(), company_id=acme.company_id)
    other = imap.account(imap.new_user(), company="Other")
    imap.append(mails(6), user=acme.user)
    imap.append(mails(3, start=100, tag="second"), user=second.user)
    imap.append(mails(5, tag="other"), user=other.user)
    calls: list[tuple[int, list[int]]] = []

    def collect(company_id: int, ids: list[int]) -> None:
        calls.append((company_id, ids))

    settings = imap.settings(imap={"sync_concurrency": 3})
    report = sync_all(sessions, settings, on_new_conversations=collect)

    assert (report.new_conversations, report.errors) == (14, [])
    got: dict[int, list[int]] = {}
    for company_id, ids in calls:
        got.setdefault(company_id, []).extend(ids)
    with sessions() as session:
        rows = session.execute(select(Conversation.company_id, Conversation.id)).all()
    stored: dict[int, list[int]] = {}
    for company_id, conversation_id in rows:
        stored.setdefault(company_id, []).append(conversation_id)
    assert {c: sorted(ids) for c, ids in got.items()} == {c: sorted(i) for c, i in stored.items()}
    assert sorted(len(ids) for ids in got.values()) == [5, 9]
    # Nothing new: no call.
    calls.clear()
    assert sync_all(sessions, settings, on_new_conversations=collect).new_messages == 0
    assert calls == []


def test_an_unknown_mailbox_or_another_companys_is_not_found(
    sessions: sessionmaker[Session], imap: ImapWorld
) -> None:
    acme = imap.account()
    other = imap.account(imap.new_user(), company="Other")
    settings = imap.settings()
    with pytest.raises(NotFound, match=f"^no mailbox {other.mailbox_id + 1}$"):
        sync_all(sessions, settings, mailbox_id=other.mailbox_id + 1)
    with pytest.raises(NotFound, match=f"^no mailbox {other.mailbox_id}$"):
        sync_all(sessions, settings, acme.company_id, other.mailbox_id)
    assert sync_all(sessions, settings, other.company_id, other.mailbox_id).errors == []
