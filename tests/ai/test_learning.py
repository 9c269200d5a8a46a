"""The local model's learnt layer and the learning curve: no examples leave the zero-shot answers
as they were, corrections move the answers (and the reason says so), and on the shared labeled
sets ten corrections per folder raise the accuracy (the default model)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest

from inboxsync.ai.evaluate import LabeledRow, learning_curve, load_folder_set, load_rows
from inboxsync.ai.local_provider import LocalProvider
from inboxsync.ai.types import ConversationItem, FolderDef
from inboxsync.config import Settings
from tests.ai.test_local import CountingEmbedder
from tests.conftest import shared_path
from tests.support.cli import assert_one_line_error, invoke, ok

HASHING = Settings(ai={"local_model": "hashing"})
FOLDERS = [
    FolderDef(1, "Kitchen", "recipes and cooking"),
    FolderDef(2, "Garden", "plants outside"),
    FolderDef(3, "Billing", "invoices and payments"),
]
PROBES = [
    ConversationItem(1, "zucchini recipes", "zucchini"),
    ConversationItem(2, "Invoice", "my invoice payment failed"),
    ConversationItem(3, "Roses", "pruning the roses outside"),
    ConversationItem(4, "Dinner", "a recipe for soup"),
]

# The default model (USE) on the whole sets, 10 draws from seed 0: (accuracy floor after 10
# examples per folder, floor of its gain over none), just below what was measured (docs/ai.md:
# 0.928 and +9.1, 0.567 and +9.6, 0.374 and +6.8, short of the +10 the issue asked for).
CURVE_FLOORS = {
    "ecommerce_en": (0.91, 0.07),
    "helpdesk_multilingual": (0.54, 0.07),
    "enron_real_en": (0.35, 0.04),
}


def _vectors(provider: LocalProvider, texts: list[str]) -> list[np.ndarray]:  # type: ignore[type-arg]
    return list(provider.embed([ConversationItem(i, t, t) for i, t in enumerate(texts)]))


def test_no_examples_leave_the_zero_shot_answers_unchanged() -> None:
    untaught = LocalProvider(HASHING).classify(PROBES, FOLDERS)
    provider = LocalProvider(HASHING)
    vectors = provider.embed(PROBES)
    expected = [FOLDERS[i].id for i in np.argmax(provider.zero_shot(vectors, FOLDERS), axis=1)]
    assert [untaught.answers[it.key].folder_id for it in PROBES] == expected
    zucchini = _vectors(provider, ["zucchini harvest", "zucchini recipes"])
    provider.learn({})
    assert provider.classify(PROBES, FOLDERS).answers == untaught.answers
    provider.learn({2: zucchini})  # too few to count: ai.learn_min_examples is 3
    assert provider.classify(PROBES, FOLDERS).answers == untaught.answers
    provider.learn({2: zucchini * 2})
    assert provider.classify(PROBES, FOLDERS).answers != untaught.answers
    provider.learn({})  # forgotten
    assert provider.classify(PROBES, FOLDERS).answers == untaught.answers


def test_corrections_move_the_answer_and_the_reason_says_the_learnt_layer_decided() -> None:
    provider = LocalProvider(HASHING)
    before = provider.classify(PROBES, FOLDERS).answers
    assert before[1].folder_id == 1 and before[1].reason == "local"  # the description's words
    provider.learn({2: _vectors(provider, [f"zucchini recipes {w}" for w in "abc"])})
    after = provider.classify(PROBES, FOLDERS).answers
    assert after[1].folder_id == 2  # this company files zucchini under Garden
    assert after[1].reason == "local: learnt from 3 examples"
    assert after[2] == before[2]  # invoices: nothing learnt moved them, the same answer
    assert all(0.0 <= a.confidence <= 1.0 for a in after.values())


def _rows(per_folder: int) -> list[LabeledRow]:
    words = {"billing": "invoice payment charge", "delivery": "parcel shipping courier"}
    return [
        LabeledRow(f"{folder}{i}", f"{text.split()[i % 3]} {i}", f"{text} {i}", "en", folder)
        for folder, text in words.items()
        for i in range(per_folder)
    ]


def test_the_curve_scores_the_same_rows_at_every_point_and_embeds_each_row_once() -> None:
    embedder = CountingEmbedder()
    provider = LocalProvider(HASHING, embedder)
    # Descriptions that mislead the zero-shot (parcels under billing), for the examples to fix.
    folders = [FolderDef(1, "billing", "parcels"), FolderDef(2, "delivery", "money")]
    rows = _rows(12)  # 12 a folder: samples of at most 7, leaving 5 to score
    curve = learning_curve(provider, folders, rows, per_folder=(0, 5, 10), seed=3, draws=4)
    assert embedder.embedded == len(rows)
    assert [p.per_folder for p in curve.points] == [0, 5, 10]
    assert [p.examples for p in curve.points] == [0, 10, 14]
    assert {p.report.n for p in curve.points} == {4 * 2 * 5}
    assert (curve.seed, curve.draws) == (3, 4)
    again = learning_curve(provider, folders, rows, per_folder=(0, 5, 10), seed=3, draws=4)
    scores = [(p.report.accuracy, p.report.abstained, p.report.confused) for p in curve.points]
    assert [(p.report.accuracy, p.report.abstained, p.report.confused) for p in again.points] == (
        scores  # seeded draws, a deterministic fit
    )
    assert scores[2][0] > scores[0][0]  # it learns


@pytest.mark.parametrize("name", sorted(CURVE_FLOORS))
def test_ten_corrections_per_folder_raise_the_accuracy_on_the_labeled_sets(name: str) -> None:
    provider = LocalProvider(Settings())
    labeled = shared_path("labeled")
    floor, gain = CURVE_FLOORS[name]
    folders = load_folder_set(labeled / "folders.json", name)
    rows = load_rows(labeled / f"{name}.jsonl")
    curve = learning_curve(provider, folders, rows, per_folder=(0, 10), set_name=name)
    print(json.dumps(curve.as_dict()))  # reported in the test log (-s / -rA)
    zero, ten = (p.report for p in curve.points)
    assert zero.n == ten.n
    assert ten.accuracy >= floor, ten
    assert ten.accuracy - zero.accuracy >= gain, (zero, ten)


def test_eval_classifier_learning_curve_from_the_command_line(tmp_path: Path) -> None:
    folders = tmp_path / "folders.json"
    folders.write_text(json.dumps({"shop": {"billing": "money", "delivery": "parcels"}}))
    data = tmp_path / "set.jsonl"
    data.write_text("\n".join(json.dumps(asdict(r)) for r in _rows(8)))
    args = ("eval-classifier", str(data), "--folders", str(folders), "--set", "shop")
    env = {"INBOXSYNC_AI_LOCAL_MODEL": "hashing"}
    curve = json.loads(ok(invoke(*args, "--learning-curve", "--seed", "7", "--json", env=env)))
    assert (curve["set"], curve["provider"], curve["seed"]) == ("shop", "local", 7)
    points = curve["points"]
    assert [p["per_folder"] for p in points] == [0, 5, 10, 20]
    assert [p["examples"] for p in points] == [0, 6, 6, 6]  # 8 a folder, 5 kept to score
    assert {p["report"]["n"] for p in points} == {curve["draws"] * 2 * 5}
    table = ok(invoke(*args, "--learning-curve", env=env))
    assert "shop: learning curve (local/hashing-3-5)" in table and "accuracy" in table
    out = invoke(*args, "--learning-curve", "--provider", "openai", env=env)
    assert out.exit_code == 2
    assert_one_line_error(out.stderr, "local provider only")
