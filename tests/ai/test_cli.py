"""The AI commands as an operator runs them: real processes, one JSON object with --json,
one-line errors with an exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.db.models import Conversation
from tests.ai.conftest import add_conversations, make_company
from tests.support.fake_openai import FakeOpenAI


def run(
    *args: str, db: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("INBOXSYNC_", "OPENAI_"))}
    clean["INBOXSYNC_AI_LOCAL_MODEL"] = "hashing"
    clean.update(env or {})
    prefix = ["--db", db] if db else []
    return subprocess.run(
        [sys.executable, "-m", "inboxsync", *prefix, *args],
        capture_output=True,
        text=True,
        env=clean,
        timeout=120,
        check=False,
    )


def test_classify_folder_set_and_costs(
    sessions: sessionmaker[Session], db_url: str, fake_openai: FakeOpenAI
) -> None:
    company = make_company(sessions)
    ids = add_conversations(
        sessions, company.id, [("Billing issue", "my billing"), ("Delivery", "late Delivery")]
    )
    ai_env = {"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": fake_openai.url}
    out = run("classify", "--company", "acme", "--json", db=db_url, env=ai_env)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["ai"]["calls"] == 1 == fake_openai.stats.calls
    assert result["conversations"] == {"classified": 2}

    out = run("folder", "set", str(ids[0]), "Support", db=db_url)
    assert out.returncode == 0, out.stderr
    with sessions() as s:
        row = s.execute(
            select(Conversation.folder_id, Conversation.folder_source).where(
                Conversation.id == ids[0]
            )
        ).one()
    assert tuple(row) == (company.folders["Support"], "user")
    out = run("folder", "set", str(ids[0]), "Nowhere", db=db_url)
    assert out.returncode == 2 and out.stderr.startswith("error: no folder")

    out = run("costs", "--company", "acme", "--since", "2000-01-01", "--json", db=db_url)
    assert out.returncode == 0, out.stderr
    costs = json.loads(out.stdout)
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
    out = run(
        "eval-classifier",
        "--folders",
        str(folders),
        "--set",
        "shop",
        str(data),
        "--provider",
        "local",
        "--json",
    )
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["n"] == 3 and report["provider"] == "local"
    assert set(report["by_language"]) == {"en", "fr"}
    # The third row reads like billing but is labelled delivery: one confusion, 2 of 3 right.
    assert report["accuracy"] == round(2 / 3, 4)
    assert report["confused"] == [{"expected": "delivery", "predicted": "billing", "count": 1}]
    assert report["by_language"]["en"] == {"n": 1, "accuracy": 1.0}
    out = run("eval-classifier", "--folders", str(folders), "--set", "nope", str(data))
    assert out.returncode == 2 and "no folder set" in out.stderr
