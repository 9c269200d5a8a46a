"""Malformed AI answers through the real openai SDK and the test server: every shape of a bad
answer leaves its items to the local rules (detection) or the local model (classification)
with the reason, and nothing raises past the provider: the import and the sync go on."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.ai import classify_pending, make_detector
from inboxsync.config import Settings
from inboxsync.db.ai_models import AiCall
from inboxsync.db.models import Conversation, InboxMessage
from inboxsync.pipeline.detect import SenderSample
from inboxsync.pipeline.sync import ingest
from inboxsync.sources.local import open_source
from tests.ai.conftest import add_conversations, make_company
from tests.factories import make_message, write_files
from tests.support.fake_openai import FakeOpenAI, Results

Shape = Callable[[Results], str]


def each(change: Callable[[dict[str, Any]], dict[str, Any]]) -> Shape:
    """Every result of the server's rule changed by `change`."""
    return lambda results: json.dumps({"results": [change(dict(r)) for r in results]})


def fields(value: Callable[[Any], Any]) -> Shape:
    """Every field but the id replaced by `value(field)`."""
    return each(lambda r: {k: (v if k == "i" else value(v)) for k, v in r.items()})


# name → (answer, problem of a detection item, problem of a classification item)
SHAPES: dict[str, tuple[Shape, str, str]] = {
    "id as a list": (each(lambda r: {**r, "i": [r["i"]]}), "missing", "missing"),
    "id as a bool": (each(lambda r: {**r, "i": r["i"] == 0}), "missing", "missing"),
    "id as a float": (each(lambda r: {**r, "i": r["i"] + 0.0}), "missing", "missing"),
    "id as a string": (each(lambda r: {**r, "i": str(r["i"])}), "missing", "missing"),
    "id null": (each(lambda r: {**r, "i": None}), "missing", "missing"),
    "id as an object": (each(lambda r: {**r, "i": {"i": r["i"]}}), "missing", "missing"),
    "huge ids": (each(lambda r: {**r, "i": r["i"] + 2**70}), "missing", "missing"),
    "ids never asked about": (each(lambda r: {**r, "i": -1 - r["i"]}), "missing", "missing"),
    "every id twice": (lambda rs: json.dumps({"results": rs + rs}), "more than once", "more"),
    "fields as lists": (fields(lambda v: [v]), "invalid kind", "unknown folder"),
    "fields null": (fields(lambda v: None), "invalid kind", "unknown folder"),
    "fields as numbers": (fields(lambda v: 1e308), "invalid kind", "unknown folder"),
    "fields nested": (fields(lambda v: {"v": [v]}), "invalid kind", "unknown folder"),
    "fields as lone surrogates": (fields(lambda v: "\ud800"), "invalid kind", "unknown folder"),
    "an extra field": (each(lambda r: {**r, "note": "x"}), "unexpected field", "unexpected"),
    "results as an object": (lambda rs: json.dumps({"results": {"0": rs}}), "no `results`", "no"),
    "a bare list": (lambda rs: json.dumps(rs), "no `results`", "no `results`"),
    "a 5000-digit id": (lambda rs: '{"results": [{"i": ' + "9" * 5000 + "}]}", "not JSON", "not"),
    "NaN": (lambda rs: '{"results": [{"i": NaN}]}', "not JSON: NaN", "not JSON: NaN"),
    "deeper than the stack": (lambda rs: "[" * 100_000, "not JSON", "not JSON"),
    "a repeated key": (
        lambda rs: '{"results": [], "results": ' + json.dumps(rs) + "}",
        "repeats a key",
        "repeats a key",
    ),
}


def _sample(email: str, subject: str) -> SenderSample:
    return SenderSample(email=email, name="", subject=subject, text=f"A note from {email}.")


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_a_malformed_detection_answer_leaves_its_senders_to_the_local_rules(
    sessions: sessionmaker[Session], ai_settings: Settings, fake_openai: FakeOpenAI, shape: str
) -> None:
    answer, problem, _ = SHAPES[shape]
    company = make_company(sessions)
    fake_openai.content = answer
    samples = [_sample("jane@corp.example", "Question"), _sample("noreply@svc.example", "Receipt")]
    detector = make_detector(sessions, ai_settings)
    verdicts = detector.detect(company.id, samples)
    assert {v.rule for v in verdicts.values()} == {"local-fallback"}
    assert verdicts["jane@corp.example"].kind == "person"
    assert verdicts["noreply@svc.example"].kind == "notification"
    for verdict in verdicts.values():
        assert problem in verdict.reason, verdict.reason
    assert fake_openai.stats.calls == 3  # asked once, then again in two halves
    assert {c.outcome for c in _calls(sessions, detector)} == {"invalid"}


