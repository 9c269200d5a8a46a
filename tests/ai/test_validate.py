"""The validators of AI answers, on their own: every field checked for its type, and never an
exception but MalformedAnswer, whatever JSON (or text) a model sends."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inboxsync.ai.types import FolderAnswer, FolderDef, SenderAnswer
from inboxsync.ai.validate import parse_results, validate_classify, validate_detect
from inboxsync.errors import MalformedAnswer

FOLDERS = [FolderDef(1, "Billing", "invoices"), FolderDef(2, "Delivery", "parcels")]

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**63, max_value=2**200)
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(["notification", "person", "f1", "f2", "none", "high", "low", "other"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)
ITEM = st.dictionaries(
    st.sampled_from(["i", "kind", "reason", "folder", "confidence", "extra"]), JSON
) | st.fixed_dictionaries(
    {"i": st.integers(-2, 5) | JSON, "kind": JSON, "reason": JSON, "folder": JSON},
)
RESULTS = st.lists(ITEM | JSON, max_size=8)


def _check_partition(answers: dict[int, Any], problems: dict[int, str], n: int) -> None:
    assert set(answers) | set(problems) == set(range(n))
    assert not set(answers) & set(problems)
    for problem in problems.values():
        assert isinstance(problem, str) and problem.isprintable() and len(problem) < 200


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(RESULTS, st.integers(0, 6))
def test_detection_validator_answers_or_names_a_problem_for_every_id(
    results: list[Any], n: int
) -> None:
    answers, problems = validate_detect(results, n)
    _check_partition(answers, problems, n)
    for answer in answers.values():
        assert isinstance(answer, SenderAnswer)
        assert answer.kind in ("notification", "person")


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(RESULTS, st.integers(0, 6))
def test_classification_validator_answers_or_names_a_problem_for_every_id(
    results: list[Any], n: int
) -> None:
    answers, problems = validate_classify(results, n, FOLDERS)
    _check_partition(answers, problems, n)
    for answer in answers.values():
        assert isinstance(answer, FolderAnswer)
        assert answer.folder_id in (None, 1, 2)
        assert type(answer.confidence) is float and 0 <= answer.confidence <= 1


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(JSON | st.fixed_dictionaries({"results": RESULTS}))
def test_any_json_answer_parses_to_a_list_or_is_malformed(value: Any) -> None:
    try:
        results = parse_results(json.dumps(value))
    except MalformedAnswer:
        return
    assert isinstance(results, list)
    validate_detect(results, 3)
    validate_classify(results, 3, FOLDERS)


@given(st.text(max_size=300))
def test_any_text_parses_to_a_list_or_is_malformed(text: str) -> None:
    with contextlib.suppress(MalformedAnswer):
        assert isinstance(parse_results(text), list)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty answer"),
        ("[1]", "no `results` list"),
        ('{"results": {"0": 1}}', "no `results` list"),
        ('{"results": [{"i": ' + "9" * 5000 + "}]}", "not JSON"),
        ('{"results": [{"i": NaN}]}', "not JSON: NaN"),
        ('{"results": [{"i": Infinity}]}', "not JSON: Infinity"),
        ("[" * 100_000 + "]" * 100_000, "not JSON"),
        ('{"results": [], "results": [{"i": 0}]}', "repeats a key"),
        ('{"results": [{"i": 0, "kind": "person", "kind": "notification"}]}', "repeats a key"),
    ],
)
def test_answers_that_are_not_the_schemas_object_are_malformed(text: str, problem: str) -> None:
    with pytest.raises(MalformedAnswer, match=problem.replace("`", ".")):
        parse_results(text)


def _ok(i: Any) -> dict[str, Any]:
    return {"i": i, "kind": "person", "reason": "business_request"}


@pytest.mark.parametrize(
    ("results", "problem"),
    [
        ([_ok([0])], "missing from the answer"),  # case 5: a list id crashed the import
        ([_ok({"i": 0})], "missing from the answer"),
        ([_ok(False)], "missing from the answer"),  # a bool is not an int
        ([_ok(0.0)], "missing from the answer"),
        ([_ok("0")], "missing from the answer"),
        ([_ok(None)], "missing from the answer"),
        ([_ok(2**80)], "missing from the answer"),
        ([_ok(-1)], "missing from the answer"),
        ([_ok(0), _ok(0)], "answered more than once"),
        ([_ok(0), {**_ok(0), "kind": "notification"}], "answered more than once"),
        ([{**_ok(0), "kind": ["person"]}], "invalid kind a list"),
        ([{**_ok(0), "kind": None}], "invalid kind null"),
        ([{**_ok(0), "kind": True}], "invalid kind true"),
        ([{**_ok(0), "kind": "robot"}], "invalid kind 'robot'"),
        ([{**_ok(0), "kind": "\ud800\x00" * 100}], "invalid kind '\\ud800\\x00"),
        ([{**_ok(0), "reason": {"code": "other"}}], "invalid reason an object"),
        ([{**_ok(0), "reason": 7}], "invalid reason a number"),
        ([{"i": 0, "kind": "person"}], "invalid reason null"),
        ([{**_ok(0), "note": "x"}], "unexpected field 'note'"),
        (["person", 0, None, [_ok(0)]], "missing from the answer"),
    ],
)
def test_every_field_of_a_detection_answer_is_checked_for_its_type(
    results: list[Any], problem: str
) -> None:
    answers, problems = validate_detect(results, 1)
    assert answers == {}
    assert problems[0].startswith(problem)


def test_a_valid_detection_answer_beside_broken_ones_is_kept() -> None:
    results = [_ok([0]), {**_ok(1), "kind": "notification"}, _ok(True), "junk"]
    answers, problems = validate_detect(results, 3)
    assert answers == {1: SenderAnswer("notification", "ai: business_request")}
    assert problems == {0: "missing from the answer", 2: "missing from the answer"}


def test_an_unknown_reason_code_reads_as_other() -> None:
    answers, _ = validate_detect([{**_ok(0), "reason": "because"}], 1)
    assert answers[0] == SenderAnswer("person", "ai: other")


def _filed(folder: Any = "f1", confidence: Any = "high", **extra: Any) -> dict[str, Any]:
    return {"i": 0, "folder": folder, "confidence": confidence, **extra}


@pytest.mark.parametrize(
    ("result", "problem"),
    [
        ({**_filed(), "i": [0]}, "missing from the answer"),
        ({**_filed(), "i": True}, "missing from the answer"),
        ({**_filed(), "i": 0.5}, "missing from the answer"),
        (_filed(folder=["f1"]), "unknown folder a list"),
        (_filed(folder=1), "unknown folder a number"),
        (_filed(folder=None), "unknown folder null"),
        (_filed(folder="f999999"), "unknown folder 'f999999'"),
        (_filed(folder="Billing"), "unknown folder 'Billing'"),
        (_filed(confidence=0.9), "invalid confidence a number"),
        (_filed(confidence=["high"]), "invalid confidence a list"),
        (_filed(confidence=None), "invalid confidence null"),
        (_filed(folder="none", confidence={"x": 1}), "invalid confidence an object"),
        (_filed(why="because"), "unexpected field 'why'"),
    ],
)
def test_every_field_of_a_classification_answer_is_checked_for_its_type(
    result: dict[str, Any], problem: str
) -> None:
    answers, problems = validate_classify([result], 1, FOLDERS)
    assert answers == {}
    assert problems[0].startswith(problem)


def test_classification_answers_use_only_the_folders_asked_about() -> None:
    results = [_filed(), {**_filed("none", "low"), "i": 1}, {**_filed("f2", "sure"), "i": 2}]
    answers, problems = validate_classify(results, 3, FOLDERS)
    assert problems == {}
    assert answers == {
        0: FolderAnswer(1, 0.9, "ai"),
        1: FolderAnswer(None, 0.5, "ai: no folder fits"),
        2: FolderAnswer(2, 0.5, "ai"),
    }
