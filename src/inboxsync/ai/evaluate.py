"""Scoring a provider on a labeled set (`id`, `subject`, `body`, `language`, `folder` per
line; folders from a JSON file of sets, each mapping folder names to descriptions)."""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from inboxsync.ai.ledger import usage_of
from inboxsync.ai.provider import AiProvider
from inboxsync.ai.text import clean
from inboxsync.ai.types import ConversationItem, FolderDef
from inboxsync.errors import UsageError


@dataclass(frozen=True, slots=True)
class LabeledRow:
    id: str
    subject: str
    body: str
    language: str
    folder: str


@dataclass(frozen=True)
class EvalReport:
    """How a provider did on a labeled set. Abstentions count as wrong in `accuracy`."""

    set: str
    provider: str
    model: str
    n: int
    accuracy: float
    abstained: int
    by_language: dict[str, dict[str, float]] = field(default_factory=dict)
    confused: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    per_second: float = 0.0
    ai_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_folder_set(path: Path, name: str) -> list[FolderDef]:
    """The folders of set `name`, with ids 1…n in file order."""
    try:
        sets = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read folders from {path}: {exc}") from exc
    if name not in sets:
        raise UsageError(f"no folder set {name!r} in {path} (has {', '.join(sorted(sets))})")
    return [
        FolderDef(id=i, name=fname, description=str(desc))
        for i, (fname, desc) in enumerate(sets[name].items(), start=1)
    ]


def load_rows(path: Path) -> list[LabeledRow]:
    """The labeled rows of a JSON-lines file."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc}") from exc
    rows: list[LabeledRow] = []
    for line in lines:
        if line.strip():
            d = json.loads(line)
            rows.append(
                LabeledRow(
                    id=str(d.get("id", len(rows))),
                    subject=str(d.get("subject", "")),
                    body=str(d.get("body", "")),
                    language=str(d.get("language", "")),
                    folder=str(d["folder"]),
                )
            )
    return rows


def evaluate(
    provider: AiProvider,
    folders: list[FolderDef],
    rows: list[LabeledRow],
    *,
    set_name: str = "",
    text_chars: int = 600,
) -> EvalReport:
    """Classify every row with `provider` and score the answers against the labels."""
    by_id = {f.id: f.name for f in folders}
    unknown = {r.folder for r in rows} - set(by_id.values())
    if unknown:
        raise UsageError(f"labels not among the folders: {', '.join(sorted(unknown))}")
    items = [
        ConversationItem(
            key=i,
            subject=clean(r.subject, 300),
            text=clean(r.body, text_chars),
            language=r.language,
        )
        for i, r in enumerate(rows)
    ]
    start = time.perf_counter()
    result = provider.classify(items, folders, cache_key=f"inboxsync:eval:{set_name}")
    seconds = time.perf_counter() - start
    right = abstained = 0
    langs: dict[str, list[int]] = {}
    confused: Counter[tuple[str, str]] = Counter()
    for i, row in enumerate(rows):
        answer = result.answers.get(i)
        predicted = by_id.get(answer.folder_id) if answer and answer.folder_id else None
        ok = predicted == row.folder
        right += ok
        if predicted is None:
            abstained += 1
        elif not ok:
            confused[(row.folder, predicted)] += 1
        langs.setdefault(row.language or "?", []).append(int(ok))
    usage = usage_of(result.calls)
    n = len(rows)
    return EvalReport(
        set=set_name,
        provider=provider.name,
        model=provider.model,
        n=n,
        accuracy=round(right / n, 4) if n else 0.0,
        abstained=abstained,
        by_language={
            lang: {"n": len(v), "accuracy": round(sum(v) / len(v), 4)}
            for lang, v in sorted(langs.items())
        },
        confused=[
            {"expected": e, "predicted": p, "count": c} for (e, p), c in confused.most_common(5)
        ],
        seconds=round(seconds, 3),
        per_second=round(n / seconds, 2) if seconds else 0.0,
        ai_calls=usage.calls,
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cost_usd=usage.cost_usd,
    )
