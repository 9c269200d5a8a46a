"""The write step: a batch's rows built in memory and inserted in bulk, in one transaction."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, delete, exists, insert, select, update
from sqlalchemy.orm import Session

from inboxsync.db.conversations import recount_conversations
from inboxsync.db.dialect import insert_ignore, table_of
from inboxsync.db.events import NewEvent, record_events
from inboxsync.db.models import (
    Attachment,
    Blob,
    Client,
    Conversation,
    InboxMessage,
    MailboxFolder,
    Quarantine,
    utcnow,
)
from inboxsync.db.search import index_messages
from inboxsync.db.search_text import pg_document
from inboxsync.db.storable import fit_rows
from inboxsync.mail.types import Address, ParsedMessage
from inboxsync.pipeline.resolve import clients_by_email
from inboxsync.pipeline.threading import ThreadResult
from inboxsync.sources.base import FolderCursor


@dataclass(frozen=True, slots=True)
class QuarantineItem:
    """A message that goes to quarantine: its raw bytes and why."""

    source_ref: str
    reason: str
    raw: bytes
    headers_only: bool = False


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A parsed message to store, with where it came from, which way it went and when the
    mailbox received it (None for file imports)."""

    parsed: ParsedMessage
    source_ref: str
    outgoing: bool
    arrived_at: datetime | None = None


@dataclass
class WritePlan:
    """Everything one batch writes."""

    company_id: int
    mailbox_id: int | None
    messages: list[NewMessage]
    threads: ThreadResult
    known_clients: dict[str, int]
    new_client_names: dict[str, str]
    quarantine: list[QuarantineItem] = field(default_factory=list)
    cursor: FolderCursor | None = None


@dataclass
class WriteOutcome:
    """What the batch really added (a concurrent writer may have stored some rows first)."""

    new_messages: int = 0
    new_conversations: int = 0
    new_clients: int = 0
    notifications: int = 0
    quarantined: int = 0
    new_conversation_ids: list[int] = field(default_factory=list)


def write_batch(session: Session, plan: WritePlan) -> WriteOutcome:
    """Insert the batch's rows in bulk (ON CONFLICT DO NOTHING), record their events and
    commit once."""
    outcome = WriteOutcome()
    client_ids = dict(plan.known_clients)
    client_ids.update(_insert_clients(session, plan, outcome))
    _insert_conversations(session, plan, client_ids, outcome)
    _apply_merges(session, plan)
    inserted = _insert_messages(session, plan, outcome)
    if len(inserted) < len(plan.messages) and outcome.new_conversation_ids:
        _drop_empty_conversations(session, outcome)
    _update_conversations(session, plan, client_ids, outcome)
    quarantined = _insert_quarantine(session, plan, outcome)
    if plan.cursor is not None:
        _store_cursor(session, plan.cursor)
    # Last before the commit: it holds the company's event counter until then.
    record_events(session, plan.company_id, _events(plan, outcome, inserted, quarantined))
    session.commit()
    return outcome


def _events(
    plan: WritePlan,
    outcome: WriteOutcome,
    inserted: dict[str, int],
    quarantined: list[tuple[int, str]],
) -> list[NewEvent]:
    """What the batch changed, as events: conversations opened and merged, messages stored
    and quarantined."""
    kept = set(outcome.new_conversation_ids)
    events = [
        NewEvent("conversation.created", t.stored_id, data={"notification": t.is_notification})
        for t in plan.threads.new_threads
        if t.stored_id in kept
    ]
    events += [
        NewEvent("conversation.merged", winner.root().stored_id, data={"merged_id": loser})
        for loser, winner in plan.threads.merged
    ]
    for item in plan.messages:
        m = item.parsed
        message_id = inserted.get(m.message_key)
        if message_id is not None:
            conversation_id = plan.threads.thread_of[m.message_key].root().stored_id
            data = {
                "direction": "out" if item.outgoing else "in",
                "notification": m.verdict.kind == "notification",
            }
            events.append(NewEvent("message.created", conversation_id, message_id, data))
    events += [
        NewEvent("message.quarantined", data={"quarantine_id": qid, "reason": reason[:200]})
        for qid, reason in quarantined
    ]
    return events


