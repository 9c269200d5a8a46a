"""Classification state: folder-decision cache keyed by the folder version, user corrections
that always win, atomic claims, stale claims, the monthly cap, the cost ledger."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.ai import classify_pending, cost_report, set_folder
from inboxsync.ai.local_provider import LocalProvider
from inboxsync.ai.states import requeue_stale
from inboxsync.config import Settings
from inboxsync.db.ai_models import AiCall, AiClaim
from inboxsync.db.models import Conversation, Folder, utcnow
from inboxsync.errors import UsageError
from tests.ai.conftest import add_conversations, make_company
from tests.support.fake_openai import FakeOpenAI

TEXTS = [
    ("Billing error", "My billing is wrong."),
    ("Delivery late", "The Delivery did not arrive."),
]


def _conv(sessions: sessionmaker[Session], cid: int) -> tuple[str, int | None, str, str]:
    with sessions() as s:
        r = s.execute(
            select(
                Conversation.status,
                Conversation.folder_id,
                Conversation.folder_source,
                Conversation.folder_version,
            ).where(Conversation.id == cid)
        ).one()
    return (r[0], r[1], r[2], r[3])


def test_same_content_is_asked_once_until_a_folder_is_edited(
    sessions: sessionmaker[Session], ai_settings: Settings, fake_openai: FakeOpenAI
) -> None:
    company = make_company(sessions)
    old_ids = add_conversations(sessions, company.id, TEXTS * 3)  # three copies of each text
    usage = classify_pending(sessions, ai_settings, company.id)
    assert usage.calls == 1
    assert fake_openai.stats.items_per_call == [2]  # duplicates asked about once
    ids = add_conversations(sessions, company.id, TEXTS)
    classify_pending(sessions, ai_settings, company.id)
    assert fake_openai.stats.calls == 1  # the folder-decision cache answered
    assert _conv(sessions, ids[0])[:3] == ("classified", company.folders["Billing"], "ai")
    version = _conv(sessions, ids[0])[3]
    with sessions.begin() as s:
        s.execute(
            update(Folder)
            .where(Folder.id == company.folders["Billing"])
            .values(ai_description="Invoices and refunds only")
        )
    ids = add_conversations(sessions, company.id, TEXTS)
    classify_pending(sessions, ai_settings, company.id)
    assert fake_openai.stats.calls == 2  # a new folder version: asked again
    assert _conv(sessions, ids[0])[3] != version
    # What was filed against the old folders can be filed again; users' decisions stay.
    set_folder(sessions, old_ids[1], "Support")
    assert requeue_stale(sessions, company.id) == 7  # 6 + 2 filed before the edit, - 1 user
    classify_pending(sessions, ai_settings, company.id)
    assert fake_openai.stats.calls == 2  # the same two texts: the new decisions are cached
    assert {_conv(sessions, i)[3] for i in old_ids} == {_conv(sessions, ids[0])[3]}
    assert _conv(sessions, old_ids[1])[1:3] == (company.folders["Support"], "user")


def test_a_users_correction_wins_and_teaches_the_cache(
    sessions: sessionmaker[Session], ai_settings: Settings, fake_openai: FakeOpenAI
) -> None:
    company = make_company(sessions)
    (cid,) = add_conversations(sessions, company.id, [TEXTS[0]])
    classify_pending(sessions, ai_settings, company.id)
    assert _conv(sessions, cid)[1] == company.folders["Billing"]
    done = set_folder(sessions, cid, "support")  # by name, any case
    assert done.folder_id == company.folders["Support"]
    assert _conv(sessions, cid)[:3] == ("classified", company.folders["Support"], "user")
    # Back to pending by some other path: still never overwritten.
    with sessions.begin() as s:
        s.execute(update(Conversation).where(Conversation.id == cid).values(status="pending"))
    classify_pending(sessions, ai_settings, company.id)
    assert _conv(sessions, cid)[1:3] == (company.folders["Support"], "user")
    # The same content arriving again follows the user, without asking.
    calls = fake_openai.stats.calls
    (again,) = add_conversations(sessions, company.id, [TEXTS[0]])
    classify_pending(sessions, ai_settings, company.id)
    assert fake_openai.stats.calls == calls
    assert _conv(sessions, again)[1] == company.folders["Support"]
    with pytest.raises(UsageError):
        set_folder(sessions, cid, "Nope")
    with pytest.raises(UsageError):
        set_folder(sessions, 10**6, "Billing")
    assert set_folder(sessions, cid, "none").folder_id is None
    assert _conv(sessions, cid)[:3] == ("unclassified", None, "user")


class _UserActsMeanwhile(LocalProvider):
    """A local provider during whose work a user files one of the conversations."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session], cid: int, to: str):
        super().__init__(settings)
        self._act = (sessions, cid, to)

    def classify_vectors(self, keys, vectors, folders):  # type: ignore[no-untyped-def]
        set_folder(*self._act)
        return super().classify_vectors(keys, vectors, folders)


def test_a_correction_made_during_classification_is_not_overwritten(
    sessions: sessionmaker[Session], local_settings: Settings
) -> None:
    company = make_company(sessions)
    ids = add_conversations(sessions, company.id, TEXTS)
    provider = _UserActsMeanwhile(local_settings, sessions, ids[0], "Delivery")
    classify_pending(sessions, local_settings, company.id, provider=provider)
    assert _conv(sessions, ids[0])[:3] == ("classified", company.folders["Delivery"], "user")
    assert _conv(sessions, ids[1])[0] in ("classified", "unclassified")


