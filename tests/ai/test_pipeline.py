"""The AI layer inside a real sync: the pipeline's `ingest` with our detector, then
`classify_pending`. AI calls per sync = the number of micro-batches, whatever the number of
messages; on SQLite the detector never waits on the pipeline's write lock."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.ai import classify_pending, make_detector
from inboxsync.config import Settings
from inboxsync.db.ai_models import AiCall
from inboxsync.db.models import Conversation
from inboxsync.pipeline.sync import ingest
from inboxsync.sources.local import open_source
from tests.ai.conftest import make_company
from tests.factories import make_message, words, write_files
from tests.support.fake_openai import FakeOpenAI

TOPICS = ["Billing", "Delivery", "Support"]


def _mail(folder: Path, n: int) -> Path:
    """n messages of n/2 new senders, each starting its own conversation."""
    messages = {}
    for i in range(n):
        topic = TOPICS[i % 3]
        messages[f"m{i:04d}.eml"] = make_message(
            msgid=f"<m{i}@mail.example>",
            sender=f"Person {i} <person{i // 2}@corp{i // 2}.example>",
            to="support@acme.example",
            subject=f"{topic} request {i}",
            body=f"Hello, a question about {topic.lower()}: {words(i, 3, base=9)}.",
            minutes=i,
        )
    return write_files(folder, messages)


@pytest.mark.parametrize("messages", [24, 160])
def test_ai_calls_per_sync_are_the_micro_batches_whatever_the_number_of_messages(
    sessions: sessionmaker[Session],
    ai_settings: Settings,
    fake_openai: FakeOpenAI,
    tmp_path: Path,
    messages: int,
) -> None:
    settings = ai_settings.replace(batch_size=500, ai={"batch_max_items": 100})
    company = make_company(sessions)
    source = open_source(_mail(tmp_path / "mail", messages))
    report = ingest(
        sessions,
        company.id,
        source,
        settings=settings,
        detector=make_detector(sessions, settings),
    )
    report.add_ai(classify_pending(sessions, settings, company.id))
    senders, conversations = messages // 2, report.new_conversations
    expected = -(-senders // 100) + -(-conversations // 100)
    assert fake_openai.stats.calls == expected
    assert report.ai_calls == expected
    assert report.ai_input_tokens == fake_openai.stats.prompt_tokens
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(AiCall)) == expected
        pending = s.scalar(
            select(func.count()).where(
                Conversation.company_id == company.id, Conversation.status == "pending"
            )
        )
    assert pending == 0


def test_a_sync_with_the_ai_down_fails_nothing_and_loses_nothing(
    sessions: sessionmaker[Session],
    ai_settings: Settings,
    fake_openai: FakeOpenAI,
    tmp_path: Path,
) -> None:
    from inboxsync.ai.resilience import reset_breakers

    company = make_company(sessions)
    fake_openai.always = "500"
    report = ingest(
        sessions,
        company.id,
        open_source(_mail(tmp_path / "mail", 12)),
        settings=ai_settings,
        detector=make_detector(sessions, ai_settings),
    )
    report.add_ai(classify_pending(sessions, ai_settings, company.id))
    assert report.new_messages == 12 and not report.errors
    with sessions() as s:
        states = dict(
            s.execute(select(Conversation.status, func.count()).group_by(Conversation.status)).all()
        )
    assert states == {"pending": report.new_conversations}
    fake_openai.always = None
    reset_breakers()
    classify_pending(sessions, ai_settings, company.id)
    with sessions() as s:
        left = s.scalar(select(func.count()).where(Conversation.status == "pending"))
    assert left == 0
