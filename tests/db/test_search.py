"""Full-text search: accents folded, stemming, phrases, exclusions and prefixes; any query is
valid; another company's mail never matches; the index follows merges, deletes and rebuilds."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, event, select, text
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.api import Inbox
from inboxsync.config import Settings
from inboxsync.db import search
from inboxsync.db.listing import ConversationFilter, conversation_page
from inboxsync.db.models import Conversation
from inboxsync.db.schema import alembic_config
from inboxsync.db.search import MAX_TERMS, parse_query, rebuild_search_index
from inboxsync.outbound import send_auto_reply
from tests.factories import make_message, write_files
from tests.outbound.helpers import one_filed, recent
from tests.support.smtp_server import SmtpServer

HOSTILE_QUERIES = (
    '"',
    '"unclosed phrase',
    '""',
    "*",
    "**invoice**",
    "NEAR(",
    "NEAR(invoice export, 2)",
    "AND OR NOT",
    "invoice AND OR",
    "-",
    "--invoice",
    "-invoice",
    "subject:invoice",
    "^invoice",
    "invoice:*",
    "'; DROP TABLE inbox_messages; --",
    "a & b | !c <-> d",
    "\x00invoice\x00",
    "invoice \ud800 export",
    "🧾🔥 invoice 🧾",
    "🧾",
    "_",
    "x" * 10_000,
    "invoice " * 1_300,
    "(((invoice",
    "\\",
)


_FTS5_DELETE_ALL = "INSERT INTO message_search (message_search) VALUES ('delete-all')"
_FTS5_INTEGRITY = "INSERT INTO message_search (message_search, rank) VALUES ('integrity-check', 1)"


class Mail:
    """A company's Inbox that takes messages one import at a time and answers searches."""

    def __init__(self, inbox: Inbox, folder: Path) -> None:
        self.inbox = inbox
        self.folder = folder
        self._n = count()

    def add(self, company: str, subject: str, body: str = "Hello.", **fields: Any) -> int:
        """Import one message (`fields` as make_message takes them); the id of its
        conversation."""
        n = next(self._n)
        fields.setdefault("msgid", f"<{n}@search.example>")
        raw = make_message(
            to=f"support@{company.lower()}.example", subject=subject, body=body, minutes=n, **fields
        )
        self.inbox.import_path(company, write_files(self.folder / str(n), {"m.eml": raw}))
        return max(c.id for c in self.inbox.conversations(company))

    def found(self, query: str, company: str = "Acme", **where: Any) -> set[str]:
        """The subjects of the conversations the query finds (every page)."""
        subjects: set[str] = set()
        cursor = None
        while True:
            page = self.inbox.conversation_page(
                company, ConversationFilter(q=query, **where), cursor=cursor, limit=2
            )
            subjects |= {c.subject for c in page.conversations}
            cursor = page.next_cursor
            if cursor is None:
                return subjects


@pytest.fixture
def mail(db_url: str, tmp_path: Path) -> Iterator[Mail]:
    inbox = Inbox(Settings(db=db_url))
    for company in ("Acme", "Globex"):
        inbox.add_company(company, [f"support@{company.lower()}.example"])
    yield Mail(inbox, tmp_path)
    inbox.close()


def test_accents_are_folded_both_ways(mail: Mail) -> None:
    mail.add("Acme", "Au café", "Le café est fermé.")
    mail.add("Acme", "Plain cafe", "See you at the cafe.")
    mail.add("Acme", "Elsewhere", "Nothing to see.")
    assert mail.found("cafe") == mail.found("CAFÉ") == {"Au café", "Plain cafe"}
    assert mail.found("ferme") == {"Au café"}


def test_english_stemming_matches_other_forms(mail: Mail) -> None:
    mail.add("Acme", "Two invoices", "Both invoices are attached.")
    mail.add("Acme", "One invoice", "The invoice is attached.")
    mail.add("Acme", "Other", "A payment.")
    assert mail.found("invoice") == mail.found("invoices") == {"Two invoices", "One invoice"}


