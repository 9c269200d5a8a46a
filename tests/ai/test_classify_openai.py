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
from tests.factories import words
from tests.support.fake_openai import FakeOpenAI

TOPICS = [
    ("Billing question", "Hello, my billing shows a double charge on the last invoice."),
    ("Parcel", "Where is my order? The Delivery tracking number does not work."),
    ("Crash", "The app crashes at start, please Support me."),
    ("Lunch?", "Are you free for lunch next week?"),
]


def _topics(n: int) -> list[tuple[str, str]]:
    """n distinct conversations cycling through TOPICS (words, not numbers, tell them apart:
    numbers are blanked by the content hash)."""
    texts = []
    for i, (subject, body) in enumerate(TOPICS[i % 4] for i in range(n)):
        first, second, third = words(i, 3, base=12).split()
        texts.append((f"{subject} {first}", f"{body} Also: {second} {third}."))
    return texts


def _states(
    sessions: sessionmaker[Session], company_id: int
) -> dict[int, tuple[str, int | None, str]]:
    with sessions() as s:
        rows = s.execute(
            select(
                Conversation.id,
                Conversation.status,
                Conversation.folder_id,
                Conversation.folder_source,
            ).where(Conversation.company_id == company_id)
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
                "classified",
                company.folders[expected[n % 4]],
                "ai",
            )
        else:
            assert (status, folder_id, source) == ("unclassified", None, "ai")
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(AiCall)) == 3
        assert s.scalar(select(func.count()).select_from(AiClaim)) == 0
    # Nothing is pending any more: a second run asks nothing.
    assert classify_pending(sessions, ai_settings, company.id).calls == 0
    assert fake_openai.stats.calls == 3


def _ledger(sessions: sessionmaker[Session]) -> list[tuple[str, int]]:
    with sessions() as s:
        rows = s.execute(select(AiCall.outcome, AiCall.items).order_by(AiCall.id)).all()
    return [(r[0], r[1]) for r in rows]


