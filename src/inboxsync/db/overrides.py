"""People's threading decisions, each recorded with its event in the caller's transaction:
merge two conversations, split messages out into a new one, undo either, and mark a
conversation as a notification or not (db/override_models.py holds the rows)."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, delete, insert, select, update
from sqlalchemy.orm import Session

from inboxsync.db.companies import load_company
from inboxsync.db.conversations import recount_conversations
from inboxsync.db.dialect import lock_company_writes, table_of
from inboxsync.db.events import NewEvent, record_events
from inboxsync.db.models import Client, Conversation, Folder, InboxMessage, utcnow
from inboxsync.db.outbox_models import OutboxEntry
from inboxsync.db.override_models import NotificationMark, ThreadOverrideRow
from inboxsync.errors import NotFound, UsageError
from inboxsync.mail.subject import normalize_subject

# As many external participants as the pipeline's threading keeps per conversation.
_MAX_PARTICIPANTS = 50
# What a person's notification mark does to a conversation's status: a notification is not
# classified (`skipped`) unless a classifier has already decided; one that is not goes back
# to the classifier.
_SKIPPABLE = ("pending", "unclassified", "failed")


@dataclass(frozen=True, slots=True)
class ThreadOverride:
    """A merge or a split: `message_ids` moved from `source_id` into `conversation_id` (the
    merge's survivor, the split's new conversation); `undone_at` once undone."""

    id: int
    kind: str
    conversation_id: int
    source_id: int
    message_ids: tuple[int, ...]
    created_at: datetime
    undone_at: datetime | None

    @property
    def undoable(self) -> bool:
        return self.undone_at is None


@dataclass(frozen=True, slots=True)
class NotificationSet:
    """A conversation after a person's notification mark: the mark and its status."""

    conversation_id: int
    is_notification: bool
    status: str


def merge_conversations(
    session: Session, company_id: int, into: int, merged: int
) -> ThreadOverride:
    """Move every message (and outbox row) of `merged` into `into` and delete `merged`,
    whose columns the override keeps to revive it on undo. `into` keeps its folder, status
    and notification mark; its counts, dates and participants are recomputed."""
    if into == merged:
        raise UsageError(f"cannot merge conversation {into} into itself")
    lock_company_writes(session, company_id)
    survivor = _conversation(session, company_id, into)
    gone = _conversation(session, company_id, merged)
    message_ids = _ids(session, InboxMessage, InboxMessage.conversation_id == merged)
    outbox_ids = _ids(session, OutboxEntry, OutboxEntry.conversation_id == merged)
    snapshot = {"conversation": _columns(gone), "outbox_ids": outbox_ids}
    _move(session, InboxMessage, message_ids, into)
    _move(session, OutboxEntry, outbox_ids, into)
    survivor.client_id = survivor.client_id or gone.client_id
    session.delete(gone)
    session.flush()
    _refresh(session, company_id, [into])
    row = _record(session, company_id, "merge", into, merged, message_ids, snapshot)
    event = NewEvent("conversation.merged", into, data={"merged_id": merged, "override_id": row.id})
    record_events(session, company_id, [event])
    return _public(row)


def split_message(session: Session, company_id: int, message_id: int) -> ThreadOverride:
    """Move the message, and the messages of its conversation that reply to it (directly or
    down their In-Reply-To chain), into a new conversation, `pending` so that the classifier
    files it (`skipped` when they are all notifications). Later replies to them join the new
    conversation, and threading never pulls the two together again."""
    lock_company_writes(session, company_id)
    found = session.execute(
        select(InboxMessage.conversation_id, InboxMessage.message_key, InboxMessage.subject).where(
            InboxMessage.id == message_id, InboxMessage.company_id == company_id
        )
    ).first()
    if found is None:
        raise NotFound(f"no message {message_id} in this company")
    source = _conversation(session, company_id, found.conversation_id)
    thread = session.execute(
        select(
            InboxMessage.id,
            InboxMessage.message_key,
            InboxMessage.in_reply_to,
            InboxMessage.is_notification,
        ).where(InboxMessage.conversation_id == source.id)
    ).all()
    moving = _with_replies(
        [(m.id, m.message_key, m.in_reply_to) for m in thread], found.message_key
    )
    if len(moving) == len(thread):
        raise UsageError(
            f"splitting message {message_id} would move every message of conversation "
            f"{source.id}: split one of its replies instead"
        )
    notification = all(m.is_notification for m in thread if m.id in moving)
    now = utcnow()
    new_id = session.execute(
        insert(Conversation)
        .values(
            company_id=company_id,
            client_id=source.client_id,
            subject=found.subject,
            subject_norm=normalize_subject(found.subject),
            root_message_key=found.message_key,
            is_notification=notification,
            participants="",
            started_at=now,
            last_message_at=now,
            message_count=0,
            status="skipped" if notification else "pending",
            created_at=now,
            updated_at=now,
        )
        .returning(Conversation.id)
    ).scalar_one()
    ordered = sorted(moving)
    _move(session, InboxMessage, ordered, new_id)
    _refresh(session, company_id, [new_id, source.id])
    row = _record(session, company_id, "split", new_id, source.id, ordered, {})
    data = {"source_id": source.id, "message_ids": ordered, "override_id": row.id}
    record_events(session, company_id, [NewEvent("conversation.split", new_id, data=data)])
    return _public(row)


