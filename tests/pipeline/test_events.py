"""The event feed of imports: each change recorded once, in the batch's transaction, numbered
without gaps in commit order, even while several writers import for one company."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from inboxsync import Inbox
from inboxsync.db.api_models import Event
from inboxsync.db.events import read_events
from inboxsync.db.models import InboxMessage, utcnow
from inboxsync.demo.synthetic import synthetic_messages
from inboxsync.errors import UsageError
from tests.factories import write_files
from tests.pipeline.test_ingest import open_inbox


def feed(inbox: Inbox, company: str) -> list[tuple[int, str, int | None, int | None]]:
    """(seq, type, conversation id, message id) of every event of the company, in order."""
    with inbox.sessions() as session:
        rows = read_events(session, inbox.company_id(company), limit=1_000_000)
    return [(e.seq, e.type, e.conversation_id, e.message_id) for e in rows]


def test_an_import_records_each_message_and_conversation_once(db_url: str, tmp_path: Path) -> None:
    inbox = open_inbox(db_url, "Acme", "Other")
    mail = dict(synthetic_messages(300, seed=5))
    mail["garbage.eml"] = b"\x00\x01 not a message\n\n\xff"
    report = inbox.import_path("Acme", write_files(tmp_path / "mail", mail), batch_size=40)
    events = feed(inbox, "Acme")

    assert [seq for seq, *_ in events] == list(range(1, len(events) + 1))
    kinds = [kind for _, kind, *_ in events]
    assert kinds.count("message.created") == report.new_messages > 250
    assert kinds.count("message.quarantined") == report.quarantined == 1
    created = kinds.count("conversation.created")
    assert created == report.new_conversations + kinds.count("conversation.merged")
    with inbox.sessions() as session:
        stored = dict(session.execute(select(InboxMessage.id, InboxMessage.conversation_id)).all())
    messages = {m: c for _, kind, c, m in events if kind == "message.created"}
    assert set(messages) == set(stored)
    # A message's event names the conversation it was stored in then: where a later batch
    # merged that conversation, a conversation.merged event says into which.
    merged = {data_id for _, kind, data_id, _ in events if kind == "conversation.merged"}
    assert all(stored[m] == c or stored[m] in merged for m, c in messages.items())
    assert feed(inbox, "Other") == []

    again = inbox.import_path("Acme", tmp_path / "mail")
    assert again.new_messages == 0 and feed(inbox, "Acme") == events


def test_concurrent_imports_reach_a_polling_consumer_once_each_in_order(
    db_url: str, tmp_path: Path
) -> None:
    inbox = open_inbox(db_url, "Acme")
    sources = [
        write_files(tmp_path / f"part{i}", dict(synthetic_messages(120, seed=20 + i)))
        for i in range(2)
    ]
    seen: list[int] = []
    done = threading.Event()

    def consume() -> None:
        after = 0
        while not (done.is_set() and after == inbox.events("Acme", after=after).next_after):
            page = inbox.events("Acme", after=after, limit=7, wait=0.2)
            seen.extend(e.seq for e in page.events)
            after = page.next_after

    consumer = threading.Thread(target=consume)
    consumer.start()
    writers = [
        threading.Thread(target=inbox.import_path, args=("Acme", path), kwargs={"batch_size": 9})
        for path in sources
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    done.set()
    consumer.join(timeout=60)

    total = len(feed(inbox, "Acme"))
    assert total > 200
    assert seen == list(range(1, total + 1))


def test_the_feed_refuses_what_it_cannot_answer(db_url: str) -> None:
    inbox = open_inbox(db_url, "Acme")
    for bad in (
        {"types": ["message.deleted"]},
        {"limit": 0},
        {"wait": 61.0},
        {"after": -1},
    ):
        with pytest.raises(UsageError):
            inbox.events("Acme", **bad)  # type: ignore[arg-type]
    page = inbox.events("Acme", after=5, wait=0.05)
    assert (page.events, page.next_after) == ((), 5)


def test_the_schedule_round_deletes_events_past_their_retention(
    db_url: str, tmp_path: Path
) -> None:
    inbox = open_inbox(db_url, "Acme")
    inbox.import_path("Acme", write_files(tmp_path / "mail", dict(synthetic_messages(20, seed=9))))
    total = len(feed(inbox, "Acme"))
    with inbox.sessions.begin() as session:
        session.execute(
            update(Event).where(Event.seq <= 5).values(created_at=utcnow() - timedelta(days=91))
        )
    inbox.schedule_round()
    assert [seq for seq, *_ in feed(inbox, "Acme")] == list(range(6, total + 1))
    # The cursor goes on from where it was: no seq is given out twice.
    inbox.import_path("Acme", write_files(tmp_path / "more", dict(synthetic_messages(5, seed=10))))
    assert feed(inbox, "Acme")[-1][0] > total
