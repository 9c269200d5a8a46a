"""Checking a model's answer against what was asked: AI output is untrusted data.

Every field is checked for its type before it is used (a bool is not an id, a float or a
string is not an id, a list is not a kind); an answer of the wrong shape becomes a problem of
its item, or MalformedAnswer for the whole answer, never another exception.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, Literal, TypeVar

from inboxsync.ai.prompt import CONFIDENCE, DETECT_REASONS, NONE_FOLDER
from inboxsync.ai.types import FolderAnswer, FolderDef, SenderAnswer
from inboxsync.errors import MalformedAnswer

A = TypeVar("A")

_KINDS: dict[str, Literal["notification", "person"]] = {
    "notification": "notification",
    "person": "person",
}
_SHOWN_CHARS = 40


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        raise MalformedAnswer("an object repeats a key")
    return data


def _no_constant(name: str) -> Any:
    raise MalformedAnswer(f"not JSON: {name}")


def parse_results(content: str | None) -> list[Any]:
    """The `results` list of a structured answer; MalformedAnswer when there is none."""
    if not isinstance(content, str) or not content:
        raise MalformedAnswer("empty answer")
    try:
        data = json.loads(content, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except MalformedAnswer:
        raise
    except json.JSONDecodeError as exc:
        raise MalformedAnswer(f"not JSON: {exc.msg}") from None
    except (ValueError, RecursionError) as exc:
        # Integers of more than 4,300 digits, or nesting deeper than the stack.
        raise MalformedAnswer(f"not JSON: {type(exc).__name__}") from None
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise MalformedAnswer("no `results` list")
    return list(data["results"])


def shown(value: object) -> str:
    """A JSON value as a problem names it: short and printable, whatever it holds."""
    if isinstance(value, str):
        return ascii(value[:_SHOWN_CHARS])
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _item_id(result: object, n: int) -> int | None:
    """The id of one result when it is one we asked about (a real int, not a bool)."""
    if not isinstance(result, dict):
        return None
    i = result.get("i")
    if type(i) is not int or not 0 <= i < n:
        return None
    return i


def _validate(
    results: list[Any], n: int, fields: tuple[str, ...], read: Callable[[dict[str, Any]], A | str]
) -> tuple[dict[int, A], dict[int, str]]:
    """Answers by item index, and a problem for every index not answered exactly once, validly.
    `read` turns one result into an answer, or into a string describing what is wrong."""
    ids = [_item_id(result, n) for result in results]
    counts = Counter(i for i in ids if i is not None)
    allowed = {"i", *fields}
    answers: dict[int, A] = {}
    problems: dict[int, str] = {}
    for result, i in zip(results, ids, strict=True):
        if i is None:
            continue  # not an item we asked about: dropped (its item, if any, is missing)
        if counts[i] > 1:
            problems[i] = "answered more than once"
            continue
        extra = sorted(key for key in result if key not in allowed)
        if extra:
            problems[i] = f"unexpected field {shown(extra[0])}"
            continue
        answer = read(result)
        if isinstance(answer, str):
            problems[i] = answer
        else:
            answers[i] = answer
    for i in range(n):
        if i not in answers and i not in problems:
            problems[i] = "missing from the answer"
    return answers, problems


def validate_detect(results: list[Any], n: int) -> tuple[dict[int, SenderAnswer], dict[int, str]]:
    """Valid sender verdicts by item index, and what is wrong with the others.

    `kind` must be "notification" or "person"; `reason` must be a string, and one that is
    not a known reason code reads as "other"."""

    def read(r: dict[str, Any]) -> SenderAnswer | str:
        kind, reason = r.get("kind"), r.get("reason")
        known = _KINDS.get(kind) if isinstance(kind, str) else None
        if known is None:
            return f"invalid kind {shown(kind)}"
        if not isinstance(reason, str):
            return f"invalid reason {shown(reason)}"
        code = reason if reason in DETECT_REASONS else "other"
        return SenderAnswer(kind=known, reason=f"ai: {code}")

    return _validate(results, n, ("kind", "reason"), read)


def validate_classify(
    results: list[Any], n: int, folders: Sequence[FolderDef]
) -> tuple[dict[int, FolderAnswer], dict[int, str]]:
    """Valid folder decisions by item index (folders only from `folders`), and the problems.

    `folder` must be a folder code or NONE_FOLDER; `confidence` must be a string, and one
    that is not a known level reads as "low"."""
    by_code = {f.code: f.id for f in folders}

    def read(r: dict[str, Any]) -> FolderAnswer | str:
        code, confidence = r.get("folder"), r.get("confidence")
        if not isinstance(code, str) or (code != NONE_FOLDER and code not in by_code):
            return f"unknown folder {shown(code)}"
        if not isinstance(confidence, str):
            return f"invalid confidence {shown(confidence)}"
        level = CONFIDENCE.get(confidence, CONFIDENCE["low"])
        if code == NONE_FOLDER:
            return FolderAnswer(None, level, "ai: no folder fits")
        return FolderAnswer(by_code[code], level, "ai")

    return _validate(results, n, ("folder", "confidence"), read)
