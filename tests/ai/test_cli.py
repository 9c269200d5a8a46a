"""The AI commands as an operator runs them: one JSON object with --json, one-line errors with
an exit code."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.db.models import Conversation
from tests.ai.conftest import add_conversations, make_company
from tests.support.cli import assert_one_line_error, invoke, ok
from tests.support.fake_openai import FakeOpenAI

# The fast local model: the tests stay quick.
LOCAL = {"INBOXSYNC_AI_LOCAL_MODEL": "hashing"}


def test_classify_folder_set_and_costs(
    sessions: sessionmaker[Session], db_url: str, fake_openai: FakeOpenAI
) -> None:
    company = make_company(sessions)
    ids = add_conversations(
        sessions, company.id, [("Billing issue", "my billing"), ("Delivery", "late Delivery")]
    )
    ai_env = LOCAL | {"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": fake_openai.url}
    result = json.loads(
        ok(invoke("classify", "--company", "acme", "--json", db=db_url, env=ai_env))
    )
    assert result["ai"]["calls"] == 1 == fake_openai.stats.calls
    assert result["conversations"] == {"classified": 2}
    assert result["requeued"] == 0

    ok(invoke("folder", "set", str(ids[0]), "Support", "--company", "acme", db=db_url, env=LOCAL))
    with sessions() as s:
        row = s.execute(
            select(Conversation.folder_id, Conversation.folder_source).where(
                Conversation.id == ids[0]
            )
        ).one()
    assert tuple(row) == (company.folders["Support"], "user")
    out = invoke("folder", "set", str(ids[0]), "Nowhere", "--company", "acme", db=db_url)
    assert out.exit_code == 2
    assert_one_line_error(out.stderr, "no folder 'Nowhere' in this company")

    costs = json.loads(
        ok(invoke("costs", "--company", "acme", "--since", "2000-01-01", "--json", db=db_url))
    )
    assert [(r["purpose"], r["calls"]) for r in costs["rows"]] == [("classify", 1)]
    assert costs["total_usd"] > 0


def test_eval_classifier_prints_one_json_object(tmp_path: Path) -> None:
    folders = tmp_path / "folders.json"
    folders.write_text(
        json.dumps(
            {"shop": {"billing": "invoices and payments", "delivery": "parcels and shipping"}}
        )
    )
    data = tmp_path / "set.jsonl"
    rows = [
        {
            "id": 1,
            "subject": "Invoice",
            "body": "my invoice payment failed",
            "language": "en",
            "folder": "billing",
        },
        {
            "id": 2,
            "subject": "Colis",
            "body": "parcel shipping is late",
            "language": "fr",
            "folder": "delivery",
        },
        {
            "id": 3,
            "subject": "Hello",
            "body": "payments and invoices",
            "language": "fr",
            "folder": "delivery",
        },
    ]
    data.write_text("\n".join(json.dumps(r) for r in rows))
    out = invoke(
        "eval-classifier",
        "--folders",
        str(folders),
        "--set",
        "shop",
        str(data),
        "--provider",
        "local",
        "--json",
        env=LOCAL,
    )
    report = json.loads(ok(out))
    assert report["n"] == 3 and report["provider"] == "local"
    assert set(report["by_language"]) == {"en", "fr"}
    # The third row reads like billing but is labelled delivery: one confusion, 2 of 3 right.
    assert report["accuracy"] == round(2 / 3, 4)
    assert report["confused"] == [{"expected": "delivery", "predicted": "billing", "count": 1}]
    assert report["by_language"]["en"] == {
        "n": 1,
        "accuracy": 1.0,
        "coverage": 1.0,
        "precision": 1.0,
    }
    assert (report["coverage"], report["precision"]) == (1.0, round(2 / 3, 4))
    out = invoke("eval-classifier", "--folders", str(folders), "--set", "nope", str(data))
    assert out.exit_code == 2
    assert_one_line_error(out.stderr, "no folder set 'nope'")
    out = invoke("eval-classifier", "--folders", str(folders), "--set", "shop", str(data),
                 "--provider", "magic")  # fmt: skip
    assert out.exit_code == 2
    assert_one_line_error(out.stderr, "provider is local or openai, not 'magic'")
