"""Two processes importing overlapping mail at once end with the conversations one process
makes: a reply whose parent is stored sits in its parent's conversation, whatever the order."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from inboxsync.db.engine import normalize_url
from inboxsync.demo.synthetic import synthetic_messages
from tests.factories import cli_env, write_files

COMPANY = ["company", "add", "Acme", "--address", "support@acme.example"]


def _cli(db: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "inboxsync", "--db", db, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env({"INBOXSYNC_PARSE_WORKERS": "1"}),
    )


def _wait(process: subprocess.Popen[str]) -> str:
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    return out


def _conversations(db: str) -> set[frozenset[str]]:
    """The conversations as sets of message keys (ids differ between databases)."""
    engine = create_engine(normalize_url(db))
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT conversation_id, message_key FROM inbox_messages"))
        groups: dict[int, set[str]] = {}
        for conversation_id, key in rows:
            groups.setdefault(conversation_id, set()).add(key)
    engine.dispose()
    return {frozenset(keys) for keys in groups.values()}


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_two_importers_in_opposite_orders_make_the_conversations_of_one(
    kind: str, new_database: Callable[[str], str], tmp_path: Path
) -> None:
    mail = list(synthetic_messages(600, seed=11))
    forward = write_files(tmp_path / "forward", {f"{i:04}": raw for i, (_, raw) in enumerate(mail)})
    backward = write_files(
        tmp_path / "backward", {f"{len(mail) - i:04}": raw for i, (_, raw) in enumerate(mail)}
    )
    sequential, concurrent = new_database(kind), new_database(kind)
    for db in (sequential, concurrent):
        _wait(_cli(db, *COMPANY))
    _wait(_cli(sequential, "import", "--company", "Acme", str(forward), "--json"))

    importers = [
        _cli(concurrent, "import", "--company", "Acme", str(path), "--batch-size", "5", "--json")
        for path in (forward, backward)
    ]
    reports = [json.loads(_wait(process)) for process in importers]

    expected = _conversations(sequential)
    assert sum(r["new_messages"] for r in reports) == sum(len(c) for c in expected)
    assert _conversations(concurrent) == expected
