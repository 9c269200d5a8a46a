"""History is decided by when the mailbox received the mail (the IMAP INTERNALDATE of a real
Dovecot), never by the sender's Date: case 14 of issue 8, end to end with `sync_mailbox`
inline (IMAP → store → classify → auto-reply to aiosmtpd)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.config import Settings
from inboxsync.db.models import Conversation, Folder, InboxMessage, Mailbox, SyncRun
from inboxsync.jobs.schedule import schedule_round
from inboxsync.outbound import set_folder_auto_reply
from tests.jobs.scenario import people
from tests.outbound.helpers import BODY_TEMPLATE, SUBJECT_TEMPLATE, outbox_rows, setup_company
from tests.support.dovecot import DovecotServer, ImapUser
from tests.support.imap import add_imap_mailbox, crlf
from tests.support.smtp_server import SmtpServer


def _synced_empty(
    sessions: sessionmaker[Session], settings: Settings, smtp: SmtpServer, dovecot: DovecotServer
) -> tuple[ImapUser, datetime]:
    """A company whose Billing folder auto-replies too, its mailbox synced once while empty;
    returns the IMAP user and the first sync (aware UTC)."""
    company_id, _ = setup_company(sessions, smtp.port)
    with sessions.begin() as session:
        set_folder_auto_reply(
            session, company_id, "Billing", subject=SUBJECT_TEMPLATE, body=BODY_TEMPLATE
        )
    _, user = add_imap_mailbox(sessions, dovecot, company_id)
    assert schedule_round(sessions, settings).mailboxes == 1
    with sessions() as session:
        first_sync = session.scalar(select(Mailbox.first_synced_at))
    assert first_sync is not None
    time.sleep(1.1)  # INTERNALDATE has whole seconds: what arrives now is after the sync
    return user, first_sync.replace(tzinfo=UTC)


def test_mail_arriving_after_the_first_sync_is_answered_whatever_its_date(
    sessions: sessionmaker[Session],
    sync_settings: Settings,
    smtp: SmtpServer,
    dovecot: DovecotServer,
) -> None:
    user, first_sync = _synced_empty(sessions, sync_settings, smtp, dovecot)
    # 20 customers write about invoices; their clocks say otherwise.
    dated = {
        "slow": (first_sync - timedelta(seconds=5), 12),  # as reported in case 14
        "future": (first_sync + timedelta(hours=3), 3),
        "hours": (first_sync - timedelta(hours=6), 3),
        "days": (first_sync - timedelta(days=10), 2),  # older than the age limit
    }
    mail = {
        name: raw
        for tag, (date, n) in dated.items()
        for name, raw in people(n, tag=tag, topic="billing", date=date).items()
    }
    dovecot.append(user, [crlf(raw) for raw in mail.values()])
    schedule_round(sessions, sync_settings)

    with sessions() as session:
        billing = session.scalar(select(Folder.id).where(Folder.name == "Billing"))
        filed = session.scalars(select(Conversation.folder_id)).all()
        arrivals = session.scalars(
            select(InboxMessage.arrived_at).where(InboxMessage.direction == "in")
        ).all()
    assert filed == [billing] * 20
    assert len(arrivals) == 20
    assert all(
        a is not None and a >= first_sync.replace(tzinfo=None, microsecond=0) for a in arrivals
    )
    assert [r.reason for r in outbox_rows(sessions) if r.status != "sent"] == []
    expected = sorted(
        f"{tag}{i}@client{i}.example" for tag, (_, n) in dated.items() for i in range(n)
    )
    assert sorted(r.rcpt_tos[0] for r in smtp.received) == expected


def test_mail_that_arrived_before_the_first_sync_stays_history_whatever_its_date(
    sessions: sessionmaker[Session],
    sync_settings: Settings,
    smtp: SmtpServer,
    dovecot: DovecotServer,
) -> None:
    user, first_sync = _synced_empty(sessions, sync_settings, smtp, dovecot)
    # Appended now, but received (INTERNALDATE) a minute before the first sync; its Date is
    # now or even ahead.
    ahead = datetime.now(UTC) + timedelta(hours=2)
    early = [*people(1, tag="early", topic="billing").values(),
             *people(1, tag="ahead", topic="billing", date=ahead).values()]  # fmt: skip
    with dovecot.client(user) as client:
        for raw in early:
            client.append("INBOX", crlf(raw), msg_time=first_sync - timedelta(minutes=1))
    dovecot.append(user, [crlf(raw) for raw in people(1, tag="late", topic="billing").values()])
    schedule_round(sessions, sync_settings)

    assert [r.rcpt_tos for r in smtp.received] == [["late0@client0.example"]]
    rows = {r.recipient: (r.status, r.reason) for r in outbox_rows(sessions)}
    history = ("skipped", "received before the mailbox's first sync (history)")
    assert rows == {
        "early0@client0.example": history,
        "ahead0@client0.example": history,
        "late0@client0.example": ("sent", ""),
    }


def test_the_first_sync_is_stamped_when_it_starts_so_mail_arriving_during_it_is_new(
    sessions: sessionmaker[Session],
    sync_settings: Settings,
    smtp: SmtpServer,
    dovecot: DovecotServer,
) -> None:
    _synced_empty(sessions, sync_settings, smtp, dovecot)
    with sessions() as session:
        first_sync = session.scalar(select(Mailbox.first_synced_at))
        folder_runs = session.scalars(select(SyncRun.started_at)).all()
    assert first_sync is not None and folder_runs
    assert first_sync <= min(folder_runs)