def _calls(sessions: sessionmaker[Session], detector: Any) -> list[AiCall]:
    detector.usage()  # writes the ledger
    with sessions() as s:
        return list(s.scalars(select(AiCall).order_by(AiCall.id)))


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_a_malformed_classification_answer_leaves_the_conversations_to_the_local_model(
    sessions: sessionmaker[Session], ai_settings: Settings, fake_openai: FakeOpenAI, shape: str
) -> None:
    answer, _, problem = SHAPES[shape]
    company = make_company(sessions)
    ids = add_conversations(
        sessions,
        company.id,
        [("Billing question", "My invoice is charged twice."), ("Lunch?", "Free on Friday?")],
    )
    fake_openai.content = answer
    classify_pending(sessions, ai_settings, company.id)
    with sessions() as s:
        rows = s.execute(
            select(
                Conversation.status, Conversation.folder_source, Conversation.status_reason
            ).where(Conversation.id.in_(ids))
        ).all()
    assert len(rows) == 2
    for status, source, reason in rows:
        assert status in ("classified", "unclassified")
        assert source == "local"
        assert reason.startswith("ai: ") and problem in reason, reason


def test_a_list_id_in_a_detection_answer_no_longer_stops_the_import(
    sessions: sessionmaker[Session], ai_settings: Settings, fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    # Case 5 of issue 8: `"i": [0]` raised TypeError in the validator and the import stored
    # nothing.
    company = make_company(sessions)
    files = {
        f"m{i}.eml": make_message(
            msgid=f"<m{i}@corp.example>",
            sender=f"Person {i} <person{i}@corp{i}.example>",
            subject=f"Question {i}",
            minutes=i,
        )
        for i in range(5)
    }
    fake_openai.content = SHAPES["id as a list"][0]
    report = ingest(
        sessions,
        company.id,
        open_source(write_files(tmp_path / "mail", files)),
        settings=ai_settings,
        detector=make_detector(sessions, ai_settings),
    )
    assert report.new_messages == 5
    with sessions() as s:
        rules = s.execute(
            select(InboxMessage.notification_rule, InboxMessage.notification_reason)
        ).all()
    assert len(rules) == 5
    assert {rule for rule, _ in rules} == {"local-fallback"}
    assert all("missing from the answer" in reason for _, reason in rules)


def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], Any]:
    def rewrite(body: dict[str, Any]) -> Any:
        node: Any = body
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
        return body

    return rewrite


@pytest.mark.parametrize(
    "rewrite",
    [
        _set(("choices",), "x"),
        _set(("choices",), []),
        _set(("choices", 0), [1]),
        _set(("choices", 0, "message"), ["x"]),
        _set(("choices", 0, "message", "content"), 5),
        _set(("choices", 0, "message", "content"), {"results": []}),
        _set(("choices", 0, "message", "refusal"), {"why": "no"}),
        _set(("choices", 0, "finish_reason"), ["stop"]),
        _set(("usage",), [1]),
        lambda body: [body],
        lambda body: None,
    ],
)
def test_a_response_of_the_wrong_shape_is_an_invalid_answer_not_an_exception(
    sessions: sessionmaker[Session],
    ai_settings: Settings,
    fake_openai: FakeOpenAI,
    rewrite: Callable[[dict[str, Any]], Any],
) -> None:
    company = make_company(sessions)
    fake_openai.body = rewrite
    detector = make_detector(sessions, ai_settings)
    verdicts = detector.detect(company.id, [_sample("jane@corp.example", "Question")])
    verdict = verdicts["jane@corp.example"]
    # Either the answer was unusable, or (a broken usage block) the content was fine.
    assert verdict.rule in ("local-fallback", "ai")
    assert verdict.kind == "person"
    for call in _calls(sessions, detector):
        assert call.input_tokens >= 0 and call.output_tokens >= 0


def test_token_counts_of_the_wrong_type_or_size_are_recorded_as_zero(
    sessions: sessionmaker[Session], ai_settings: Settings, fake_openai: FakeOpenAI
) -> None:
    company = make_company(sessions)
    fake_openai.body = _set(
        ("usage",),
        {
            "prompt_tokens": 10**30,
            "completion_tokens": -5,
            "total_tokens": True,
            "prompt_tokens_details": {"cached_tokens": "many"},
        },
    )
    detector = make_detector(sessions, ai_settings)
    verdicts = detector.detect(company.id, [_sample("jane@corp.example", "Question")])
    assert verdicts["jane@corp.example"].rule == "ai"  # the content itself was valid
    [call] = _calls(sessions, detector)
    assert (call.input_tokens, call.output_tokens, call.cached_tokens) == (0, 0, 0)
    assert call.outcome == "ok"
