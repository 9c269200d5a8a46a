"""`inboxsync receive`: a raw message from a file or piped in (as an MTA does, in a real
process) is stored for the company and its outcome printed; empty or oversized input is one
error line (the library behind it is tested on both databases in tests/operations)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inboxsync.api import Inbox
from inboxsync.config import Settings
from tests.factories import make_message
from tests.support.cli import assert_one_line_error, console_script, invoke, ok

MESSAGE = make_message(msgid="<piped@client.example>", subject="Piped in")


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    inbox = Inbox.initialise(Settings(db=url))
    inbox.add_company("Acme", ["support@acme.example"])
    inbox.close()
    return url


def test_a_piped_message_is_created_then_a_duplicate(url: str) -> None:
    first = console_script("receive", "--company", "Acme", "--json", db=url, stdin=MESSAGE)
    again = console_script("receive", "--company", "Acme", db=url, stdin=MESSAGE)
    assert first.returncode == 0, first.stderr
    created = json.loads(first.stdout)
    assert created["status"] == "created" and created["message_key"] == "piped@client.example"
    assert again.returncode == 0 and again.stdout.startswith(
        f"duplicate: message {created['message_id']} in conversation"
    )


def test_a_file_that_is_no_message_is_quarantined(url: str, tmp_path: Path) -> None:
    junk = tmp_path / "junk.eml"
    junk.write_bytes(b"\x00\x01 not mail")
    printed = ok(invoke("receive", "--company", "Acme", str(junk), db=url))
    inbox = Inbox(Settings(db=url))
    [entry] = inbox.quarantine("Acme")
    inbox.close()
    assert printed.startswith(f"quarantined as entry {entry.id}: ")
    assert entry.source_ref.startswith("receive:")


def test_empty_or_oversized_input_is_one_error_line(url: str) -> None:
    empty = console_script("receive", "--company", "Acme", db=url, stdin=b"")
    large = console_script(
        "receive",
        "--company",
        "Acme",
        db=url,
        stdin=MESSAGE + b"x" * 4096,
        env={"INBOXSYNC_API_MAX_RAW_MESSAGE_BYTES": "2048"},
    )
    assert empty.returncode == large.returncode == 2
    assert_one_line_error(empty.stderr, "empty")
    assert_one_line_error(large.stderr, "larger than 2048 bytes")
