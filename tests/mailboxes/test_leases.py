"""Mailbox leases: one holder at a time, across processes; expired leases are taken over."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.db import mailboxes
from inboxsync.db.companies import add_company
from inboxsync.db.models import MailboxLease, utcnow
from inboxsync.errors import MailboxBusyError, NotFound
from inboxsync.mailboxes import MailboxLease as Lease


@pytest.fixture
def mailbox_id(sessions: sessionmaker[Session]) -> int:
    with sessions.begin() as session:
        company_id = add_company(session, "Acme", ["support@acme.example"])
        return mailboxes.add_mailbox(
            session,
            company_id,
            host="imap.acme.example",
            username="support@acme.example",
            secret_kind="password",
            secret_ref="env:ACME_PW",
            folders=["INBOX", "Sent", "INBOX"],
        )


def test_mailboxes_are_listed_with_their_folders_and_own_address(
    sessions: sessionmaker[Session], mailbox_id: int
) -> None:
    with sessions() as session:
        [box] = mailboxes.list_mailboxes(session)
        with pytest.raises(NotFound, match="no mailbox"):
            mailboxes.list_mailboxes(session, mailbox_id=mailbox_id + 1)
    assert (box.id, box.imap_port, box.imap_tls, box.secret_ref) == (
        mailbox_id,
        993,
        "ssl",
        "env:ACME_PW",
    )
    assert [(f.name, f.last_uid, f.uidvalidity) for f in box.folders] == [
        ("INBOX", 0, None),
        ("Sent", 0, None),
    ]


def test_only_one_holder_at_a_time(sessions: sessionmaker[Session], mailbox_id: int) -> None:
    assert mailboxes.acquire_lease(sessions, mailbox_id, "a", 60)
    assert mailboxes.acquire_lease(sessions, mailbox_id, "a", 60)  # its own: renewed
    assert not mailboxes.acquire_lease(sessions, mailbox_id, "b", 60)
    assert not mailboxes.renew_lease(sessions, mailbox_id, "b", 60)
    assert mailboxes.renew_lease(sessions, mailbox_id, "a", 60)
    mailboxes.release_lease(sessions, mailbox_id, "b")  # not b's: stays
    assert not mailboxes.acquire_lease(sessions, mailbox_id, "b", 60)
    mailboxes.release_lease(sessions, mailbox_id, "a")
    assert mailboxes.acquire_lease(sessions, mailbox_id, "b", 60)


def test_an_expired_lease_is_taken_over(sessions: sessionmaker[Session], mailbox_id: int) -> None:
    assert mailboxes.acquire_lease(sessions, mailbox_id, "dead-host:1:x", 60)
    with sessions.begin() as session:
        session.execute(update(MailboxLease).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert mailboxes.acquire_lease(sessions, mailbox_id, "b", 60)
    assert not mailboxes.renew_lease(sessions, mailbox_id, "dead-host:1:x", 60)


def test_the_lease_of_a_killed_process_on_this_machine_is_taken_at_once(
    sessions: sessionmaker[Session], mailbox_id: int
) -> None:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                          capture_output=True, text=True)  # fmt: skip
    import socket

    dead = f"{socket.gethostname()}:{proc.stdout.strip()}:x"
    assert mailboxes.acquire_lease(sessions, mailbox_id, dead, 60)
    with Lease(sessions, mailbox_id, 60) as lease, sessions() as session:
        assert mailboxes.lease_holder(session, mailbox_id)[0] == lease.holder  # type: ignore[index]
    with sessions() as session:
        assert mailboxes.lease_holder(session, mailbox_id) is None


def test_a_live_holder_makes_the_mailbox_busy(
    sessions: sessionmaker[Session], mailbox_id: int
) -> None:
    with (
        Lease(sessions, mailbox_id, 60),
        pytest.raises(MailboxBusyError, match="is busy"),
        Lease(sessions, mailbox_id, 60),
    ):
        pass


def test_racing_acquirers_get_one_lease(sessions: sessionmaker[Session], mailbox_id: int) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        won = list(
            pool.map(lambda i: mailboxes.acquire_lease(sessions, mailbox_id, f"h{i}", 60), range(8))
        )
    assert won.count(True) == 1