def undo_override(session: Session, company_id: int, override_id: int) -> ThreadOverride:
    """Put the messages back as they were: an undone merge revives the merged conversation
    (its id when free) with the messages and outbox rows it had; an undone split moves the
    split conversation's messages back and deletes it. UsageError when already undone."""
    lock_company_writes(session, company_id)
    row = session.scalars(
        select(ThreadOverrideRow).where(
            ThreadOverrideRow.id == override_id, ThreadOverrideRow.company_id == company_id
        )
    ).first()
    if row is None:
        raise NotFound(f"no override {override_id} in this company")
    if row.undone_at is not None:
        raise UsageError(f"override {override_id} was undone already")
    recorded = [int(i) for i in row.message_ids.split()]
    if row.kind == "split":
        recorded += _ids(session, InboxMessage, InboxMessage.conversation_id == row.conversation_id)
    where = dict(
        session.execute(
            select(InboxMessage.id, InboxMessage.conversation_id).where(
                InboxMessage.id.in_(recorded), InboxMessage.company_id == company_id
            )
        ).all()
    )
    if not where:
        raise UsageError(f"the messages of override {override_id} are gone: nothing to undo")
    if row.kind == "merge":
        back_to = _revive(session, json.loads(row.snapshot))
    else:
        back_to = _source_of_split(session, company_id, row)
        outbox = _ids(session, OutboxEntry, OutboxEntry.conversation_id == row.conversation_id)
        _move(session, OutboxEntry, outbox, back_to)
    _move(session, InboxMessage, sorted(where), back_to)
    left = set(where.values()) - {back_to}
    _refresh(session, company_id, [back_to, *sorted(left)])
    row.undone_at = utcnow()
    data = {"override_id": row.id, "kind": row.kind, "conversation_id": back_to}
    record_events(
        session,
        company_id,
        [NewEvent("conversation.override_undone", row.conversation_id, data=data)],
    )
    session.flush()
    return _public(row)


def overrides_of(session: Session, company_id: int, conversation_id: int) -> list[ThreadOverride]:
    """The merges and splits into or out of the company's conversation, newest first (undone
    ones included); NotFound for another company's conversation."""
    _conversation(session, company_id, conversation_id)
    rows = session.scalars(
        select(ThreadOverrideRow)
        .where(
            ThreadOverrideRow.company_id == company_id,
            (ThreadOverrideRow.conversation_id == conversation_id)
            | (ThreadOverrideRow.source_id == conversation_id),
        )
        .order_by(ThreadOverrideRow.id.desc())
    )
    return [_public(r) for r in rows]


def set_notification_mark(
    session: Session, company_id: int, conversation_id: int, is_notification: bool
) -> NotificationSet:
    """Record a person's word on whether the conversation is a notification: the pipeline
    keeps it whatever later messages look like. A notification not yet filed is `skipped`; a
    skipped conversation that is not one goes back to `pending` for the classifier."""
    conversation = _conversation(session, company_id, conversation_id)
    mark = session.get(NotificationMark, conversation_id)
    if mark is None:
        mark = NotificationMark(conversation_id=conversation_id, company_id=company_id)
        session.add(mark)
    mark.is_notification = is_notification
    mark.set_at = utcnow()
    conversation.is_notification = is_notification
    if is_notification and conversation.status in _SKIPPABLE:
        conversation.status = "skipped"
    elif not is_notification and conversation.status == "skipped":
        conversation.status = "pending"
    conversation.updated_at = utcnow()
    session.flush()
    data = {"notification": is_notification, "status": conversation.status}
    record_events(
        session,
        company_id,
        [NewEvent("conversation.notification_set", conversation_id, data=data)],
    )
    return NotificationSet(conversation_id, is_notification, conversation.status)


def _conversation(session: Session, company_id: int, conversation_id: int) -> Conversation:
    found = session.scalars(
        select(Conversation).where(
            Conversation.id == conversation_id, Conversation.company_id == company_id
        )
    ).first()
    if found is None:
        raise NotFound(f"no conversation {conversation_id} in this company")
    return found


def _source_of_split(session: Session, company_id: int, row: ThreadOverrideRow) -> int:
    try:
        return _conversation(session, company_id, row.source_id).id
    except NotFound:
        raise UsageError(
            f"conversation {row.source_id}, which override {row.id} split from, is gone "
            "(merged into another?): undo that first"
        ) from None