def test_french_stemming_on_postgresql(new_database: Callable[[str], str], tmp_path: Path) -> None:
    inbox = Inbox(Settings(db=new_database("postgresql")))
    inbox.add_company("Acme", ["support@acme.example"])
    mail = Mail(inbox, tmp_path)
    mail.add("Acme", "Relance", "Vos factures sont en retard.")
    mail.add("Acme", "Une seule", "La facture est jointe.")
    mail.add("Acme", "Autre", "Un paiement.")
    assert mail.found("facture") == mail.found("factures") == {"Relance", "Une seule"}
    inbox.close()


def test_a_quoted_phrase_matches_as_a_phrase(mail: Mail) -> None:
    mail.add("Acme", "In order", "The export fails every morning.")
    mail.add("Acme", "Reversed", "It fails to export anything.")
    assert mail.found('"export fails"') == {"In order"}
    assert mail.found("export fails") == {"In order", "Reversed"}


def test_excluded_words_and_phrases(mail: Mail) -> None:
    mail.add("Acme", "Invoice only", "Here is the invoice.")
    mail.add("Acme", "Invoice and refund", "The invoice and a refund.")
    mail.add("Acme", "Invoice late", "The invoice is very late.")
    assert mail.found("invoice -refund") == {"Invoice only", "Invoice late"}
    assert mail.found('invoice -"very late"') == {"Invoice only", "Invoice and refund"}
    # Exclusions alone look for nothing.
    assert mail.found("-refund") == set()


def test_a_trailing_star_matches_a_prefix(mail: Mail) -> None:
    mail.add("Acme", "Export", "The exporter crashed.")
    mail.add("Acme", "Other", "An expert answer.")
    assert mail.found("export*") == {"Export"}
    assert mail.found("exp*") == {"Export", "Other"}
    assert mail.found("exp") == set()


def test_subject_sender_and_recipients_are_searched(mail: Mail) -> None:
    mail.add(
        "Acme",
        "Quarterly numbers",
        sender="Zoé Durand <zoe@durand-conseil.example>",
        headers={"Cc": "Boris <boris@audit.example>"},
    )
    mail.add("Acme", "Other")
    for query in ("quarterly", "zoe", "durand", "zoe@durand-conseil.example", "boris"):
        assert mail.found(query) == {"Quarterly numbers"}, query


def test_hostile_queries_give_a_page_never_an_error(mail: Mail) -> None:
    mail.add("Acme", "Invoice export", "The invoice export fails.")
    for query in HOSTILE_QUERIES:
        assert mail.found(query) <= {"Invoice export"}, query
    assert mail.found("**invoice**") == mail.found("\x00invoice\x00") == {"Invoice export"}
    assert mail.found("🧾🔥 invoice 🧾") == mail.found("(((invoice") == {"Invoice export"}
    assert mail.found("🧾") == mail.found('""') == mail.found("*") == set()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=60))
def test_any_text_is_a_valid_query(mail: Mail, query: str) -> None:
    page = mail.inbox.conversation_page("Acme", ConversationFilter(q=query))
    assert page.conversations == ()


def test_a_query_keeps_its_first_terms() -> None:
    terms = parse_query(" ".join(f"w{i}" for i in range(100)))
    assert [t.text for t in terms] == [f"w{i}" for i in range(MAX_TERMS)]


def test_another_companys_mail_never_matches(mail: Mail) -> None:
    mail.add("Globex", "Globex invoice", "The invoice of Globex.")
    mail.add("Acme", "Acme payment", "A payment.")
    assert mail.found("invoice") == set()
    assert mail.found("invoice", company="Globex") == {"Globex invoice"}


def test_a_merged_message_is_found_under_its_new_conversation(mail: Mail) -> None:
    # The root is stored, then a reply to a reply not seen yet (a conversation of its own),
    # then the missing middle message, which pulls that conversation into the root's.
    root = mail.add("Acme", "Broken printer", "It prints nothing.", msgid="<root@c.example>")
    orphan = mail.add("Acme", "Toner", "The toner is empty.", in_reply_to="<middle@c.example>")
    mail.add(
        "Acme",
        "Re: Broken printer",
        "Which model?",
        msgid="<middle@c.example>",
        in_reply_to="<root@c.example>",
    )
    assert orphan != root and {c.id for c in mail.inbox.conversations("Acme")} == {root}
    page = mail.inbox.conversation_page("Acme", ConversationFilter(q="toner"))
    assert [c.id for c in page.conversations] == [root]