def _insert_clients(session: Session, plan: WritePlan, outcome: WriteOutcome) -> dict[str, int]:
    if not plan.new_client_names:
        return {}
    rows = [
        {"company_id": plan.company_id, "email": email, "name": name, "created_at": utcnow()}
        for email, name in plan.new_client_names.items()
    ]
    table = table_of(Client)
    statement = insert_ignore(session, table).returning(table.c.email, table.c.id)
    created: dict[str, int] = dict(session.execute(statement, fit_rows(table, rows)).all())
    outcome.new_clients = len(created)
    raced = set(plan.new_client_names) - set(created)
    if raced:  # another writer created them since we looked
        created.update(clients_by_email(session, plan.company_id, raced))
    return created


def _insert_conversations(
    session: Session, plan: WritePlan, client_ids: dict[str, int], outcome: WriteOutcome
) -> None:
    threads = plan.threads.new_threads
    if not threads:
        return
    now = utcnow()
    rows = [
        {
            "company_id": plan.company_id,
            "client_id": client_ids.get(t.client_email) if t.client_email else None,
            "subject": t.subject,
            "subject_norm": t.subject_norm,
            "root_message_key": t.root_key,
            "is_notification": t.is_notification,
            "participants": " ".join(sorted(t.participants)),
            "started_at": t.started_at,
            "last_message_at": t.last_message_at,
            "message_count": 0,
            "status": t.status,
            "created_at": now,
        }
        for t in threads
    ]
    table = table_of(Conversation)
    statement = insert(table).returning(table.c.root_message_key, table.c.id)
    ids: dict[str, int] = dict(session.execute(statement, fit_rows(table, rows)).all())
    for thread in threads:
        thread.stored_id = ids[thread.root_key]
    outcome.new_conversations = len(ids)
    outcome.new_conversation_ids = list(ids.values())


def _apply_merges(session: Session, plan: WritePlan) -> None:
    merged = plan.threads.merged
    if not merged:
        return
    moves = [{"loser": loser, "winner": winner.root().stored_id} for loser, winner in merged]
    session.connection().execute(
        update(table_of(InboxMessage))
        .where(table_of(InboxMessage).c.conversation_id == bindparam("loser"))
        .values(conversation_id=bindparam("winner")),
        moves,
    )
    session.execute(delete(Conversation).where(Conversation.id.in_([m["loser"] for m in moves])))


def _insert_messages(session: Session, plan: WritePlan, outcome: WriteOutcome) -> dict[str, int]:
    rows = []
    for item in plan.messages:
        m = item.parsed
        thread = plan.threads.thread_of[m.message_key].root()
        rows.append(
            {
                "company_id": plan.company_id,
                "conversation_id": thread.stored_id,
                "message_key": m.message_key,
                "message_id": m.message_id,
                "in_reply_to": m.in_reply_to,
                "references": " ".join(m.references),
                "mailbox_id": plan.mailbox_id,
                "source_ref": item.source_ref,
                "direction": "out" if item.outgoing else "in",
                "from_email": m.from_addr.email if m.from_addr else "",
                "from_name": m.from_addr.name if m.from_addr else "",
                "to_emails": _emails(m.to),
                "cc_emails": _emails(m.cc),
                "subject": m.subject,
                "date": m.date_naive,
                "body_text": m.text,
                "body_html": m.html,
                "size": m.size,
                "arrived_at": item.arrived_at,
                "reply_address": m.reply_address,
                "is_notification": m.verdict.kind == "notification",
                "notification_rule": m.verdict.rule,
                "notification_reason": m.verdict.reason,
                "created_at": utcnow(),
            }
        )
    if not rows:
        return {}
    table = table_of(InboxMessage)
    statement = insert_ignore(session, table).returning(table.c.message_key, table.c.id)
    inserted: dict[str, int] = dict(session.execute(statement, fit_rows(table, rows)).all())
    outcome.new_messages = len(inserted)
    documents = {
        inserted[item.parsed.message_key]: item.parsed.search_document
        for item in plan.messages
        if item.parsed.search_document is not None and item.parsed.message_key in inserted
    }
    index_messages(session, list(inserted.values()), documents)
    outcome.notifications = sum(
        1
        for item in plan.messages
        if item.parsed.message_key in inserted and item.parsed.verdict.kind == "notification"
    )
    _insert_attachments(session, plan, inserted)
    return inserted


def search_document(m: ParsedMessage) -> bytes:
    """The PostgreSQL search document of a message, from the fields `_insert_messages` stores."""
    sender = m.from_addr
    return pg_document(
        m.subject,
        sender.name if sender else "",
        sender.email if sender else "",
        _emails(m.to),
        _emails(m.cc),
        m.text,
    )