# fault → (AI calls in all, ledger outcomes in order): 8 conversations, one batch.
FAULTS = {
    "429": (2, ["rate_limited", "ok"]),
    "500": (2, ["server_error", "ok"]),
    "timeout": (2, ["timeout", "ok"]),
    "malformed": (3, ["invalid", "ok", "ok"]),  # asked again in two halves
    "unknown_folder": (2, ["partial", "ok"]),  # the bad item asked again alone
    "missing": (2, ["partial", "ok"]),
    "duplicate": (2, ["partial", "ok"]),
    "refusal": (3, ["invalid", "ok", "ok"]),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_every_fault_ends_with_every_conversation_filed_and_no_failed_sync(
    sessions: sessionmaker[Session], ai_settings: Settings, fake_openai: FakeOpenAI, fault: str
) -> None:
    company = make_company(sessions)
    ids = add_conversations(sessions, company.id, _topics(8))
    fake_openai.fail(fault)
    usage = classify_pending(sessions, ai_settings, company.id)
    calls, outcomes = FAULTS[fault]
    assert fake_openai.stats.calls == calls
    assert [o for o, _ in _ledger(sessions)] == outcomes
    assert usage.calls == calls
    states = _states(sessions, company.id)
    expected = {0: "Billing", 1: "Delivery", 2: "Support"}
    for n, cid in enumerate(ids):
        if n % 4 in expected:
            assert states[cid] == ("classified", company.folders[expected[n % 4]], "ai"), fault
        else:
            assert states[cid] == ("unclassified", None, "ai"), fault


def test_retry_waits_what_retry_after_asks(
    sessions: sessionmaker[Session], ai_settings: Settings, fake_openai: FakeOpenAI
) -> None:
    from inboxsync.ai.openai_provider import OpenAIProvider

    waits: list[float] = []
    provider = OpenAIProvider(ai_settings, sleep=waits.append)
    company = make_company(sessions)
    add_conversations(sessions, company.id, _topics(3))
    fake_openai.retry_after = "0.25"
    fake_openai.fail("429", "429")
    classify_pending(sessions, ai_settings, company.id, provider=provider)
    assert waits == [0.25, 0.25]
    assert [o for o, _ in _ledger(sessions)] == ["rate_limited", "rate_limited", "ok"]


def test_a_retry_after_longer_than_the_cap_leaves_conversations_pending(
    sessions: sessionmaker[Session], ai_settings: Settings, fake_openai: FakeOpenAI
) -> None:
    company = make_company(sessions)
    ids = add_conversations(sessions, company.id, _topics(3))
    fake_openai.retry_after = "3600"
    fake_openai.fail("429")
    usage = classify_pending(sessions, ai_settings, company.id)
    assert usage.calls == 1
    assert {s for s, _, _ in _states(sessions, company.id).values()} == {"pending"}
    # The next run, with the limit lifted, files them.
    classify_pending(sessions, ai_settings, company.id)
    assert {_states(sessions, company.id)[i][0] for i in ids} <= {"classified", "unclassified"}


def test_an_outage_opens_the_breaker_and_loses_nothing(
    sessions: sessionmaker[Session], ai_settings: Settings, fake_openai: FakeOpenAI
) -> None:
    from inboxsync.ai.resilience import reset_breakers

    # One call in flight at a time, so the count is exact (with N in flight, up to N - 1
    # more calls may already be on their way when the breaker opens).
    ai_settings = ai_settings.replace(ai={"concurrency": 1})
    company = make_company(sessions)
    ids = add_conversations(sessions, company.id, _topics(30))  # three batches
    fake_openai.always = "500"
    usage = classify_pending(sessions, ai_settings, company.id)
    # Three failed calls open the breaker: nothing more is sent in this run.
    assert fake_openai.stats.calls == ai_settings.ai.breaker_failures
    assert usage.calls == ai_settings.ai.breaker_failures
    with sessions() as s:
        rows = s.execute(
            select(Conversation.status, Conversation.status_reason).where(Conversation.id.in_(ids))
        ).all()
    assert {r[0] for r in rows} == {"pending"}
    assert all("ai unavailable" in r[1] for r in rows)
    # The provider is back: the next run picks every conversation up.
    fake_openai.always = None
    reset_breakers()
    classify_pending(sessions, ai_settings, company.id)
    assert {_states(sessions, company.id)[i][0] for i in ids} <= {"classified", "unclassified"}


def test_answers_that_stay_invalid_fall_back_to_the_local_model_with_the_reason(
    sessions: sessionmaker[Session], ai_settings: Settings, fake_openai: FakeOpenAI
) -> None:
    company = make_company(sessions)
    ids = add_conversations(sessions, company.id, _topics(4))
    fake_openai.always = "malformed"
    classify_pending(sessions, ai_settings, company.id)
    assert fake_openai.stats.calls == 3  # once, then again in two halves
    with sessions() as s:
        rows = s.execute(
            select(
                Conversation.status, Conversation.folder_source, Conversation.status_reason
            ).where(Conversation.id.in_(ids))
        ).all()
    for status, source, reason in rows:
        assert status in ("classified", "unclassified")
        assert source == "local"
        assert reason.startswith("ai: invalid answer")


def test_conversations_failing_too_often_end_failed(
    sessions: sessionmaker[Session], ai_settings: Settings, fake_openai: FakeOpenAI
) -> None:
    from inboxsync.ai.resilience import reset_breakers

    settings = ai_settings.replace(ai={"max_attempts": 2, "max_retries": 0})
    company = make_company(sessions)
    ids = add_conversations(sessions, company.id, _topics(2))
    fake_openai.always = "500"
    classify_pending(sessions, settings, company.id)
    assert {_states(sessions, company.id)[i][0] for i in ids} == {"pending"}
    reset_breakers()
    classify_pending(sessions, settings, company.id)
    assert {_states(sessions, company.id)[i][0] for i in ids} == {"failed"}
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(AiClaim)) == 0


@pytest.mark.parametrize("fault", ["garbage", "401"])
def test_answers_the_sdk_cannot_use_leave_conversations_pending(
    sessions: sessionmaker[Session], ai_settings: Settings, fake_openai: FakeOpenAI, fault: str
) -> None:
    company = make_company(sessions)
    ids = add_conversations(sessions, company.id, _topics(3))
    fake_openai.fail(fault)
    usage = classify_pending(sessions, ai_settings, company.id)
    assert usage.calls == 1  # not worth retrying
    assert [o for o, _ in _ledger(sessions)] == ["error"]
    assert {_states(sessions, company.id)[i][0] for i in ids} == {"pending"}


def test_batches_fly_concurrently_and_later_calls_hit_the_prompt_cache(
    sessions: sessionmaker[Session], ai_settings: Settings, fake_openai: FakeOpenAI
) -> None:
    company = make_company(sessions)
    add_conversations(sessions, company.id, _topics(30))
    fake_openai.latency = 0.3
    classify_pending(sessions, ai_settings, company.id)
    assert fake_openai.stats.calls == 3
    assert fake_openai.stats.max_in_flight == ai_settings.ai.concurrency == 3
    # The same stable prefix (instructions, folders, examples, schema) in a later sync: the
    # provider reports it cached, and the ledger keeps the figure.
    add_conversations(sessions, company.id, [("Another billing case", "billing again, lotus")])
    usage = classify_pending(sessions, ai_settings, company.id)
    assert usage.calls == 1
    assert usage.cached_tokens >= 1024