def test_the_filter_combines_with_folders_statuses_and_the_cursor(mail: Mail) -> None:
    for i in range(5):
        mail.add("Acme", f"Invoice {i}", "An invoice.")
    mail.add("Acme", "Not this one", "A payment.")
    mail.inbox.add_folder("Acme", "Billing", "invoices")
    filed = sorted(c.id for c in mail.inbox.conversations("Acme") if "Invoice" in c.subject)[:3]
    for conversation_id in filed:
        mail.inbox.set_folder("Acme", conversation_id, "Billing")
    assert len(mail.found("invoice")) == 5
    assert mail.found("invoice", folder="Billing") == {f"Invoice {i}" for i in range(3)}
    assert mail.found("invoice", folder="none") == {"Invoice 3", "Invoice 4"}
    assert mail.found("payment", folder="Billing") == set()
    by_status: dict[str, set[str]] = {}
    for c in mail.inbox.conversations("Acme"):
        by_status.setdefault(c.status, set()).add(c.subject)
    for status, subjects in by_status.items():
        assert mail.found("invoice", status=status) == {s for s in subjects if "Invoice" in s}
    unused = next(s for s in ("failed", "skipped", "classifying") if s not in by_status)
    assert mail.found("invoice", status=unused) == set()


def test_a_deleted_message_no_longer_matches_even_if_its_id_returns(mail: Mail) -> None:
    gone = mail.add("Acme", "Secret plans", "The zeppelin launches Friday.")
    with mail.inbox.sessions() as session:
        session.execute(delete(Conversation).where(Conversation.id == gone))
        session.commit()
    mail.add("Acme", "Lunch", "Sandwiches today.")
    assert mail.found("zeppelin") == set()
    assert mail.found("sandwiches") == {"Lunch"}


def test_rebuild_indexes_what_is_stored(mail: Mail) -> None:
    mail.add("Acme", "Acme invoice", "An invoice.")
    mail.add("Globex", "Globex invoice", "An invoice.")
    postgres = mail.inbox.engine.dialect.name == "postgresql"
    with mail.inbox.sessions() as session:
        # The index lost (on SQLite, FTS5's own command: its text is the messages').
        wipe = "DELETE FROM message_search" if postgres else _FTS5_DELETE_ALL
        session.execute(text(wipe))
        acme_id = session.scalar(text("SELECT id FROM companies WHERE name = 'Acme'"))
        rebuild_search_index(session, acme_id)
        session.commit()
    assert mail.found("invoice") == {"Acme invoice"}
    # SQLite rebuilds every company's messages: its index cannot forget a company's alone.
    assert mail.found("invoice", company="Globex") == (set() if postgres else {"Globex invoice"})
    with mail.inbox.sessions() as session:
        rebuild_search_index(session, acme_id)  # again: no message indexed twice
        rebuild_search_index(session)
        session.commit()
    assert mail.found("invoice", company="Globex") == {"Globex invoice"}
    with mail.inbox.sessions() as session:
        rows = session.scalar(text("SELECT count(*) FROM message_search"))
    assert rows == 2


def test_the_migration_indexes_the_messages_stored_before_it(mail: Mail) -> None:
    mail.add("Acme", "Before search", "An old invoice.")
    engine = mail.inbox.engine
    command.downgrade(alembic_config(engine), "0007")
    command.upgrade(alembic_config(engine), "head")
    assert mail.found("invoice") == {"Before search"}


def test_hostile_text_is_indexed_without_failing_the_batch(mail: Mail) -> None:
    distinct_words = " ".join(chr(0x20000 + i) for i in range(60_000))  # CJK Extension B
    bodies = {
        "nul": "invoice with a \x00 NUL",
        "one word": "invoice " + "a" * 1_000_000,
        "distinct words": "invoice " + distinct_words,
    }
    for subject, body in bodies.items():
        mail.add("Acme", subject, body)
    assert len(mail.inbox.conversations("Acme")) == len(bodies)
    assert mail.found("invoice") == set(bodies)


