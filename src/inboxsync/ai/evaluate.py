"""Scoring a provider on a labeled set (`id`, `subject`, `body`, `language`, `folder` per
line; folders from a JSON file of sets, each mapping folder names to descriptions)."""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inboxsync.ai.ledger import usage_of
from inboxsync.ai.provider import AiProvider
from inboxsync.ai.text import clean
from inboxsync.ai.types import BatchResult, ConversationItem, FolderAnswer, FolderDef
from inboxsync.errors import UsageError

if TYPE_CHECKING:  # numpy and the embeddings load with the local model
    from collections.abc import Sequence

    from inboxsync.ai.local_provider import LocalProvider

# The learning curve: examples learnt per folder at each point, the seeded draws pooled, and
# the rows a folder keeps to score however few it has.
CURVE_PER_FOLDER = (0, 5, 10, 20)
CURVE_DRAWS = 10
CURVE_KEEP = 5


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
    # The share of rows filed (not abstained on), and the share of those filed right.
    coverage: float
    precision: float
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


@dataclass(frozen=True)
class CurvePoint:
    """The score after learning `per_folder` examples of each folder (`examples` in all,
    averaged over the draws: a folder with few rows gives fewer)."""

    per_folder: int
    examples: float
    report: EvalReport


@dataclass(frozen=True)
class LearningCurve:
    """How the local model's accuracy grows with the company's corrections; every point scores
    the same rows (`report.n` answers: the scored rows of all draws)."""

    set: str
    provider: str
    model: str
    seed: int
    draws: int
    points: list[CurvePoint]

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
    _check_labels(folders, rows)
    start = time.perf_counter()
    result = provider.classify(
        _items(rows, text_chars), folders, cache_key=f"inboxsync:eval:{set_name}"
    )
    return _score(
        provider, folders, rows, result, set_name=set_name, seconds=time.perf_counter() - start
    )


def learning_curve(
    provider: LocalProvider,
    folders: list[FolderDef],
    rows: list[LabeledRow],
    *,
    per_folder: Sequence[int] = CURVE_PER_FOLDER,
    seed: int = 0,
    draws: int = CURVE_DRAWS,
    set_name: str = "",
    text_chars: int = 600,
) -> LearningCurve:
    """Replay corrections: for each k of `per_folder`, learn k seeded examples of each folder
    and score the rest. Every k scores the same rows of a draw (those outside its largest
    sample; a folder keeps at least `CURVE_KEEP` of its rows to score), samples are nested
    (the k=5 rows are among the k=10 rows), and `draws` draws (seeds `seed`, `seed`+1, …)
    are pooled. Each row is embedded once."""
    import numpy as np

    _check_labels(folders, rows)
    vectors = provider.embed(_items(rows, text_chars))
    names = [f.name for f in folders]
    draws_of = [_draw(rows, names, max(per_folder, default=0), seed + d) for d in range(draws)]
    points: list[CurvePoint] = []
    for k in per_folder:
        pooled: list[LabeledRow] = []
        result: BatchResult[int, FolderAnswer] = BatchResult()
        seconds = 0.0
        learnt = 0
        for order, scored in draws_of:
            sample = {folders[row].id: [vectors[i] for i in idx[:k]] for row, idx in order.items()}
            learnt += sum(len(v) for v in sample.values())
            provider.learn(sample, background=vectors)
            keys = list(range(len(pooled), len(pooled) + len(scored)))
            start = time.perf_counter()
            answers = provider.classify_vectors(keys, vectors[np.asarray(scored)], folders)
            seconds += time.perf_counter() - start
            result.answers.update(answers.answers)
            pooled += [rows[i] for i in scored]
        report = _score(provider, folders, pooled, result, set_name=set_name, seconds=seconds)
        points.append(CurvePoint(k, round(learnt / max(draws, 1), 1), report))
    provider.learn({})
    return LearningCurve(set_name, provider.name, provider.model, seed, draws, points)


def _draw(
    rows: list[LabeledRow], names: list[str], most: int, seed: int
) -> tuple[dict[int, list[int]], list[int]]:
    """One draw: per folder (by index), its rows in the seeded order that samples are taken
    from (at most `most`, leaving `CURVE_KEEP`), and the indexes of the rows left to score."""
    import numpy as np

    rng = np.random.default_rng(seed)
    order: dict[int, list[int]] = {}
    scored: list[int] = []
    for row, name in enumerate(names):
        idx = [int(i) for i in rng.permutation([i for i, r in enumerate(rows) if r.folder == name])]
        taken = max(0, min(most, len(idx) - CURVE_KEEP))
        order[row] = idx[:taken]
        scored += idx[taken:]
    return order, sorted(scored)


def _check_labels(folders: list[FolderDef], rows: list[LabeledRow]) -> None:
    unknown = {r.folder for r in rows} - {f.name for f in folders}
    if unknown:
        raise UsageError(f"labels not among the folders: {', '.join(sorted(unknown))}")


def _items(rows: list[LabeledRow], text_chars: int) -> list[ConversationItem]:
    return [
        ConversationItem(
            key=i,
            subject=clean(r.subject, 300),
            text=clean(r.body, text_chars),
            language=r.language,
        )
        for i, r in enumerate(rows)
    ]


def _score(
    provider: AiProvider,
    folders: list[FolderDef],
    rows: list[LabeledRow],
    result: BatchResult[int, FolderAnswer],
    *,
    set_name: str,
    seconds: float,
) -> EvalReport:
    """The answers (keyed by row index) scored against the rows' labels."""
    by_id = {f.id: f.name for f in folders}
    # Per language: (rows, filed, right).
    langs: dict[str, list[int]] = {}
    confused: Counter[tuple[str, str]] = Counter()
    for i, row in enumerate(rows):
        answer = result.answers.get(i)
        predicted = by_id.get(answer.folder_id) if answer and answer.folder_id else None
        ok = predicted == row.folder
        if predicted is not None and not ok:
            confused[(row.folder, predicted)] += 1
        counts = langs.setdefault(row.language or "?", [0, 0, 0])
        counts[0] += 1
        counts[1] += predicted is not None
        counts[2] += ok
    usage = usage_of(result.calls)
    n, filed, right = (sum(c[i] for c in langs.values()) for i in range(3))
    return EvalReport(
        set=set_name,
        provider=provider.name,
        model=provider.model,
        n=n,
        accuracy=_share(right, n),
        abstained=n - filed,
        coverage=_share(filed, n),
        precision=_share(right, filed),
        by_language={
            lang: {
                "n": rows_,
                "accuracy": _share(right_, rows_),
                "coverage": _share(filed_, rows_),
                "precision": _share(right_, filed_),
            }
            for lang, (rows_, filed_, right_) in sorted(langs.items())
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


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0
