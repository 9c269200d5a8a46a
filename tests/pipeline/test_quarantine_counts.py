"""Quarantine rows are one per failure, the report counts the rows it added, and a re-import
adds none and says so."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from inboxsync.api import Inbox
from inboxsync.config import Settings
from inboxsync.db.models import Quarantine
from tests.factories import make_message, write_files


def test_distinct_failures_are_distinct_rows_and_a_reimport_adds_none(
    db_url: str, tmp_path: Path
) -> None:
    inbox = Inbox(Settings(db=db_url))
    inbox.add_company("Acme", ["support@acme.example"])
    folder = write_files(
        tmp_path / "mail",
        {
            "empty-1": b"",
            "empty-2": b"",
            "garbage": b"\x00\x01\x02 no header here",
            "garbage-again": b"\x00\x01\x02 no header here",
            "good": make_message(msgid="<good@client.example>"),
        },
    )
    first = inbox.import_path("Acme", folder)
    with inbox.sessions() as session:
        rows = session.execute(select(Quarantine.source_ref, Quarantine.reason)).all()
    # The two empty files are two failures (keyed by path); the same garbage twice is one.
    assert sorted(ref for ref, _ in rows) == ["empty-1", "empty-2", "garbage"]
    assert first.quarantined == len(rows) == 3
    assert first.fetched == first.new_messages + first.duplicates + first.quarantined == 5

    again = inbox.import_path("Acme", folder)
    assert again.quarantined == 0 and again.new_messages == 0
    assert again.duplicates == again.fetched == 5
    with inbox.sessions() as session:
        assert len(session.scalars(select(Quarantine.id)).all()) == 3
