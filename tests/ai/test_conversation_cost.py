"""What each conversation's filing cost: its even share of every paid call that asked about
it, stored with its decision; cache hits and the offline model cost nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.ai import classify_pending
from inboxsync.config import Settings
from inboxsync.db.ai_models import AiCall
from inboxsync.db.models import Conversation
from tests.ai.conftest import add_conversations, make_company
from tests.ai.test_classify_openai import _topics
from tests.support.fake_openai import FakeOpenAI


def _costs(sessions: sessionmaker[Session], ids: list[int]) -> dict[int, float | None]:
    with sessions() as s:
        rows = s.execute(
            select(Conversation.id, Conversation.ai_cost_usd).where(Conversation.id.in_(ids))
        )
        return {r[0]: r[1] for r in rows}


def _ledger(sessions: sessionmaker[Session], company_id: int) -> float:
    with sessions() as s:
        total = s.scalar(select(func.sum(AiCall.cost_usd)).where(AiCall.company_id == company_id))
    return float(total or 0.0)


def test_conversations_store_shares_that_sum_to_the_ledger(
    sessions: sessionmaker[Session], ai_settings: Settings, fake_openai: FakeOpenAI
) -> None:
    company = make_company(sessions)
    texts = _topics(24)
    ids = add_conversations(sessions, company.id, [*texts, texts[0]])  # one text twice
    assert set(_costs(sessions, ids).values()) == {None}  # never filed
    fake_openai.fail("missing")  # one batch's answer lacks an item: it is asked again
    classify_pending(sessions, ai_settings, company.id)
    assert fake_openai.stats.calls == 4  # 24 distinct items in batches of 10, and the retry
    costs = _costs(sessions, ids)
    assert all(c is not None and c > 0 for c in costs.values()), costs
    assert sum(c or 0.0 for c in costs.values()) == pytest.approx(_ledger(sessions, company.id))
    # The same content asked about once: its two conversations share that item's part.
    assert costs[ids[0]] == pytest.approx(costs[ids[-1]] or 0.0)
    # The item asked about again alone carries its share of the batch and the whole retry.
    shares = sorted(c or 0.0 for c in costs.values())
    assert shares[-1] > 2 * shares[-2]


def test_cache_hits_cost_nothing(
    sessions: sessionmaker[Session], ai_settings: Settings, fake_openai: FakeOpenAI
) -> None:
    company = make_company(sessions)
    first = add_conversations(sessions, company.id, _topics(3))
    classify_pending(sessions, ai_settings, company.id)
    spent = _ledger(sessions, company.id)
    again = add_conversations(sessions, company.id, _topics(3))
    classify_pending(sessions, ai_settings, company.id)
    assert fake_openai.stats.calls == 1  # the folder-decision cache answered
    assert set(_costs(sessions, again).values()) == {0.0}
    assert sum(c or 0.0 for c in _costs(sessions, first).values()) == pytest.approx(spent)


def test_the_offline_model_costs_nothing(
    sessions: sessionmaker[Session], local_settings: Settings
) -> None:
    company = make_company(sessions)
    ids = add_conversations(sessions, company.id, _topics(5))
    classify_pending(sessions, local_settings, company.id)
    assert set(_costs(sessions, ids).values()) == {0.0}
