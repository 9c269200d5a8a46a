"""Faults on the wire: cuts, stalls, BYE, retries; progress is kept and a rerun completes."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.db.models import InboxMessage, Mailbox, MailboxFolder
from inboxsync.mailboxes import sync_all, sync_mailbox
from tests.support.dovecot import DovecotServer
from tests.support.imap import Account, ImapWorld, imap_settings, mails
from tests.support.proxy import CuttingProxy

MESSAGES = 40


def stored(sessions: sessionmaker[Session]) -> tuple[int, int]:
    """(messages stored, cursor of INBOX)."""
    with sessions() as session:
        n = session.scalar(select(func.count()).select_from(InboxMessage)) or 0
        last_uid = session.scalar(select(MailboxFolder.last_uid)) or 0
    return int(n), int(last_uid)


def through(sessions: sessionmaker[Session], account: Account, port: int) -> None:
    with sessions.begin() as session:
        session.execute(
            update(Mailbox).where(Mailbox.id == account.mailbox_id).values(imap_port=port)
        )


@pytest.fixture
def loaded(imap: ImapWorld) -> Account:
    account = imap.account()
    imap.append(mails(MESSAGES))
    return account


def test_a_link_that_stays_down_keeps_the_progress_and_a_rerun_completes(
    sessions: sessionmaker[Session], db_url: str, dovecot: DovecotServer, loaded: Account
) -> None:
    settings = imap_settings(db_url, imap={"retries": 2})
    with CuttingProxy(dovecot.port, budget=12_000) as proxy:
        through(sessions, loaded, proxy.port)
        report = sync_all(sessions, settings)

        assert len(report.errors) == 1
        assert "connection" in report.errors[0]
        assert proxy.connections == 3  # the first try and two retries
        count, last_uid = stored(sessions)
        assert 0 < count < MESSAGES
        # The cursor covers exactly what was committed: nothing skipped, nothing lost.
        assert count == last_uid

        proxy.heal()
        rerun = sync_all(sessions, settings)
    assert rerun.errors == []
    assert rerun.new_messages == MESSAGES - count
    assert stored(sessions) == (MESSAGES, MESSAGES)


def test_retries_ride_over_a_flaky_link_within_one_run(
    sessions: sessionmaker[Session], db_url: str, dovecot: DovecotServer, loaded: Account
) -> None:
    settings = imap_settings(db_url, imap={"retries": 20})
    with CuttingProxy(dovecot.port, budget=9_000, per_connection=True) as proxy:
        through(sessions, loaded, proxy.port)
        report = sync_mailbox(sessions, settings, loaded.mailbox_id)
        assert proxy.cuts >= 2
    assert (report.new_messages, report.errors) == (MESSAGES, [])
    assert stored(sessions) == (MESSAGES, MESSAGES)


def test_a_stalled_server_times_out_with_a_clear_error(
    sessions: sessionmaker[Session], db_url: str, dovecot: DovecotServer, loaded: Account
) -> None:
    settings = imap_settings(db_url, imap={"retries": 1, "timeout_seconds": 0.5})
    with CuttingProxy(dovecot.port, budget=6_000, stall=True) as proxy:
        through(sessions, loaded, proxy.port)
        report = sync_all(sessions, settings)
    assert len(report.errors) == 1
    assert "timed out after 0.5 s" in report.errors[0]
    count, last_uid = stored(sessions)
    assert count == last_uid


def test_a_bye_in_the_middle_of_a_fetch_is_retried(
    sessions: sessionmaker[Session], db_url: str, dovecot: DovecotServer, loaded: Account
) -> None:
    settings = imap_settings(db_url, imap={"retries": 20})
    with CuttingProxy(dovecot.port, budget=9_000, per_connection=True, bye=True) as proxy:
        through(sessions, loaded, proxy.port)
        report = sync_mailbox(sessions, settings, loaded.mailbox_id)
        assert proxy.cuts >= 2
    assert (report.new_messages, report.errors) == (MESSAGES, [])
