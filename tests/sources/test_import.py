"""A hostile Maildir through `Inbox.import_path`: good mail stored, nothing from outside stored."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from inboxsync.api import Inbox
from inboxsync.config import Settings
from inboxsync.db.models import InboxMessage, Quarantine
from inboxsync.sources.local import open_source
from tests.sources.helpers import SECRET, make_special, message, outside_secrets, read_all

LIMIT = 4096
BIG = message(9, body="z" * (3 * LIMIT))
GOOD = {"cur/1.eml", "cur/2.eml", "new/3.eml", ".Sent/cur/4.eml"}
REFUSED = {
    "cur/leak.eml": "symbolic link: not followed",
    ".Stolen": "symbolic link: not followed",
    "new/pipe": "not a regular file: fifo",
}


def hostile_maildir(base: Path) -> Path:
    secret, outside = outside_secrets(base)
    root = base / "Maildir"
    for folder in ("", ".Sent"):
        for sub in ("cur", "new", "tmp"):
            (root / folder / sub).mkdir(parents=True)
    for number, ref in enumerate(sorted(GOOD), start=1):
        (root / ref).write_bytes(message(number))
    (root / "cur" / "big.eml").write_bytes(BIG)
    (root / "cur" / "leak.eml").symlink_to(secret)
    (root / ".Stolen").symlink_to(outside, target_is_directory=True)
    make_special(root / "new" / "pipe", "fifo")
    return root


def stored(inbox: Inbox) -> tuple[list[InboxMessage], list[Quarantine]]:
    with inbox.sessions() as session:
        messages = list(session.scalars(select(InboxMessage)))
        quarantine = list(session.scalars(select(Quarantine)))
        session.expunge_all()
    return messages, quarantine


def test_hostile_maildir_imports_good_mail_and_nothing_from_outside(
    db_url: str, tmp_path: Path
) -> None:
    root = hostile_maildir(tmp_path)
    inbox = Inbox(Settings(db=db_url, max_message_bytes=LIMIT))
    inbox.add_company("Acme", ["support@acme.example"])

    seen = read_all(open_source(root, max_message_bytes=LIMIT))
    report = inbox.import_path("Acme", root)
    messages, quarantine = stored(inbox)

    assert seen.skipped == REFUSED
    assert report.new_messages == len(GOOD)
    assert {m.source_ref for m in messages} == GOOD
    [big] = quarantine
    assert big.source_ref == "cur/big.eml" and big.headers_only
    assert big.raw == BIG[: BIG.index(b"\n\n") + 2]
    assert big.reason == (
        f"message of {len(BIG)} bytes is over the {LIMIT}-byte limit: headers kept, body not read"
    )
    texts = [f"{m.message_id} {m.subject} {m.body_text} {m.body_html}" for m in messages]
    assert not any(SECRET.decode() in text or "evil.example" in text for text in texts)
    assert SECRET not in big.raw

    again = inbox.import_path("Acme", root)

    assert again.new_messages == 0
    assert [len(rows) for rows in stored(inbox)] == [len(GOOD), 1]
