"""The inline backend: follow-up jobs on a thread pool of this process, waited for."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.config import Settings
from inboxsync.db.models import Conversation, utcnow
from inboxsync.db.outbox_models import OutboxEntry
from inboxsync.jobs import close_queues, follow_up, get_queue
from inboxsync.jobs.inline import InlineQueue
from inboxsync.jobs.schedule import schedule_round
from tests.jobs.scenario import loop_cases, people
from tests.outbound.helpers import ingest_raw, outbox_counts, setup_company
from tests.support.ai import fake_ai_settings
from tests.support.fake_openai import FakeOpenAI
from tests.support.smtp_server import SmtpServer


@pytest.fixture
def settings(db_url: str, fake_openai: FakeOpenAI) -> Iterator[Settings]:
    yield fake_ai_settings(
        db_url,
        fake_openai,
        ai={"batch_max_items": 50},
        jobs={"classify_chunk": 10, "backoff_seconds": 0.05},
        outbound={"smtp_backoff_seconds": 0.05},
    )
    close_queues()


def statuses(sessions: sessionmaker[Session], company_id: int) -> dict[str, int]:
    with sessions() as session:
        rows = session.execute(
            select(Conversation.status, func.count())
            .where(Conversation.company_id == company_id)
            .group_by(Conversation.status)
        )
        return {status: int(n) for status, n in rows}


def test_follow_up_classifies_and_replies_before_returning(
    sessions: sessionmaker[Session],
    settings: Settings,
    smtp: SmtpServer,
    fake_openai: FakeOpenAI,
    tmp_path: Path,
) -> None:
    company_id, _ = setup_company(sessions, smtp.port)
    mail = people(25) | people(5, tag="b", topic="billing") | loop_cases()
    new = ingest_raw(sessions, settings, company_id, tmp_path / "in", mail)
    calls_before = fake_openai.stats.calls
    queue = get_queue(settings, sessions)
    assert isinstance(queue, InlineQueue)
    follow_up(sessions, settings, company_id, new, wait=True)
    # 33 conversations in chunks of 10 (4 classification jobs), then 25 auto-reply jobs.
    assert queue.completed == 4 + 25
    assert statuses(sessions, company_id) == {"classified": 30, "skipped": 3}
    # 25 support requests answered, once each; billing has no auto-reply; loops get nothing.
    recipients = sorted(r.rcpt_tos[0] for r in smtp.received)
    assert recipients == sorted(f"p{i}@client{i}.example" for i in range(25))
    assert outbox_counts(sessions) == {"sent": 25}
    calls = fake_openai.stats.calls - calls_before
    assert calls >= 1
    # Idempotent: running the follow-up again, or a sweep, sends and asks nothing more.
    follow_up(sessions, settings, company_id, new, wait=True)
    follow_up(sessions, settings, company_id, None, wait=True)
    assert len(smtp.received) == 25
    assert fake_openai.stats.calls - calls_before == calls


def test_smtp_failures_are_retried_in_process(
    sessions: sessionmaker[Session], settings: Settings, smtp: SmtpServer, tmp_path: Path
) -> None:
    company_id, _ = setup_company(sessions, smtp.port)
    new = ingest_raw(sessions, settings, company_id, tmp_path / "in", people(3))
    smtp.fail("rcpt:451", "data:451")
    follow_up(sessions, settings, company_id, new, wait=True)
    assert len(smtp.received) == 3
    assert outbox_counts(sessions) == {"sent": 3}
    with sessions() as session:
        attempts = sorted(session.scalars(select(OutboxEntry.attempts)))
    assert sum(attempts) == 5  # two of the three needed a second attempt


def test_a_long_retry_is_left_to_the_next_run(
    sessions: sessionmaker[Session], settings: Settings, smtp: SmtpServer, tmp_path: Path
) -> None:
    settings = settings.replace(outbound={"smtp_backoff_seconds": 600})
    company_id, _ = setup_company(sessions, smtp.port)
    new = ingest_raw(sessions, settings, company_id, tmp_path / "in", people(1))
    smtp.fail("rcpt:451")
    follow_up(sessions, settings, company_id, new, wait=True)
    queue = get_queue(settings, sessions)
    assert isinstance(queue, InlineQueue) and queue.dropped == 1
    assert outbox_counts(sessions) == {"retry": 1}
    # Later (the retry is due): the next run's sweep sends it.
    with sessions.begin() as session:
        session.execute(update(OutboxEntry).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
    schedule_round(sessions, settings)
    assert outbox_counts(sessions) == {"sent": 1}
    assert len(smtp.received) == 1


def test_schedule_round_sweeps_pending_conversations(
    sessions: sessionmaker[Session], settings: Settings, smtp: SmtpServer, tmp_path: Path
) -> None:
    company_id, _ = setup_company(sessions, smtp.port)
    ingest_raw(sessions, settings, company_id, tmp_path / "in", people(4))
    assert statuses(sessions, company_id) == {"pending": 4}
    queued = schedule_round(sessions, settings)
    assert queued.mailboxes == 0 and queued.jobs == 1
    assert statuses(sessions, company_id) == {"classified": 4}
    assert len(smtp.received) == 4


def test_a_new_reply_in_an_old_thread_queues_no_auto_reply(
    sessions: sessionmaker[Session], settings: Settings, smtp: SmtpServer, tmp_path: Path
) -> None:
    from tests.factories import make_message
    from tests.outbound.helpers import now

    company_id, _ = setup_company(sessions, smtp.port)
    old = make_message(
        msgid="<old@client.example>", subject="support request", date=now() - timedelta(days=20)
    )
    first = ingest_raw(sessions, settings, company_id, tmp_path / "a", {"old.eml": old})
    follow_up(sessions, settings, company_id, first, wait=True)
    assert statuses(sessions, company_id) == {"classified": 1}
    reply = make_message(
        msgid="<new@client.example>", subject="Re: support request", date=now(),
        in_reply_to="<old@client.example>",
    )  # fmt: skip
    assert ingest_raw(sessions, settings, company_id, tmp_path / "b", {"r.eml": reply}) == []
    queue = get_queue(settings, sessions)
    assert isinstance(queue, InlineQueue)
    runs = queue.runs
    follow_up(sessions, settings, company_id, None, wait=True)  # a sweep
    assert queue.runs == runs  # nothing to classify, no auto-reply job for the old thread
    assert smtp.received == []
