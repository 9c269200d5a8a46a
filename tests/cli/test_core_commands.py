"""The CLI as an operator runs it: real processes, one-line errors, exit codes, one JSON object."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import make_message, write_files

REPORT_FIELDS = {
    "fetched",
    "duplicates",
    "new_messages",
    "new_conversations",
    "new_clients",
    "notifications",
    "quarantined",
    "db_round_trips",
    "commits",
    "ai_calls",
    "ai_input_tokens",
    "ai_output_tokens",
    "ai_cost_usd",
    "seconds",
}


def inboxsync(
    *args: str, db: str | None = None, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INBOXSYNC_", "OPENAI_"))}
    env.update(extra_env or {})
    prefix = ["--db", db] if db else []
    return subprocess.run(
        [sys.executable, "-m", "inboxsync", *prefix, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_import_json_prints_exactly_one_report_object(db_url: str, tmp_path: Path) -> None:
    assert (
        inboxsync(
            "company", "add", "Acme", "--address", "support@acme.example", db=db_url
        ).returncode
        == 0
    )
    folder = write_files(
        tmp_path / "mail",
        {
            "1.eml": make_message(msgid="<1@c.example>"),
            "2.eml": make_message(msgid="<2@c.example>", in_reply_to="<1@c.example>"),
            "bad.eml": b"\x00\x01 not mail",
        },
    )
    result = inboxsync("import", "--company", "Acme", str(folder), "--json", db=db_url)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report.keys() >= REPORT_FIELDS
    assert report["fetched"] == 3 and report["new_messages"] == 2 and report["quarantined"] == 1
    assert report["new_conversations"] == 1
    assert "total" in report["seconds"]

    listing = inboxsync("conversations", "--company", "Acme", "--json", db=db_url)
    [conversation] = json.loads(listing.stdout)
    assert conversation["messages"] == 2
    shown = inboxsync("show", str(conversation["id"]), "--json", db=db_url)
    assert [m["direction"] for m in json.loads(shown.stdout)["messages"]] == ["in", "in"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("import", "--company", "Nobody", "."), "unknown company"),
        (("show", "999"), "no conversation"),
        (("import", "--company", "Acme", "/does/not/exist"), "no such file"),
        (("import", "--company", "Acme", ".", "--batch-size", "0"), "batch-size"),
        (("frobnicate",), "no such command"),
    ],
)
def test_usage_errors_print_one_line_and_exit_2(
    db_url: str, args: tuple[str, ...], needle: str
) -> None:
    inboxsync("company", "add", "Acme", db=db_url)
    result = inboxsync(*args, db=db_url)
    assert result.returncode in (1, 2)
    if needle != "no such file":
        assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert needle in result.stderr.lower()
    assert "Traceback" not in result.stderr


def test_unmigrated_database_gets_a_one_line_hint(tmp_path: Path) -> None:
    result = inboxsync("conversations", "--company", "Acme", db=f"sqlite:///{tmp_path}/new.db")
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == "error: the database is not initialised: run `inboxsync init` first"
    )


def test_unreachable_database_is_one_line_exit_1() -> None:
    result = inboxsync("init", db="postgresql://postgres@127.0.0.1:1/none")
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "cannot reach the database" in result.stderr


def test_a_bad_setting_is_one_line_exit_2(tmp_path: Path) -> None:
    result = inboxsync(
        "init", db=f"sqlite:///{tmp_path}/x.db", extra_env={"INBOXSYNC_BATCH_SIZE": "lots"}
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: bad setting: batch_size")
    assert len(result.stderr.strip().splitlines()) == 1
