"""`inboxsync quarantine list|show|retry` over a database holding real quarantined imports
(the library behind them is tested on both databases in tests/db/test_quarantine.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inboxsync.api import Inbox
from inboxsync.config import Settings
from tests.factories import make_message, write_files
from tests.support.cli import assert_one_line_error, invoke

GARBAGE = b"\x00\x01 not mail \xff"
# Rich markup in a file name must be shown as it is.
JUNK = "[red]junk.eml"


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A SQLite database where Acme imported a garbage file and an mbox cut off in its
    second message, and Globex imported the garbage file too."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    inbox = Inbox.initialise(Settings(db=url))
    for company in ("Acme", "Globex"):
        inbox.add_company(company, [])
        inbox.import_path(company, write_files(tmp_path / company, {JUNK: GARBAGE}))
    reply = make_message(msgid="<2@client.example>", in_reply_to="<1@client.example>")
    (tmp_path / "box.mbox").write_bytes(
        b"From a@b Mon Jun  1 09:00:00 2026\n"
        + make_message(msgid="<1@client.example>")
        + b"\nFrom a@b Mon Jun  1 09:05:00 2026\n"
        + reply.rstrip(b"\n")
    )
    inbox.import_path("Acme", tmp_path / "box.mbox")
    inbox.close()
    return url


def entries(url: str, company: str) -> list[dict[str, object]]:
    result = invoke("quarantine", "list", "--company", company, "--json", db=url)
    assert result.exit_code == 0, result.output
    listed: list[dict[str, object]] = json.loads(result.stdout)["entries"]
    return listed


def test_list_prints_one_json_object_and_a_table_for_people(url: str) -> None:
    junk, cut_off = entries(url, "Acme")
    assert (junk["source_ref"], junk["size"], junk["cannot_retry"]) == (JUNK, len(GARBAGE), None)
    assert str(cut_off["reason"]).startswith("truncated mbox")
    table = invoke("quarantine", "list", "--company", "Acme", db=url)
    assert table.exit_code == 0
    assert JUNK in table.stdout and "truncated mbox" in table.stdout


def test_show_prints_the_entry_and_raw_writes_its_exact_bytes(url: str) -> None:
    junk, _ = entries(url, "Acme")
    shown = invoke("quarantine", "show", str(junk["id"]), "--company", "Acme", db=url)
    assert shown.exit_code == 0
    assert f"reason: {junk['reason']}" in shown.stdout and "headers_only: False" in shown.stdout
    raw = invoke("quarantine", "show", str(junk["id"]), "--company", "Acme", "--raw", db=url)
    assert raw.exit_code == 0 and raw.stdout_bytes == GARBAGE


def test_another_companys_entry_is_a_one_line_not_found(url: str) -> None:
    [theirs] = entries(url, "Globex")
    for args in (("show", str(theirs["id"])), ("retry", str(theirs["id"]))):
        result = invoke("quarantine", *args, "--company", "Acme", db=url)
        assert result.exit_code == 2
        assert_one_line_error(result.stderr, f"no quarantine entry {theirs['id']}")


def test_retry_reports_each_entry_and_stores_what_parses_now(url: str) -> None:
    junk, cut_off = entries(url, "Acme")
    result = invoke("quarantine", "retry", "--company", "Acme", "--json", db=url)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["stored"] == [cut_off["id"]]
    assert report["failed"] == [{"id": junk["id"], "reason": junk["reason"]}]
    assert report["run"]["new_messages"] == 1
    assert [e["id"] for e in entries(url, "Acme")] == [junk["id"]]

    again = invoke("quarantine", "retry", str(junk["id"]), "--company", "Acme", db=url)
    assert again.exit_code == 0
    assert "0 now stored" in again.stdout and "failed again" in again.stdout
