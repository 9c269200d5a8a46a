"""`inboxsync merge|split|undo|mark-notification` end to end on both databases: one line
out, one line on stderr and exit 2 for what does not fit, another company's ids not found."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import Result

from inboxsync import Inbox, Settings
from tests.factories import make_message, write_files
from tests.support.cli import invoke, ok


@pytest.fixture
def db(db_url: str, tmp_path: Path) -> str:
    """Acme with "About a" (a0, a1 replying to it) and "About b"; Globex with nothing."""
    for company in ("Acme", "Globex"):
        ok(invoke("company", "add", company, "--address", f"support@{company}.example", db=db_url))
    mail = {
        "a0.eml": make_message(msgid="<a0@x>", subject="About a"),
        "a1.eml": make_message(
            msgid="<a1@x>", subject="Re: About a", in_reply_to="<a0@x>", minutes=1
        ),
        "b0.eml": make_message(msgid="<b0@x>", subject="About b", minutes=2),
    }
    ok(invoke("import", str(write_files(tmp_path / "mail", mail)), "--company", "Acme", db=db_url))
    return db_url


def ids(db: str) -> tuple[int, int, int]:
    """("About a", "About b", a1's message id)."""
    inbox = Inbox(Settings(db=db))
    try:
        found = {c.subject: c.id for c in inbox.conversations("Acme")}
        a, b = found["About a"], found["About b"]
        return a, b, inbox.conversation("Acme", a).messages[1].id
    finally:
        inbox.close()


def failed(result: Result) -> str:
    """The one line on stderr of a command refused as a usage error."""
    assert result.exit_code == 2, result.output
    assert result.stdout == "" and len(result.stderr.strip().splitlines()) == 1
    return result.stderr


def test_merge_then_undo(db: str) -> None:
    a, b, _ = ids(db)
    out = ok(invoke("merge", str(b), str(a), "--company", "Acme", db=db))
    assert out == f"merged conversation {b} into {a} (1 message): override 1\n"
    assert ok(invoke("undo", "1", "--company", "Acme", db=db)) == (
        "override 1 (merge) undone: 1 message put back\n"
    )
    assert "undone already" in failed(invoke("undo", "1", "--company", "Acme", db=db))


def test_split(db: str) -> None:
    a, _, a1 = ids(db)
    out = ok(invoke("split", str(a1), "--company", "Acme", db=db))
    assert out.startswith(f"split 1 message out of conversation {a} into ")
    assert len(out.splitlines()) == 1


def test_mark_notification_and_not(db: str) -> None:
    a, _, _ = ids(db)
    marked = ok(invoke("mark-notification", str(a), "--company", "Acme", db=db))
    assert marked.startswith(f"conversation {a} marked a notification")
    unmarked = ok(invoke("mark-notification", str(a), "--not", "--company", "Acme", db=db))
    assert unmarked.startswith(f"conversation {a} marked not a notification")


def test_another_companys_ids_are_one_line_errors(db: str) -> None:
    a, b, a1 = ids(db)
    ok(invoke("split", str(a1), "--company", "Acme", db=db))  # override 1, Acme's
    for args in (
        ["merge", str(b), str(a)],
        ["split", str(a1)],
        ["undo", "1"],
        ["mark-notification", str(a)],
    ):
        assert failed(invoke(*args, "--company", "Globex", db=db)).startswith("error: no ")
