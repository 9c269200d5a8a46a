"""A canonical dump of what an import stored, comparable across SQLite and PostgreSQL.

Ids and timestamps of the run differ between two databases and are left out; long texts are
kept as short hashes, so a difference reads as a row, not as a page of mail.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import MetaData, select
from sqlalchemy.engine import Engine

from inboxsync.db import make_engine
from inboxsync.db.models import Attachment, Client, Conversation, InboxMessage, Quarantine

_SHOWN = 5


def digest(value: str | bytes | None) -> str:
    """A short hash of a text or bytes value ('-' for None); lone surrogates are kept."""
    if value is None:
        return "-"
    data = value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()[:16]


def _moment(value: datetime | None) -> str:
    return "-" if value is None else value.isoformat()


class MessageRow(NamedTuple):
    source_ref: str
    message_key: str
    message_id: str | None
    in_reply_to: str | None
    references: str
    direction: str
    from_email: str
    from_name: str
    to_emails: str
    cc_emails: str
    subject: str
    date: str
    body_text: str
    body_html: str
    size: int
    reply_address: str | None
    is_notification: bool
    notification_rule: str
    notification_reason: str


class ConversationRow(NamedTuple):
    message_keys: tuple[str, ...]
    subject: str
    subject_norm: str
    is_notification: bool
    message_count: int
    client: str | None


class QuarantineRow(NamedTuple):
    source_ref: str
    reason: str
    raw_sha256: str
    raw_size: int
    headers_only: bool


class ClientRow(NamedTuple):
    email: str
    name: str


class AttachmentRow(NamedTuple):
    message_key: str
    filename: str
    content_type: str
    content_id: str | None
    is_inline: bool
    size: int
    sha256: str


@dataclass(frozen=True)
class Dump:
    """Every row an import stores, canonical and sorted."""

    messages: tuple[MessageRow, ...]
    conversations: tuple[ConversationRow, ...]
    quarantine: tuple[QuarantineRow, ...]
    clients: tuple[ClientRow, ...]
    attachments: tuple[AttachmentRow, ...]

    def differences(self, other: Dump) -> list[str]:
        """Per table, a few rows only `self` has and a few only `other` has."""
        lines = []
        for field in fields(self):
            mine, theirs = set(getattr(self, field.name)), set(getattr(other, field.name))
            for label, rows in (("only first", mine - theirs), ("only second", theirs - mine)):
                for row in sorted(rows)[:_SHOWN]:
                    lines.append(f"{field.name} {label} ({len(rows)}): {row}")
        return lines


def dump(url: str) -> Dump:
    """The canonical rows of the database at `url`."""
    engine = make_engine(url)
    try:
        return _dump(engine)
    finally:
        engine.dispose()


def _dump(engine: Engine) -> Dump:
    with engine.connect() as db:
        messages = [
            MessageRow(
                m.source_ref,
                m.message_key,
                m.message_id,
                m.in_reply_to,
                digest(m.references),
                m.direction,
                m.from_email,
                digest(m.from_name),
                digest(m.to_emails),
                digest(m.cc_emails),
                digest(m.subject),
                _moment(m.date),
                digest(m.body_text),
                digest(m.body_html),
                m.size,
                m.reply_address,
                m.is_notification,
                m.notification_rule,
                digest(m.notification_reason),
            )
            for m in db.execute(select(InboxMessage))
        ]
        keys_of: defaultdict[int, list[str]] = defaultdict(list)
        for conversation_id, key in db.execute(
            select(InboxMessage.conversation_id, InboxMessage.message_key)
        ):
            keys_of[conversation_id].append(key)
        client_email = dict(db.execute(select(Client.id, Client.email)).all())
        conversations = [
            ConversationRow(
                tuple(sorted(keys_of[c.id])),
                digest(c.subject),
                digest(c.subject_norm),
                c.is_notification,
                c.message_count,
                client_email.get(c.client_id),
            )
            for c in db.execute(select(Conversation))
        ]
        quarantine = [
            QuarantineRow(q.source_ref, q.reason, q.raw_sha256, len(q.raw), q.headers_only)
            for q in db.execute(select(Quarantine))
        ]
        clients = [ClientRow(c.email, digest(c.name)) for c in db.execute(select(Client))]
        key_of = dict(db.execute(select(InboxMessage.id, InboxMessage.message_key)).all())
        attachments = [
            AttachmentRow(
                key_of[a.message_id],
                a.filename,
                a.content_type,
                a.content_id,
                a.is_inline,
                a.size,
                a.sha256,
            )
            for a in db.execute(select(Attachment))
        ]
    return Dump(
        tuple(sorted(messages)),
        tuple(sorted(conversations)),
        tuple(sorted(quarantine)),
        tuple(sorted(clients)),
        tuple(sorted(attachments)),
    )


def columns_holding(url: str, needle: str) -> list[str]:
    """`table.column` of every value, in every table of the database, that contains
    `needle` (text columns as text, binary columns as UTF-8 bytes)."""
    engine = make_engine(url)
    metadata = MetaData()
    try:
        metadata.reflect(engine)
        with engine.connect() as db:
            return sorted(
                {
                    f"{table.name}.{column}"
                    for table in metadata.sorted_tables
                    for row in db.execute(select(table))
                    for column, value in row._mapping.items()
                    if _holds(value, needle)
                }
            )
    finally:
        engine.dispose()


def _holds(value: object, needle: str) -> bool:
    if isinstance(value, str):
        return needle in value
    if isinstance(value, bytes | memoryview):
        return needle.encode() in bytes(value)
    return False


def refs(rows: Iterable[MessageRow | QuarantineRow]) -> list[str]:
    """The source_ref of each row, repeats kept."""
    return [row.source_ref for row in rows]