def _ids(session: Session, model: type[InboxMessage] | type[OutboxEntry], *where: Any) -> list[int]:
    return list(session.scalars(select(model.id).where(*where).order_by(model.id)))


def _move(
    session: Session, model: type[InboxMessage] | type[OutboxEntry], ids: Collection[int], to: int
) -> None:
    if ids:
        session.execute(
            update(model).where(model.id.in_(list(ids))).values(conversation_id=to),
            execution_options={"synchronize_session": False},
        )


def _with_replies(messages: list[tuple[int, str, str | None]], key: str) -> set[int]:
    """The ids of the message with `key` and of the messages replying to it, down the
    In-Reply-To chain."""
    children: dict[str, list[tuple[int, str]]] = {}
    for message_id, message_key, in_reply_to in messages:
        children.setdefault(in_reply_to or "", []).append((message_id, message_key))
    found = {i for i, k, _ in messages if k == key}
    keys, seen = [key], {key}
    while keys:
        for message_id, message_key in children.get(keys.pop(), ()):
            found.add(message_id)
            if message_key not in seen:
                seen.add(message_key)
                keys.append(message_key)
    return found


def _refresh(session: Session, company_id: int, conversation_ids: list[int]) -> None:
    """Delete those left without messages; recount the others and recompute their
    participants (the external addresses of their messages)."""
    own = load_company(session, company_id).addresses
    people: dict[int, set[str]] = {i: set() for i in conversation_ids}
    rows = session.execute(
        select(
            InboxMessage.conversation_id,
            InboxMessage.from_email,
            InboxMessage.to_emails,
            InboxMessage.cc_emails,
        ).where(InboxMessage.conversation_id.in_(conversation_ids))
    )
    seen: set[int] = set()
    for conversation_id, sender, to, cc in rows:
        seen.add(conversation_id)
        addresses = {sender, *to.split(), *cc.split()} - own - {""}
        people[conversation_id].update(addresses)
    empty = [i for i in conversation_ids if i not in seen]
    if empty:
        session.execute(delete(Conversation).where(Conversation.id.in_(empty)))
    kept = [i for i in conversation_ids if i in seen]
    for conversation_id in kept:
        participants = " ".join(sorted(people[conversation_id])[:_MAX_PARTICIPANTS])
        session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id)
            .values(participants=participants),
            execution_options={"synchronize_session": False},
        )
    if kept:
        recount_conversations(session, kept)
    session.expire_all()


def _columns(conversation: Conversation) -> dict[str, Any]:
    table = table_of(Conversation)
    return {c.name: getattr(conversation, c.key) for c in table.columns}


def _revive(session: Session, snapshot: dict[str, Any]) -> int:
    """Insert the merged conversation back from its columns (a new id when a newer
    conversation took its old one), with its outbox rows; its id."""
    table = table_of(Conversation)
    values = {
        c.name: _restored(snapshot["conversation"][c.name], c.type)
        for c in table.columns
        if c.name in snapshot["conversation"]
    }
    values["updated_at"] = utcnow()
    # What was deleted since the merge is not brought back; a classification in flight was
    # lost with the merge (its claim went with the row).
    if values["folder_id"] is not None and session.get(Folder, values["folder_id"]) is None:
        values["folder_id"] = None
    if values["client_id"] is not None and session.get(Client, values["client_id"]) is None:
        values["client_id"] = None
    if values["status"] == "classifying":
        values["status"] = "pending"
    taken = session.scalar(select(Conversation.id).where(Conversation.id == values["id"]))
    if taken is not None:
        del values["id"]
    revived = int(session.execute(insert(table).values(values).returning(table.c.id)).scalar_one())
    _move(session, OutboxEntry, snapshot["outbox_ids"], revived)
    return revived


def _restored(value: Any, kind: Any) -> Any:
    if value is not None and isinstance(kind, DateTime):
        return datetime.fromisoformat(value)
    return value


def _record(
    session: Session,
    company_id: int,
    kind: str,
    conversation_id: int,
    source_id: int,
    message_ids: Iterable[int],
    snapshot: dict[str, Any],
) -> ThreadOverrideRow:
    row = ThreadOverrideRow(
        company_id=company_id,
        kind=kind,
        conversation_id=conversation_id,
        source_id=source_id,
        message_ids=" ".join(str(i) for i in message_ids),
        snapshot=json.dumps(snapshot, default=str),
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def _public(row: ThreadOverrideRow) -> ThreadOverride:
    return ThreadOverride(
        id=row.id,
        kind=row.kind,
        conversation_id=row.conversation_id,
        source_id=row.source_id,
        message_ids=tuple(int(i) for i in row.message_ids.split()),
        created_at=row.created_at,
        undone_at=row.undone_at,
    )
