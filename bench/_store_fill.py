"""Rows written straight into the store, without the pipeline: `Table`s bulk-inserted
(executemany on SQLite, COPY on PostgreSQL), and the rows of a large mailbox history, against
which bench/ingest.py's `store` section measures 140 new messages (bench/_api_store.py makes
the API benchmark's store)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

from sqlalchemy import Engine

_AUTOMATED = re.compile(r"^(news|no-?reply|notifications|mailer-daemon)@", re.IGNORECASE)
_AUTO_REPLY = ("automatic reply", "réponse automatique")
_BODY = (
    "Hello, thank you for your message. We have looked into the question you raised about the "
    "order and the invoice, and we will come back to you shortly with the documents you asked "
    "for. In the meantime, do not hesitate to call us if anything is urgent. Best regards."
)
MESSAGE_COLUMNS = (
    "id", "company_id", "conversation_id", "message_key", "message_id", "in_reply_to",
    "references", "source_ref", "direction", "from_email", "from_name", "to_emails", "cc_emails",
    "subject", "date", "body_text", "size", "is_notification", "notification_rule",
    "notification_reason", "created_at",
)  # fmt: skip
CONVERSATION_COLUMNS = (
    "id", "company_id", "client_id", "subject", "subject_norm", "root_message_key",
    "is_notification", "participants", "started_at", "last_message_at", "message_count",
    "status", "status_reason", "folder_source", "folder_version", "created_at", "updated_at",
)  # fmt: skip
CLIENT_COLUMNS = ("id", "company_id", "email", "name", "created_at")


def store_rows(
    company_id: int, size: int, domain: str
) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """Rows of a mailbox: a reply joins the latest conversation of its subject (within 30 days)
    that its sender is part of, or any for the company's own replies; automated mail (news,
    no-reply, bounces, auto-replies) gets a conversation of its own.

    The history is moved back in time to end an hour before the generator's first message,
    so the messages then imported (other seeds, same correspondents and subjects) arrive as new
    mail does: after everything stored, their subjects matching recent conversations."""
    from inboxsync.demo.synthetic import synthetic_rows
    from inboxsync.mail import normalize_subject

    now = datetime.now(UTC).replace(tzinfo=None)
    window = timedelta(days=30)
    clients: dict[str, int] = {}
    conversations: list[list[Any]] = []
    open_by_subject: dict[str, list[list[Any]]] = {}
    messages: list[tuple] = []
    rows = list(synthetic_rows(size, 42, domain))
    shift = rows[-1].date - rows[0].date + timedelta(hours=1) if rows else timedelta(0)
    for n, row in enumerate(rows, start=1):
        date = (row.date - shift).astimezone(UTC).replace(tzinfo=None)
        email = row.from_email.lower()
        norm = normalize_subject(row.subject)
        outgoing = email.endswith("@" + domain)
        automated = bool(_AUTOMATED.match(email)) or norm.startswith(_AUTO_REPLY)
        conv = (
            None
            if automated
            else _open_conversation(open_by_subject, norm, email, outgoing, date - window)
        )
        in_reply_to = None
        if conv is None:
            client_id = None
            if not automated and not outgoing:
                client_id = clients.setdefault(email, len(clients) + 1)
            conv = [
                len(conversations) + 1,
                company_id,
                client_id,
                row.subject,
                norm,
                row.message_key,
                automated,
                set(),
                date,
                date,
                0,
                "skipped" if automated else "unclassified",
                "",
                "",
                "",
                now,
                None,
            ]
            conversations.append(conv)
            if not automated:
                open_by_subject.setdefault(norm, []).append(conv)
        else:
            in_reply_to = conv[16]
        if not outgoing and not automated:
            conv[7].add(email)
        conv[9], conv[10], conv[16] = date, conv[10] + 1, row.message_key
        body = _BODY[: 200 + n % 200]
        messages.append(
            (
                n,
                company_id,
                conv[0],
                row.message_key,
                row.message_key,
                in_reply_to,
                "",
                f"fill/{n}",
                "out" if outgoing else "in",
                email,
                "",
                "",
                "",
                row.subject,
                date,
                body,
                len(body) + 600,
                automated,
                "",
                "",
                now,
            )
        )
    conversation_rows = [(*c[:7], " ".join(sorted(c[7])), *c[8:16], c[9]) for c in conversations]
    client_rows = [(i, company_id, email, "", now) for email, i in clients.items()]
    return client_rows, conversation_rows, messages


def _open_conversation(
    open_by_subject: dict[str, list[list[Any]]],
    norm: str,
    email: str,
    outgoing: bool,
    since: datetime,
) -> list[Any] | None:
    candidates = open_by_subject.get(norm)
    if not candidates:
        return None
    while candidates and candidates[0][9] < since:
        candidates.pop(0)  # closed: past the window
    for conv in reversed(candidates):
        if outgoing or email in conv[7]:
            return conv
    return None


@dataclass(frozen=True)
class Table:
    """Rows for one table, in `columns` order; `rows` may be a generator, consumed once."""

    name: str
    columns: tuple[str, ...]
    rows: Iterable[tuple]


def mailbox_tables(clients: list, conversations: list, messages: list) -> list[Table]:
    """The tables of `store_rows`, in insertion order."""
    return [
        Table("clients", CLIENT_COLUMNS, clients),
        Table("conversations", CONVERSATION_COLUMNS, conversations),
        Table("inbox_messages", MESSAGE_COLUMNS, messages),
    ]


def _chunks(rows: Iterable[tuple], size: int = 50_000) -> Iterator[list[tuple]]:
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


def insert_sqlite(engine: Engine, clients: list, conversations: list, messages: list) -> None:
    """Insert the rows of `store_rows` (see insert_tables_sqlite)."""
    insert_tables_sqlite(engine, mailbox_tables(clients, conversations, messages))


def copy_postgresql(url: str, clients: list, conversations: list, messages: list) -> None:
    """COPY the rows of `store_rows` (see copy_tables_postgresql)."""
    copy_tables_postgresql(url, mailbox_tables(clients, conversations, messages))


def insert_tables_sqlite(engine: Engine, tables: Sequence[Table]) -> None:
    """Insert the tables in order in one transaction (executemany in chunks; the search
    index's triggers index every message), merge the index's segments as the imports of a
    store that grew batch by batch would have, then checkpoint the WAL."""
    conn = engine.raw_connection()
    try:
        cursor = conn.cursor()
        cursor.execute("BEGIN")
        for table in tables:
            quoted = ", ".join(f'"{c}"' for c in table.columns)
            marks = ", ".join("?" for _ in table.columns)
            sql = f"INSERT INTO {table.name} ({quoted}) VALUES ({marks})"
            for chunk in _chunks(table.rows):
                cursor.executemany(sql, chunk)
        cursor.execute("COMMIT")
        cursor.execute("INSERT INTO message_search (message_search) VALUES ('optimize')")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def copy_tables_postgresql(url: str, tables: Sequence[Table]) -> None:
    """COPY the tables in order in one transaction, set their id sequences past the rows,
    then VACUUM ANALYZE (as autovacuum would)."""
    import psycopg

    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        with conn.transaction(), conn.cursor() as cursor:
            for table in tables:
                quoted = ", ".join(f'"{c}"' for c in table.columns)
                with cursor.copy(f"COPY {table.name} ({quoted}) FROM STDIN") as copy:
                    for row in table.rows:
                        copy.write_row(row)
                if "id" in table.columns:
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"(SELECT max(id) FROM {table.name}))"
                    )
        conn.execute("VACUUM ANALYZE")
