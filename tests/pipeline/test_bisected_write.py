"""A batch whose write fails because of one message: that message is quarantined, the rest is
stored, and the search costs a bounded number of extra round trips.

The failure is the database's own: a trigger refuses one subject, as a constraint or a value
the database cannot hold would."""

from __future__ import annotations

import math

from sqlalchemy import Engine, func, select, text

from inboxsync.api import Inbox
from inboxsync.config import Settings
from inboxsync.db.models import InboxMessage, Quarantine
from inboxsync.pipeline import ingest
from inboxsync.pipeline.report import SyncReport
from tests.factories import ListSource, make_message

POISON = "poisoned subject"
# Statements of one batch write at most (resolve, thread, write; see test_ingest).
STATEMENTS_PER_WRITE = 25


def _refuse_poison(engine: Engine) -> None:
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(
                text(
                    "CREATE TRIGGER refuse_poison BEFORE INSERT ON inbox_messages "
                    f"WHEN NEW.subject = '{POISON}' BEGIN SELECT RAISE(ABORT, 'poison'); END"
                )
            )
        else:
            conn.execute(
                text(
                    "CREATE FUNCTION refuse_poison() RETURNS trigger AS $$ BEGIN "
                    f"IF NEW.subject = '{POISON}' THEN "
                    "RAISE EXCEPTION 'poison' USING ERRCODE = 'data_exception'; END IF; "
                    "RETURN NEW; END $$ LANGUAGE plpgsql"
                )
            )
            conn.execute(
                text(
                    "CREATE TRIGGER refuse_poison BEFORE INSERT ON inbox_messages "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_poison()"
                )
            )


def _import(inbox: Inbox, raws: list[bytes], company: str = "Acme") -> SyncReport:
    company_id = inbox.add_company(company, [f"support@{company.lower()}.example"])
    return ingest(inbox.sessions, company_id, ListSource(raws), settings=inbox.settings)


def _messages(n: int, poisoned: int) -> list[bytes]:
    return [
        make_message(
            msgid=f"<m{i}@client.example>",
            sender=f"Client {i} <c{i}@client{i % 50}.example>",
            subject=POISON if i == poisoned else f"Question {i}",
            minutes=i,
        )
        for i in range(n)
    ]


def test_one_failing_message_of_1000_is_quarantined_and_999_are_stored(db_url: str) -> None:
    inbox = Inbox(Settings(db=db_url, batch_size=1000))
    clean = _import(inbox, _messages(1000, poisoned=-1), company="Clean")
    _refuse_poison(inbox.engine)
    report = _import(inbox, _messages(1000, poisoned=617))

    assert report.new_messages == 999
    assert report.quarantined == 1
    assert report.fetched == report.new_messages + report.duplicates + report.quarantined
    assert report.bisected_batches == 1
    with inbox.sessions() as session:
        stored = select(func.count()).select_from(InboxMessage)
        acme = inbox.company_id("Acme")
        assert session.scalar(stored.where(InboxMessage.company_id == acme)) == 999
        row = session.scalars(select(Quarantine)).one()
    assert row.source_ref == "617"
    assert b"poisoned subject" in row.raw
    assert row.reason.startswith("write failed: ") and "poison" in row.reason
    # The halving: one failed whole write, two halves per level down to one message, the
    # checkpoint and quarantine write; never a write per message.
    attempts = 1 + 2 * math.ceil(math.log2(1000)) + 1
    extra = report.db_round_trips - clean.db_round_trips
    assert 0 < extra <= attempts * STATEMENTS_PER_WRITE
    assert report.commits - clean.commits <= attempts


def test_the_reason_names_the_error_never_the_statement_or_its_values(db_url: str) -> None:
    inbox = Inbox(Settings(db=db_url))
    _refuse_poison(inbox.engine)
    raws = _messages(3, poisoned=1)
    report = _import(inbox, raws)
    assert report.new_messages == 2 and report.quarantined == 1
    with inbox.sessions() as session:
        reason = session.scalars(select(Quarantine.reason)).one()
    assert "INSERT" not in reason and "c1@client1.example" not in reason
    assert len(reason.splitlines()) == 1