def test_concurrent_classifiers_file_each_conversation_once(
    sessions: sessionmaker[Session], local_settings: Settings
) -> None:
    company = make_company(sessions)
    texts = [
        (f"{s} {n}", f"{b} {'abcdefghij'[n % 10] * (n + 1)}")
        for n in range(40)
        for s, b in TEXTS[:1]
    ]
    add_conversations(sessions, company.id, texts)
    settings = local_settings.replace(ai={"chunk_size": 5})
    errors: list[BaseException] = []

    def run() -> None:
        try:
            classify_pending(sessions, settings, company.id)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with sessions() as s:
        filed = s.scalar(select(func.sum(AiCall.items)).where(AiCall.provider == "local"))
        states = s.execute(
            select(Conversation.status, func.count()).group_by(Conversation.status)
        ).all()
    assert filed == 40  # every conversation classified by exactly one of the three
    assert {st for st, _ in states} <= {"classified", "unclassified"}


def test_a_stale_claim_goes_back_to_pending_and_is_classified(
    sessions: sessionmaker[Session], local_settings: Settings
) -> None:
    company = make_company(sessions)
    ids = add_conversations(sessions, company.id, TEXTS, status="classifying")
    with sessions.begin() as s:
        s.add_all(
            [
                AiClaim(
                    conversation_id=ids[0],
                    company_id=company.id,
                    claimed_at=utcnow() - timedelta(hours=2),
                    attempts=1,
                ),
                AiClaim(
                    conversation_id=ids[1], company_id=company.id, claimed_at=utcnow(), attempts=1
                ),
            ]
        )
    classify_pending(sessions, local_settings, company.id)
    assert _conv(sessions, ids[0])[0] in ("classified", "unclassified")
    assert _conv(sessions, ids[1])[0] == "classifying"  # a live claim is left alone


def test_the_monthly_cap_switches_to_the_local_classifier(
    sessions: sessionmaker[Session], ai_settings: Settings, fake_openai: FakeOpenAI
) -> None:
    company = make_company(sessions)
    add_conversations(sessions, company.id, [TEXTS[0]])
    settings = ai_settings.replace(ai={"monthly_caps": {"acme": 1e-9}})
    classify_pending(sessions, settings, company.id)  # spends a little
    assert fake_openai.stats.calls == 1
    ids = add_conversations(sessions, company.id, [("Other", "Something else entirely")])
    usage = classify_pending(sessions, settings, company.id)
    assert usage.calls == 0 and fake_openai.stats.calls == 1
    assert _conv(sessions, ids[0])[2] == "local"


def test_the_ledger_prices_calls_and_sums_them_per_purpose_and_model(
    sessions: sessionmaker[Session], ai_settings: Settings, fake_openai: FakeOpenAI
) -> None:
    company = make_company(sessions)
    add_conversations(sessions, company.id, TEXTS * 2 + [("x", "unique words here")])
    usage = classify_pending(sessions, ai_settings, company.id)
    price_in, price_cached, price_out = ai_settings.ai.prices[ai_settings.ai.model]
    expected = (
        (usage.input_tokens - usage.cached_tokens) * price_in
        + usage.cached_tokens * price_cached
        + usage.output_tokens * price_out
    ) / 1e6
    assert usage.cost_usd == pytest.approx(expected)
    with sessions() as s:
        rows = cost_report(s, company.id)
    assert [(r.purpose, r.model, r.calls) for r in rows] == [("classify", "gpt-4o-mini", 1)]
    assert rows[0].input_tokens == fake_openai.stats.prompt_tokens
    assert rows[0].cost_usd == pytest.approx(usage.cost_usd, abs=1e-6)


def test_no_folders_leaves_conversations_pending(
    sessions: sessionmaker[Session], local_settings: Settings
) -> None:
    company = make_company(sessions, folders={})
    (cid,) = add_conversations(sessions, company.id, [TEXTS[0]])
    assert classify_pending(sessions, local_settings, company.id).calls == 0
    assert _conv(sessions, cid)[0] == "pending"


def test_only_the_given_conversations_are_classified(
    sessions: sessionmaker[Session], local_settings: Settings
) -> None:
    company = make_company(sessions)
    ids = add_conversations(sessions, company.id, TEXTS)
    classify_pending(sessions, local_settings, company.id, conversation_ids=[ids[1]])
    assert _conv(sessions, ids[0])[0] == "pending"
    assert _conv(sessions, ids[1])[0] in ("classified", "unclassified")


@pytest.mark.parametrize("kind", ["local", "openai"])
def test_round_trips_are_the_same_for_10_and_100_conversations(
    sessions: sessionmaker[Session],
    local_settings: Settings,
    ai_settings: Settings,
    fake_openai: FakeOpenAI,
    kind: str,
) -> None:
    from inboxsync.db import counting

    settings = local_settings if kind == "local" else ai_settings
    settings = settings.replace(ai={"batch_max_items": 100})
    trips = []
    for n, name in ((10, "small"), (100, "large")):
        company = make_company(sessions, name)
        words = ["amber", "basil", "cedar", "delta", "ember", "fjord", "garnet", "harbor"]
        add_conversations(
            sessions,
            company.id,
            [
                (f"{TEXTS[i % 2][0]} {words[i % 8]}", f"{words[i // 8 % 8]} {words[i // 64]}")
                for i in range(n)
            ],
        )
        with counting() as counter:
            classify_pending(sessions, settings, company.id)
        trips.append((counter.round_trips, counter.commits))
    assert trips[0] == trips[1]
    assert trips[0][0] <= 25, trips  # a fixed handful of statements per claimed chunk
