"""The notification detector: caches first (sender, domain, content hash), then one AI call
per micro-batch; an AI outage falls back to local rules and fails nothing."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.ai import make_detector
from inboxsync.ai.caches import CachedVerdict, store_verdicts
from inboxsync.config import Settings
from inboxsync.db import counting
from inboxsync.db.ai_models import AiSenderVerdict
from inboxsync.pipeline.detect import SenderSample
from tests.ai.conftest import make_company
from tests.support.fake_openai import FakeOpenAI


def sample(email: str, subject: str = "Hello", text: str = "") -> SenderSample:
    return SenderSample(email=email, name="", subject=subject, text=text or f"Note from {email}")


def test_one_call_per_micro_batch_and_the_sender_cache_stops_a_second_question(
    sessions: sessionmaker[Session], ai_settings: Settings, fake_openai: FakeOpenAI
) -> None:
    company = make_company(sessions)
    samples = [sample(f"person{n}@corp{n}.example", f"Question {n}") for n in range(12)]
    samples += [sample(f"noreply@svc{n}.example", f"Receipt {n}") for n in range(13)]
    detector = make_detector(sessions, ai_settings)
    verdicts = detector.detect(company.id, samples)
    assert fake_openai.stats.calls == 3  # 25 senders, 10 a batch
    assert detector.usage().calls == 3
    assert {verdicts[f"person{n}@corp{n}.example"].kind for n in range(12)} == {"person"}
    assert {verdicts[f"noreply@svc{n}.example"].kind for n in range(13)} == {"notification"}
    assert verdicts["noreply@svc0.example"].rule == "ai"
    again = make_detector(sessions, ai_settings).detect(company.id, samples)
    assert fake_openai.stats.calls == 3
    assert {v.rule for v in again.values()} == {"ai-cache:sender"}
    assert {e: v.kind for e, v in again.items()} == {e: v.kind for e, v in verdicts.items()}


def test_a_domain_verdict_needs_several_agreeing_senders_and_never_a_freemail_domain(
    sessions: sessionmaker[Session], ai_settings: Settings, fake_openai: FakeOpenAI
) -> None:
    company = make_company(sessions)
    detector = make_detector(sessions, ai_settings)
    detector.detect(
        company.id,
        [sample(f"alerts-{n}@monitor.example", f"disk {n}") for n in range(3)]
        + [sample(f"mailer-{n}@gmail.com", f"newsletter issue {n}") for n in range(3)],
    )
    assert fake_openai.stats.calls == 1
    detector.usage()  # the end of a run: what it learnt is saved
    verdicts = detector.detect(
        company.id,
        [sample("ops@monitor.example", "CPU high"), sample("mailer-9@gmail.com", "hi")],
    )
    assert verdicts["ops@monitor.example"].rule == "ai-cache:domain"
    assert verdicts["ops@monitor.example"].kind == "notification"
    assert verdicts["mailer-9@gmail.com"].rule == "ai"  # freemail: asked
    assert fake_openai.stats.calls == 2
    assert fake_openai.stats.items_per_call == [6, 1]


def test_the_content_hash_catches_templated_mail_from_new_senders(
    sessions: sessionmaker[Session], ai_settings: Settings, fake_openai: FakeOpenAI
) -> None:
    company = make_company(sessions)
    detector = make_detector(sessions, ai_settings)
    text = "Your order 1234 has shipped. Track it at https://t.example/1234. Unsubscribe here."
    detector.detect(company.id, [sample("a@shop1.example", "Order 1234 shipped", text)])
    later = text.replace("1234", "98765")
    verdicts = detector.detect(
        company.id, [sample("b@shop2.example", "Order 98765 shipped", later)]
    )
    assert verdicts["b@shop2.example"].rule == "ai-cache:content"
    assert verdicts["b@shop2.example"].kind == "notification"
    assert fake_openai.stats.calls == 1


def test_a_users_verdict_wins_and_is_never_overwritten(
    sessions: sessionmaker[Session], ai_settings: Settings, fake_openai: FakeOpenAI
) -> None:
    company = make_company(sessions)
    with sessions.begin() as session:
        store_verdicts(
            session,
            company.id,
            {"noreply@bank.example": CachedVerdict("person", "a real banker", "user")},
            {},
        )
        store_verdicts(
            session,
            company.id,
            {"noreply@bank.example": CachedVerdict("notification", "ai says", "ai")},
            {},
        )
    verdicts = make_detector(sessions, ai_settings).detect(
        company.id, [sample("noreply@bank.example")]
    )
    assert verdicts["noreply@bank.example"].kind == "person"
    assert fake_openai.stats.calls == 0
    with sessions() as session:
        row = session.execute(select(AiSenderVerdict.kind, AiSenderVerdict.source)).one()
    assert tuple(row) == ("person", "user")


def test_an_ai_outage_falls_back_to_local_rules_and_is_not_cached(
    sessions: sessionmaker[Session], ai_settings: Settings, fake_openai: FakeOpenAI
) -> None:
    from inboxsync.ai.resilience import reset_breakers

    company = make_company(sessions)
    fake_openai.always = "500"
    samples = [sample("noreply@svc.example", "Receipt"), sample("jane@corp.example", "Hi")]
    verdicts = make_detector(sessions, ai_settings).detect(company.id, samples)
    assert verdicts["noreply@svc.example"].kind == "notification"
    assert verdicts["jane@corp.example"].kind == "person"
    assert verdicts["jane@corp.example"].rule == "local-fallback"
    assert "ai unavailable" in verdicts["jane@corp.example"].reason
    fake_openai.always = None
    reset_breakers()
    calls = fake_openai.stats.calls
    again = make_detector(sessions, ai_settings).detect(company.id, samples)
    assert fake_openai.stats.calls == calls + 1  # asked: a fallback guess is not a verdict
    assert {v.rule for v in again.values()} == {"ai"}


def test_the_cache_lookups_count_as_round_trips_on_both_databases(
    sessions: sessionmaker[Session], ai_settings: Settings, fake_openai: FakeOpenAI
) -> None:
    company = make_company(sessions)
    samples = [sample(f"noreply@svc{n}.example", f"Receipt {n}") for n in range(3)]
    learner = make_detector(sessions, ai_settings)
    learner.detect(company.id, samples)
    learner.usage()
    with counting() as counter:
        verdicts = make_detector(sessions, ai_settings).detect(company.id, samples)
    assert {v.rule for v in verdicts.values()} == {"ai-cache:sender"}
    # One query for the senders, all found: on SQLite too, where the lookups go through the
    # reader that never takes the write lock.
    assert counter.round_trips == 1


def test_caches_never_cross_companies(
    sessions: sessionmaker[Session], ai_settings: Settings, fake_openai: FakeOpenAI
) -> None:
    one = make_company(sessions, "one")
    two = make_company(sessions, "two")
    s = [sample("noreply@svc.example", "Receipt")]
    first = make_detector(sessions, ai_settings)
    first.detect(one.id, s)
    first.usage()
    verdicts = make_detector(sessions, ai_settings).detect(two.id, s)
    assert verdicts["noreply@svc.example"].rule == "ai"
    assert fake_openai.stats.calls == 2


def test_the_local_provider_detects_offline(
    sessions: sessionmaker[Session], local_settings: Settings
) -> None:
    company = make_company(sessions)
    verdicts = make_detector(sessions, local_settings).detect(
        company.id,
        [
            sample("no-reply@accounts.example", "Password changed"),
            sample("news@shop.example", "Deals", "Click to unsubscribe"),
            sample("marie@client.example", "Question", "Bonjour, une question sur ma commande"),
        ],
    )
    assert verdicts["no-reply@accounts.example"].kind == "notification"
    assert verdicts["news@shop.example"].kind == "notification"
    assert verdicts["marie@client.example"].kind == "person"
    assert {v.rule for v in verdicts.values()} == {"local"}
