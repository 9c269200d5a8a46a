"""Classification through the openai provider against the test server: calls per micro-batch,
validation of every answer, and nothing lost on any fault."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.ai import classify_pending
from inboxsync.config import Settings
from inboxsync.db.ai_models import AiCall, AiClaim
from inboxsync.db.models import Conversation
from tests.ai.conftest import add_conversations, make_company
from tests.ai.fake_openai import FakeOpenAI

TOPICS = [
    ("Billing question", "Hello, my billing shows a double charge on the last invoice."),
    ("Parcel", "Where is my order? The Delivery tracking number does not work."),
    ("Crash", "The app crashes at start, please Support me."),
    ("Lunch?", "Are you free for lunch next week?"),
]


WORDS = "amber basil cedar delta ember fjord garnet harbor iris juniper kelp lotus".split()


def _topics(n: int) -> list[tuple[str, str]]:
    """n distinct conversations cycling through TOPICS (words, not numbers, tell them apart:
    numbers are blanked by the content hash)."""
    return [
        (f"{s} {WORDS[i % 12]}", f"{b} Also: {WORDS[i // 12 % 12]} {WORDS[i // 144 % 12]}.")
        for i, (s, b) in enumerate(TOPICS[i % 4] for i in range(n))
    ]


def _states(sessions: sessionmaker[Session], company_id: int) -> dict[int, tuple[str, int | None, str]]:
    with sessions() as s:
        rows = s.execute(
            select(Conversation.id, Conversation.status, Conversation.folder_id,
                   Conversation.folder_source).where(Conversation.company_id == company_id)
        ).all()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def test_ai_calls_equal_the_number_of_micro_batches(
    sessions: sessionmaker[Session], ai_settings: Settings, fake_openai: FakeOpenAI
) -> None:
    company = make_company(sessions)
    ids = add_conversations(sessions, company.id, _topics(25))
    usage = classify_pending(sessions, ai_settings, company.id)
    assert fake_openai.stats.calls == 3  # 25 items, at most 10 a batch
    assert usage.calls == 3
    assert usage.input_tokens == fake_openai.stats.prompt_tokens
    assert usage.output_tokens == fake_openai.stats.completion_tokens
    assert usage.cached_tokens == fake_openai.stats.cached_tokens
    states = _states(sessions, company.id)
    expected = {0: "Billing", 1: "Delivery", 2: "Support"}
    for n, cid in enumerate(ids):
        status, folder_id, source = states[cid]
        if n % 4 in expected:
            assert (status, folder_id, source) == (
                "classified", company.folders[expected[n % 4]], "ai")
        else:
            assert (status, folder_id, source) == ("unclassified", None, "ai")
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(AiCall)) == 3
        assert s.scalar(select(func.count()).select_from(AiClaim)) == 0
    # Nothing is pending any more: a second run asks nothing.
    assert classify_pending(sessions, ai_settings, company.id).calls == 0
    assert fake_openai.stats.calls == 3