def _emails(addresses: tuple[Address, ...]) -> str:
    return " ".join(a.email for a in addresses)


def _insert_attachments(session: Session, plan: WritePlan, inserted: dict[str, int]) -> None:
    blobs: dict[str, bytes] = {}
    rows = []
    for item in plan.messages:
        message_id = inserted.get(item.parsed.message_key)
        if message_id is None:
            continue
        for part in item.parsed.attachments:
            digest = part.sha256
            blobs.setdefault(digest, part.data)
            rows.append(
                {
                    "message_id": message_id,
                    "filename": part.filename,
                    "content_type": part.content_type,
                    "content_id": part.content_id,
                    "is_inline": part.is_inline,
                    "size": len(part.data),
                    "sha256": digest,
                }
            )
    if not rows:
        return
    session.execute(
        insert_ignore(session, table_of(Blob)),
        [{"sha256": d, "size": len(data), "data": data} for d, data in blobs.items()],
    )
    table = table_of(Attachment)
    session.execute(insert(table), fit_rows(table, rows))


def _drop_empty_conversations(session: Session, outcome: WriteOutcome) -> None:
    """Conversations opened for messages that a concurrent writer stored first."""
    has_message = exists().where(InboxMessage.conversation_id == Conversation.id)
    session.execute(
        delete(Conversation).where(Conversation.id.in_(outcome.new_conversation_ids), ~has_message)
    )
    remaining = session.scalars(
        select(Conversation.id).where(Conversation.id.in_(outcome.new_conversation_ids))
    )
    outcome.new_conversation_ids = list(remaining)
    outcome.new_conversations = len(outcome.new_conversation_ids)


def _update_conversations(
    session: Session, plan: WritePlan, client_ids: dict[str, int], outcome: WriteOutcome
) -> None:
    touched = [t for t in plan.threads.touched if t.changed]
    if touched:
        session.execute(
            update(Conversation),
            [
                {
                    "id": t.stored_id,
                    "participants": " ".join(sorted(t.participants)),
                    "is_notification": t.is_notification,
                    "status": t.status,
                    "client_id": t.client_id
                    or (client_ids.get(t.client_email) if t.client_email else None),
                }
                for t in touched
            ],
        )
    ids = [t.stored_id for t in touched if t.stored_id is not None]
    ids += outcome.new_conversation_ids
    if not ids:
        return
    recount_conversations(session, ids)


def _insert_quarantine(
    session: Session, plan: WritePlan, outcome: WriteOutcome
) -> list[tuple[int, str]]:
    """Insert the batch's new quarantine entries; their (id, reason)."""
    if not plan.quarantine:
        return []
    rows: dict[str, dict[str, object]] = {}
    for item in plan.quarantine:  # the first of two identical failures is the one kept
        digest = hashlib.sha256(item.raw).hexdigest()
        key = digest if item.raw else _unreadable_key(item.source_ref)
        rows.setdefault(
            key,
            {
                "company_id": plan.company_id,
                "mailbox_id": plan.mailbox_id,
                "source_ref": item.source_ref,
                "reason": item.reason,
                "raw": item.raw,
                "raw_sha256": digest,
                "dedupe_key": key,
                "headers_only": item.headers_only,
                "created_at": utcnow(),
            },
        )
    table = table_of(Quarantine)
    statement = insert_ignore(session, table).returning(table.c.id, table.c.reason)
    new = [(int(i), str(r)) for i, r in session.execute(statement, fit_rows(table, rows.values()))]
    outcome.quarantined = len(new)
    return new


def _unreadable_key(source_ref: str) -> str:
    """The dedupe key of a failure without bytes (an unreadable file): a hash of its path.
    Failures with bytes are keyed by the bytes' sha256."""
    return hashlib.sha256(b"unreadable\0" + source_ref.encode("utf-8", "replace")).hexdigest()


def _store_cursor(session: Session, cursor: FolderCursor) -> None:
    session.execute(
        update(MailboxFolder)
        .where(MailboxFolder.id == cursor.folder_id)
        .values(
            uidvalidity=cursor.uidvalidity,
            last_uid=cursor.last_uid,
            highestmodseq=cursor.highestmodseq,
            last_synced_at=utcnow(),
        )
    )
