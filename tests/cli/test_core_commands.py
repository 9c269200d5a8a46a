"""The mail commands as an operator runs them: one JSON object, one-line errors, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.factories import make_message, write_files
from tests.support.cli import assert_one_line_error, console_script, invoke, ok

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


def test_import_json_prints_exactly_one_report_object(db_url: str, tmp_path: Path) -> None:
    """In a process of its own: the console script, its parse workers and its exit."""
    ok(invoke("company", "add", "Acme", "--address", "support@acme.example", db=db_url))
    folder = write_files(
        tmp_path / "mail",
        {
            "1.eml": make_message(msgid="<1@c.example>"),
            "2.eml": make_message(msgid="<2@c.example>", in_reply_to="<1@c.example>"),
            "bad.eml": b"\x00\x01 not mail",
        },
    )
    result = console_script("import", "--company", "Acme", str(folder), "--json", db=db_url)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report.keys() >= REPORT_FIELDS
    assert report["fetched"] == 3 and report["new_messages"] == 2 and report["quarantined"] == 1
    assert report["new_conversations"] == 1
    assert "total" in report["seconds"]

    listing = ok(invoke("conversations", "--company", "Acme", "--json", db=db_url))
    [conversation] = json.loads(listing)
    assert conversation["messages"] == 2
    shown = json.loads(
        ok(invoke("show", str(conversation["id"]), "--company", "Acme", "--json", db=db_url))
    )
    assert [m["direction"] for m in shown["messages"]] == ["in", "in"]
    assert (shown["id"], shown["subject"]) == (conversation["id"], conversation["subject"])


def test_another_companys_conversation_is_a_one_line_not_found(db_url: str, tmp_path: Path) -> None:
    for company in ("Acme", "Globex"):
        ok(invoke("company", "add", company, db=db_url))
    mail = write_files(tmp_path / "mail", {"1.eml": make_message(msgid="<1@c.example>")})
    ok(invoke("import", "--company", "Globex", str(mail), db=db_url))
    [theirs] = json.loads(ok(invoke("conversations", "--company", "Globex", "--json", db=db_url)))
    for args in (("show", str(theirs["id"])), ("folder", "set", str(theirs["id"]), "none")):
        result = invoke(*args, "--company", "Acme", db=db_url)
        assert result.exit_code == 2
        assert_one_line_error(result.stderr, f"no conversation {theirs['id']} in this company")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("import", "--company", "Nobody", "."), "unknown company"),
        (("show", "999", "--company", "Acme"), "no conversation"),
        (("show", "999"), "missing option '--company'"),
        (("import", "--company", "Acme", ".", "--batch-size", "0"), "batch-size"),
        (("frobnicate",), "no such command"),
    ],
)
def test_usage_errors_print_one_line_and_exit_2(
    db_url: str, args: tuple[str, ...], needle: str
) -> None:
    ok(invoke("company", "add", "Acme", db=db_url))
    result = invoke(*args, db=db_url)
    assert result.exit_code == 2
    assert_one_line_error(result.stderr.lower(), needle)


def test_a_missing_import_path_is_one_line_exit_1(db_url: str) -> None:
    ok(invoke("company", "add", "Acme", db=db_url))
    result = invoke("import", "--company", "Acme", "/does/not/exist", db=db_url)
    assert result.exit_code == 1
    assert_one_line_error(result.stderr.lower(), "no such file")


def test_no_arguments_print_the_help_and_exit_0() -> None:
    for args in ((), ("company",), ("quarantine",)):
        result = invoke(*args)
        assert result.exit_code == 0 and "Usage: inboxsync" in result.stdout, result.output


def test_unmigrated_database_gets_a_one_line_hint(tmp_path: Path) -> None:
    result = invoke("conversations", "--company", "Acme", db=f"sqlite:///{tmp_path}/new.db")
    assert result.exit_code == 1
    assert (
        result.stderr.strip()
        == "error: the database is not initialised: run `inboxsync init` first"
    )


def test_unreachable_database_is_one_line_exit_1() -> None:
    result = invoke("init", db="postgresql://postgres@127.0.0.1:1/none")
    assert result.exit_code == 1
    assert_one_line_error(result.stderr, "cannot reach the database")


def test_a_bad_setting_is_one_line_exit_2(tmp_path: Path) -> None:
    result = invoke("init", db=f"sqlite:///{tmp_path}/x.db", env={"INBOXSYNC_BATCH_SIZE": "lots"})
    assert result.exit_code == 2
    assert_one_line_error(result.stderr, "bad setting: batch_size")
