"""`sync_mailbox` end to end, inline: IMAP (a real Dovecot) → store → classify → auto-reply,
where the mail of the first sync is history and gets no auto-reply."""

from __future__ import annotations

import time

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.config import Settings
from inboxsync.db.models import Conversation, Mailbox
from inboxsync.jobs import get_queue
from inboxsync.jobs.inline import InlineQueue
from inboxsync.jobs.schedule import schedule_round
from tests.jobs.conftest import IMAP_PASSWORD, IMAP_PASSWORD_ENV
from tests.jobs.scenario import people
from tests.outbound.helpers import outbox_rows, setup_company
from tests.support.dovecot import DovecotServer
from tests.support.imap import add_imap_mailbox, crlf
from tests.support.smtp_server import SmtpServer


def test_first_sync_is_history_later_mail_is_answered_once(
    sessions: sessionmaker[Session],
    sync_settings: Settings,
    smtp: SmtpServer,
    dovecot: DovecotServer,
) -> None:
    company_id, _ = setup_company(sessions, smtp.port)
    user = dovecot.new_user(IMAP_PASSWORD)
    add_imap_mailbox(sessions, dovecot, company_id, user, password_env=IMAP_PASSWORD_ENV)
    dovecot.append(user, [crlf(raw) for raw in people(2, tag="old").values()])

    first = schedule_round(sessions, sync_settings)
    assert first.mailboxes == 1
    with sessions() as session:
        first_sync = session.scalar(select(Mailbox.first_synced_at))
        classified = session.scalar(select(func.count()).where(Conversation.status == "classified"))
    assert first_sync is not None and classified == 2
    # Received before the mailbox's first sync: history, even though it is recent.
    assert smtp.received == []
    assert {r.reason for r in outbox_rows(sessions)} == {
        "received before the mailbox's first sync (history)"
    }

    time.sleep(1.1)  # Date headers have whole seconds
    dovecot.append(user, [crlf(raw) for raw in people(2, tag="new").values()])
    schedule_round(sessions, sync_settings)
    schedule_round(sessions, sync_settings)  # a second round finds nothing more to do
    assert sorted(r.rcpt_tos[0] for r in smtp.received) == [
        "new0@client0.example",
        "new1@client1.example",
    ]
    states = sorted(r.status for r in outbox_rows(sessions))
    assert states == ["sent", "sent", "skipped", "skipped"]


def test_a_refused_password_fails_the_job_without_retries(
    sessions: sessionmaker[Session],
    sync_settings: Settings,
    smtp: SmtpServer,
    dovecot: DovecotServer,
) -> None:
    company_id, _ = setup_company(sessions, smtp.port)
    user = dovecot.new_user("another-password")  # not the password in IMAP_PASSWORD_ENV
    add_imap_mailbox(sessions, dovecot, company_id, user, password_env=IMAP_PASSWORD_ENV)
    settings = sync_settings.replace(jobs={"max_retries": 5, "backoff_seconds": 5.0})
    schedule_round(sessions, settings)
    queue = get_queue(settings, sessions)
    assert isinstance(queue, InlineQueue)
    # One run, failed: an AuthError is not retried (another attempt cannot fix a password).
    assert (queue.runs, queue.failed, queue.dropped) == (1, 1, 0)
