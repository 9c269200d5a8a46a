"""The labeled examples the local model learns from (ai/examples.py): folder examples change a
decision, confident OpenAI filings teach and the local model's own answers never do, the
queries do not grow with the number of examples and each embedding is computed once."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.ai import classify_pending
from inboxsync.ai import folder_examples as examples
from inboxsync.ai.examples import MAX_NEW_EXAMPLES, labeled_examples
from inboxsync.ai.local_provider import LocalProvider
from inboxsync.config import Settings
from inboxsync.db import counting
from inboxsync.db.models import Conversation
from inboxsync.errors import NotFound, UsageError
from tests.ai.conftest import Company_, add_conversations, make_company
from tests.ai.test_local import CountingEmbedder

FOLDERS = {"Kitchen": "recipes and cooking", "Garden": "plants outside"}
# Zero-shot these are Kitchen's (the description's words); the examples put them in Garden.
ZUCCHINI = [(f"zucchini recipes {w}", f"zucchini harvest recipes {w}") for w in "abc"]
PROBE = ("zucchini recipes", "zucchini")


def folder_of(sessions: sessionmaker[Session], company: Company_, cid: int) -> str | None:
    with sessions() as session:
        folder_id = session.scalar(select(Conversation.folder_id).where(Conversation.id == cid))
    return next((name for name, i in company.folders.items() if i == folder_id), None)


def refile(sessions: sessionmaker[Session], settings: Settings, company_id: int, cid: int) -> None:
    with sessions.begin() as session:
        session.execute(update(Conversation).where(Conversation.id == cid).values(status="pending"))
    classify_pending(sessions, settings, company_id, conversation_ids=[cid])


def label(
    sessions: sessionmaker[Session], ids: list[int], folder_id: int, source: str, confidence: float
) -> None:
    """File conversations as `source` would have, with `confidence`."""
    with sessions.begin() as session:
        session.execute(
            update(Conversation)
            .where(Conversation.id.in_(ids))
            .values(
                status="classified",
                folder_id=folder_id,
                folder_source=source,
                folder_confidence=confidence,
            )
        )


def test_folder_examples_change_a_decision_and_removing_them_changes_it_back(
    sessions: sessionmaker[Session], local_settings: Settings
) -> None:
    company = make_company(sessions, folders=FOLDERS)
    (probe,) = add_conversations(sessions, company.id, [PROBE])
    classify_pending(sessions, local_settings, company.id)
    assert folder_of(sessions, company, probe) == "Kitchen"
    with sessions.begin() as session:
        added = [
            examples.add_example(session, company.id, "Garden", subject=s, text=t)
            for s, t in ZUCCHINI
        ]
    refile(sessions, local_settings, company.id, probe)
    assert folder_of(sessions, company, probe) == "Garden"
    with sessions.begin() as session:
        for example in added:
            examples.remove_example(session, company.id, example.id)
        assert examples.list_examples(session, company.id) == []
    refile(sessions, local_settings, company.id, probe)
    assert folder_of(sessions, company, probe) == "Kitchen"


def test_confident_openai_filings_teach_and_the_local_models_answers_never_do(
    sessions: sessionmaker[Session], local_settings: Settings
) -> None:
    company = make_company(sessions, folders=FOLDERS)
    garden = company.folders["Garden"]
    sure = add_conversations(sessions, company.id, ZUCCHINI)
    unsure = add_conversations(sessions, company.id, ZUCCHINI)
    own = add_conversations(sessions, company.id, ZUCCHINI)
    label(sessions, sure, garden, "ai", 0.95)
    label(sessions, unsure, garden, "ai", 0.5)
    label(sessions, own, garden, "local", 0.99)
    local = LocalProvider(local_settings)
    learnt = labeled_examples(
        sessions, local, local_settings, company.id, set(company.folders.values())
    )
    assert {f: len(v) for f, v in learnt.items()} == {garden: 3}
    strict = local_settings.replace(ai={"example_min_confidence": 1.01})
    assert (
        labeled_examples(sessions, local, strict, company.id, set(company.folders.values())) == {}
    )

    (probe,) = add_conversations(sessions, company.id, [PROBE])
    classify_pending(sessions, strict, company.id, conversation_ids=[probe])
    assert folder_of(sessions, company, probe) == "Kitchen"
    refile(sessions, local_settings, company.id, probe)
    assert folder_of(sessions, company, probe) == "Garden"


@pytest.mark.parametrize("warm", [False, True])
def test_the_queries_do_not_grow_with_the_examples_and_embeddings_are_computed_once(
    sessions: sessionmaker[Session], local_settings: Settings, warm: bool
) -> None:
    trips = []
    for n in (3, 30):
        company = make_company(sessions, f"labels-{n}", folders=FOLDERS)
        kitchen, garden = company.folders["Kitchen"], company.folders["Garden"]
        texts = [(f"soup {i}", f"leek soup number {i}") for i in range(n)]
        for source, folder_id in (("user", kitchen), ("mailbox", garden), ("ai", kitchen)):
            label(sessions, add_conversations(sessions, company.id, texts), folder_id, source, 1.0)
        with sessions.begin() as session:
            for s, t in texts:
                examples.add_example(session, company.id, "Garden", subject=s, text=t)
        embedder = CountingEmbedder()
        local = LocalProvider(local_settings, embedder)
        folder_ids = set(company.folders.values())
        if warm:
            while embedder.embedded < 4 * n:  # at most MAX_NEW_EXAMPLES conversations a call
                labeled_examples(sessions, local, local_settings, company.id, folder_ids)
            assert embedder.embedded == 4 * n  # each one once
        before = embedder.embedded
        with counting() as counter:
            learnt = labeled_examples(sessions, local, local_settings, company.id, folder_ids)
        trips.append((counter.round_trips, counter.commits))
        if warm:
            assert embedder.embedded == before  # all read back
            assert {f: len(v) for f, v in learnt.items()} == {kitchen: 2 * n, garden: 2 * n}
        else:
            assert embedder.embedded == min(3 * n, MAX_NEW_EXAMPLES) + n
    assert trips[0] == trips[1], trips
    assert trips[0][0] <= (4 if warm else 11), trips  # measured: 4 and 11


def test_a_folder_holds_a_bounded_number_of_cut_examples_and_copies_a_conversation(
    sessions: sessionmaker[Session],
) -> None:
    company = make_company(sessions, folders=FOLDERS)
    (cid,) = add_conversations(sessions, company.id, [("Leek soup", "Boil the leeks. " * 300)])
    with sessions.begin() as session:
        copied = examples.add_example(session, company.id, "Kitchen", conversation_id=cid)
        assert (copied.subject, copied.conversation_id) == ("Leek soup", cid)
        assert copied.text.startswith("Boil the leeks.")
        assert len(copied.text) <= examples.TEXT_CHARS
        long = examples.add_example(session, company.id, "Kitchen", text="x" * 10_000)
        assert len(long.text) == examples.TEXT_CHARS
        for i in range(examples.MAX_PER_FOLDER - 2):
            examples.add_example(session, company.id, "Kitchen", subject=f"example {i}")
        with pytest.raises(UsageError, match="has 50 examples"):
            examples.add_example(session, company.id, "Kitchen", subject="one more")
        with pytest.raises(UsageError, match="subject or a text"):
            examples.add_example(session, company.id, "Garden", subject=" ", text="")
        with pytest.raises(NotFound):
            examples.add_example(session, company.id, "Garden", conversation_id=cid + 1000)
        listed = examples.list_examples(session, company.id, "Kitchen")
        assert len(listed) == examples.MAX_PER_FOLDER
        assert examples.list_examples(session, company.id, "Garden") == []