def test_the_walk_and_the_index_find_the_same_conversations(
    mail: Mail, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A common word's conversations are found by walking them, a rare one's from the index:
    # the same answers either way, page after page.
    for i in range(7):
        mail.add("Acme", f"Invoice {i}", "Le café a envoyé la facture." if i % 2 else "Invoices.")
    mail.add("Globex", "Globex invoice", "An invoice.")
    queries = ("invoice", "cafe", '"la facture"', "invoice -cafe", "invo*", "nothing")
    by_index = {q: mail.found(q) for q in queries}
    monkeypatch.setattr(search, "FEW_MATCHES", -1)
    assert {q: mail.found(q) for q in queries} == by_index
    assert by_index["invoice"] == {f"Invoice {i}" for i in range(7)}
    assert by_index["invoice -cafe"] == {f"Invoice {i}" for i in range(0, 7, 2)}


def test_a_sent_auto_reply_is_found(
    sessions: sessionmaker[Session], db_url: str, smtp: SmtpServer, tmp_path: Path
) -> None:
    settings = Settings(db=db_url, outbound={"smtp_backoff_seconds": 0})
    cid = one_filed(sessions, settings, smtp, tmp_path, recent("<a1@client.example>"))

    def found() -> list[int]:
        with sessions() as session:
            company_id = session.scalars(
                select(Conversation.company_id).where(Conversation.id == cid)
            ).one()
            page = conversation_page(session, company_id, ConversationFilter(q="received"))
        return [c.id for c in page.conversations]

    assert found() == []  # the word is the auto-reply's only
    assert send_auto_reply(sessions, settings, cid).state == "sent"
    assert found() == [cid]


def test_a_word_the_planner_guesses_at_is_counted(
    new_database: Callable[[str], str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A word absent from the statistics is estimated at 0.5 % of the rows (2 of 400): past
    # FEW_MATCHES (here 1, as 5,000 is at a million messages), its one conversation still
    # comes from the index, not from a walk of every conversation probing its messages.
    inbox = Inbox(Settings(db=new_database("postgresql")))
    inbox.add_company("Acme", ["support@acme.example"])
    alike = {
        f"{n}.eml": make_message(msgid=f"<{n}@bulk.example>", subject="Note", body="Hello.")
        for n in range(400)
    }  # the same words in each: every word of the statistics is in every row
    inbox.import_path("Acme", write_files(tmp_path / "bulk", alike))
    with inbox.sessions.begin() as session:
        rebuild_search_index(session)
    mail = Mail(inbox, tmp_path)
    mail.add("Acme", "Airship", "The zeppelin launches Friday.")
    monkeypatch.setattr(search, "FEW_MATCHES", 1)
    pages: list[str] = []
    event.listen(inbox.engine, "before_cursor_execute", lambda *a: pages.append(a[2]))
    assert mail.found("zeppelin") == {"Airship"}
    assert not any("message_search" in sql and "conversations" in sql for sql in pages)
    monkeypatch.setattr(search, "GUESS_GROWTH", 0.0)  # every estimate trusted: the walk
    pages.clear()
    assert mail.found("zeppelin") == {"Airship"}
    assert any("message_search" in sql and "conversations" in sql for sql in pages)
    inbox.close()


def test_the_index_follows_deletes_and_on_sqlite_any_write_to_the_messages(mail: Mail) -> None:
    mail.add("Acme", "Kept", "An ordinary invoice.")
    gone = mail.add("Acme", "Gone", "The zeppelin launches Friday.")
    mail.add("Acme", "Re: Kept", "A reply about the invoice.", in_reply_to="<0@search.example>")
    sqlite = mail.inbox.engine.dialect.name == "sqlite"
    with mail.inbox.sessions() as session:
        session.execute(delete(Conversation).where(Conversation.id == gone))
        if sqlite:  # its triggers index whatever writes the messages table (0014)
            session.execute(text("UPDATE inbox_messages SET body_text = 'A dirigible now.' "
                                 "WHERE message_key = '0@search.example'"))  # fmt: skip
        session.commit()
    assert mail.found("zeppelin") == set()
    assert mail.found("invoice") == {"Kept"}
    if sqlite:
        assert mail.found("dirigible") == {"Kept"}
        assert mail.found("ordinary") == set()
        with mail.inbox.sessions() as session:  # FTS5 compares its index with the messages
            session.execute(text(_FTS5_INTEGRITY))
