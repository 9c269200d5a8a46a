"""The pipeline's invariants: idempotent, nothing lost, tenants apart, constant round trips."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from inboxsync.api import Inbox
from inboxsync.config import Settings
from inboxsync.db.models import Client, Conversation, InboxMessage, Quarantine, SyncRun
from inboxsync.demo.synthetic import synthetic_messages
from inboxsync.errors import SourceError
from inboxsync.pipeline import ingest, write
from inboxsync.sources import RawBatch, RawMessage
from tests.factories import make_message, write_files


def open_inbox(db_url: str, *companies: str) -> Inbox:
    inbox = Inbox(Settings(db=db_url))
    for name in companies:
        inbox.add_company(name, [f"support@{name.lower()}.example"])
    return inbox


def count(inbox: Inbox, model: type, **where: object) -> int:
    with inbox.sessions() as session:
        query = select(func.count()).select_from(model)
        for column, value in where.items():
            query = query.where(getattr(model, column) == value)
        return int(session.scalar(query) or 0)


def synthetic_folder(tmp_path: Path, n: int, seed: int = 42) -> Path:
    return write_files(tmp_path / f"synthetic-{n}", dict(synthetic_messages(n, seed=seed)))


def test_reimport_adds_nothing(db_url: str, tmp_path: Path) -> None:
    inbox = open_inbox(db_url, "Acme")
    folder = synthetic_folder(tmp_path, 200)
    first = inbox.import_path("Acme", folder)
    tables = (InboxMessage, Conversation, Client, Quarantine)
    before = [count(inbox, t) for t in tables]
    second = inbox.import_path("Acme", folder)
    assert first.new_messages > 150
    assert second.new_messages == second.new_conversations == second.new_clients == 0
    assert second.duplicates == second.fetched == 200
    assert [count(inbox, t) for t in tables] == before


def test_every_file_ends_as_one_message_or_one_quarantine_row(db_url: str, tmp_path: Path) -> None:
    inbox = open_inbox(db_url, "Acme")
    files = {
        "ok-1.eml": make_message(msgid="<1@client.example>"),
        "ok-2.eml": make_message(msgid="<2@client.example>", subject="Another"),
        "same-as-ok-1.eml": make_message(msgid="<1@client.example>"),
        "empty.eml": b"",
        "garbage.bin": bytes(range(256)) * 4,
        "no-id.eml": make_message(msgid=None, subject="No id here"),
    }
    folder = write_files(tmp_path / "mixed", files)
    report = inbox.import_path("Acme", folder)
    stored = count(inbox, InboxMessage)
    quarantined = count(inbox, Quarantine)
    assert report.fetched == len(files)
    assert report.new_messages == stored == 3
    assert report.quarantined == quarantined == 2
    assert report.duplicates == 1
    assert stored + quarantined + report.duplicates == len(files)
    with inbox.sessions() as session:
        rows = session.execute(select(Quarantine.source_ref, Quarantine.raw, Quarantine.reason))
        by_ref = {ref: (raw, reason) for ref, raw, reason in rows}
    assert by_ref["garbage.bin"][0] == files["garbage.bin"]
    assert by_ref["empty.eml"][1]


def test_two_companies_importing_the_same_mail_stay_apart(db_url: str, tmp_path: Path) -> None:
    inbox = open_inbox(db_url, "Acme", "Globex")
    folder = synthetic_folder(tmp_path, 120)
    acme = inbox.import_path("Acme", folder)
    globex = inbox.import_path("Globex", folder)
    assert acme.new_messages == globex.new_messages > 0
    assert acme.new_conversations == globex.new_conversations
    acme_id, globex_id = inbox.company_id("Acme"), inbox.company_id("Globex")
    with inbox.sessions() as session:
        crossing = session.scalar(
            select(func.count())
            .select_from(InboxMessage)
            .join(Conversation, Conversation.id == InboxMessage.conversation_id)
            .where(InboxMessage.company_id != Conversation.company_id)
        )
        clients_acme = session.scalar(
            select(func.count()).select_from(Client).where(Client.company_id == acme_id)
        )
        clients_globex = session.scalar(
            select(func.count()).select_from(Client).where(Client.company_id == globex_id)
        )
    assert crossing == 0
    assert clients_acme == acme.new_clients > 0
    assert clients_globex == globex.new_clients > 0


def test_round_trips_are_the_same_for_10_and_1000_messages(db_url: str, tmp_path: Path) -> None:
    inbox = open_inbox(db_url, "Small", "Large")
    thousand_messages = dict(synthetic_messages(1000, seed=2))
    # The ten carry every kind of row the thousand do (an attachment among them), so that
    # both batches run the same statements.
    names = list(thousand_messages)
    with_attachment = next(n for n in names if b"attachment" in thousand_messages[n])
    others = [n for n in names if n != with_attachment][:9]
    ten_messages = {n: thousand_messages[n] for n in [*others, with_attachment]}
    ten = inbox.import_path("Small", write_files(tmp_path / "ten", ten_messages), batch_size=1000)
    thousand = inbox.import_path(
        "Large", write_files(tmp_path / "thousand", thousand_messages), batch_size=1000
    )
    assert ten.new_messages == 10 and thousand.new_messages >= 950
    # 29: the batch's statements, its two for the events (counter, one insert), its one
    # for the search index and its one for people's threading decisions among them.
    assert ten.db_round_trips == thousand.db_round_trips <= 29
    # The run row, the sender verdicts the detector caches, the batch.
    assert ten.commits == thousand.commits == 3


def test_sync_run_is_recorded_with_its_report(db_url: str, tmp_path: Path) -> None:
    inbox = open_inbox(db_url, "Acme")
    inbox.import_path("Acme", synthetic_folder(tmp_path, 20))
    assert count(inbox, SyncRun, status="finished") == 1


class _FailingAfterOneBatch:
    """A source whose connection drops after its first batch."""

    def __init__(self, raws: list[bytes]) -> None:
        self.raws = raws

    def batches(self, batch_size: int) -> Iterator[RawBatch]:
        yield RawBatch([RawMessage(f"m{i}", raw) for i, raw in enumerate(self.raws)])
        raise SourceError("connection reset by peer")


def test_a_source_failing_midway_keeps_the_committed_batch_and_marks_the_run_failed(
    db_url: str,
) -> None:
    inbox = open_inbox(db_url, "Acme")
    raws = [make_message(msgid=f"<{i}@c.example>", subject=f"Topic {i}") for i in range(3)]
    with pytest.raises(SourceError):
        ingest(
            inbox.sessions,
            inbox.company_id("Acme"),
            _FailingAfterOneBatch(raws),
            settings=inbox.settings,
        )
    assert count(inbox, InboxMessage) == 3
    with inbox.sessions() as session:
        run = session.scalars(select(SyncRun)).one()
    assert run.status == "failed"
    assert "connection reset" in run.report


def test_postgresql_search_documents_arrive_computed_by_the_parse_step(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    batches: list[tuple[int, int]] = []  # (messages indexed, documents handed over)
    index = write.index_messages

    def recording(session: Session, ids: Sequence[int], documents: Mapping[int, bytes]) -> None:
        batches.append((len(ids), len(documents)))
        index(session, ids, documents)

    monkeypatch.setattr(write, "index_messages", recording)
    inbox = open_inbox(db_url, "Acme")
    report = inbox.import_path("Acme", synthetic_folder(tmp_path, 200))
    indexed = sum(n for n, _ in batches)
    assert indexed == report.new_messages > 150
    # SQLite indexes inside the database; PostgreSQL gets every document from the parse step.
    expected = indexed if db_url.startswith("postgresql") else 0
    assert sum(d for _, d in batches) == expected
