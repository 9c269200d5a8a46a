"""Checking a model's answer against what was asked: AI output is untrusted data."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from inboxsync.ai.prompt import CONFIDENCE, DETECT_REASONS, NONE_FOLDER
from inboxsync.ai.types import FolderAnswer, FolderDef, SenderAnswer

A = TypeVar("A")


class MalformedAnswer(ValueError):
    """The answer is not the JSON object the schema asks for."""


def parse_results(content: str | None) -> list[Any]:
    """The `results` list of a structured answer; MalformedAnswer when there is none."""
    if not content:
        raise MalformedAnswer("empty answer")
    try:
        data = json.loads(content)
    except json.JSONDecodeError as exc:
        raise MalformedAnswer(f"not JSON: {exc.msg}") from None
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise MalformedAnswer("no `results` list")
    return list(data["results"])


def _validate(
    results: list[Any], n: int, read: Callable[[dict[str, Any]], A | str]
) -> tuple[dict[int, A], dict[int, str]]:
    """Answers by item index, and a problem for every index not answered exactly once, validly.
    `read` turns one result into an answer, or into a string describing what is wrong."""
    counts = Counter(r.get("i") for r in results if isinstance(r, dict))
    answers: dict[int, A] = {}
    problems: dict[int, str] = {}
    for result in results:
        if not isinstance(result, dict):
            continue
        i = result.get("i")
        if not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < n:
            continue  # an id we never asked about: dropped
        if counts[i] > 1:
            problems[i] = "answered more than once"
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
    """Valid sender verdicts by item index, and what is wrong with the others."""

    def read(r: dict[str, Any]) -> SenderAnswer | str:
        kind, reason = r.get("kind"), r.get("reason")
        if kind not in ("notification", "person"):
            return f"invalid kind {str(kind)[:40]!r}"
        if reason not in DETECT_REASONS:
            reason = "other"
        return SenderAnswer(kind=kind, reason=f"ai: {reason}")

    return _validate(results, n, read)


def validate_classify(
    results: list[Any], n: int, folders: Sequence[FolderDef]
) -> tuple[dict[int, FolderAnswer], dict[int, str]]:
    """Valid folder decisions by item index (folders only from `folders`), and the problems."""
    by_code = {f.code: f.id for f in folders}

    def read(r: dict[str, Any]) -> FolderAnswer | str:
        code, confidence = r.get("folder"), r.get("confidence")
        if code == NONE_FOLDER:
            return FolderAnswer(None, CONFIDENCE.get(str(confidence), 0.5), "ai: no folder fits")
        if not isinstance(code, str) or code not in by_code:
            return f"unknown folder {str(code)[:40]!r}"
        return FolderAnswer(by_code[code], CONFIDENCE.get(str(confidence), 0.5), "ai")

    return _validate(results, n, read)
