"""What the HTTP API pages through and counts: the opaque keyset cursor and `Page` every list
shares, a company's conversations one page at a time (by `updated_at`, then id), its folders,
and the store's totals."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, func, select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

from inboxsync.db.ai_models import AiCall
from inboxsync.db.api_models import WebhookDelivery
from inboxsync.db.companies import CompanyInfo, find_folder
from inboxsync.db.models import (
    Client,
    Company,
    CompanyAddress,
    Conversation,
    Folder,
    InboxMessage,
    Quarantine,
    SyncRun,
)
from inboxsync.db.outbox_models import OutboxEntry
from inboxsync.db.search import matching_conversations
from inboxsync.errors import UsageError

CONVERSATION_STATUSES = (
    "pending",
    "classifying",
    "classified",
    "unclassified",
    "failed",
    "skipped",
)
MAX_PAGE = 200
# A cursor is a short base64 text; anything longer is not one of ours.
_MAX_CURSOR_CHARS = 200

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ConversationFilter:
    """Which of a company's conversations a page holds; None leaves a criterion out.
    `folder` is a name or id, or "none" for unfiled conversations; `since`/`until` bound the
    last message's date (from, inclusive; to, exclusive); `updated_since` is inclusive; `q`
    keeps the conversations with a message matching the search (see db/search.py)."""

    folder: str | int | None = None
    status: str | None = None
    client: str | None = None
    notification: bool | None = None
    updated_since: datetime | None = None
    since: datetime | None = None
    until: datetime | None = None
    q: str | None = None


@dataclass(frozen=True, slots=True)
class ConversationItem:
    """One conversation of a page: its list line, with when it started and last changed."""

    id: int
    subject: str
    client: str | None
    messages: int
    started_at: datetime
    last_message_at: datetime
    updated_at: datetime
    is_notification: bool
    status: str
    folder: str | None


@dataclass(frozen=True, slots=True)
class ConversationPage:
    """Conversations in (updated_at, id) order; `next_cursor` asks for the following page,
    None when this one reached the end."""

    conversations: tuple[ConversationItem, ...]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class FolderInfo:
    """A folder: what the classifier files by, and its auto-reply."""

    id: int
    name: str
    description: str
    auto_reply: bool
    auto_reply_subject: str | None
    auto_reply_body: str | None


@dataclass(frozen=True, slots=True)
class StoreCounts:
    """Totals over every company, as `/metrics` shows them."""

    messages: int
    conversations: dict[str, int]
    quarantine: int
    sync_runs: dict[str, int]
    outbox: dict[str, int]
    # AI requests by purpose and outcome ("classify/ok"), and what they cost in all.
    ai_calls: dict[str, int]
    ai_cost_usd: float
    # Webhook delivery attempts by outcome: 2xx, 3xx, 4xx, 5xx, or no_answer.
    webhook_deliveries: dict[str, int]


CursorValue = datetime | int | str
# A SELECT of any columns, as the keyset page takes it.
AnySelect = Select[*tuple[Any, ...]]


def encode_cursor(*key: CursorValue) -> str:
    """The opaque cursor of the position just after the row whose sort key is `key`."""
    values = [v.isoformat() if isinstance(v, datetime) else v for v in key]
    raw = json.dumps(values, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(
    cursor: str, kinds: tuple[type[CursorValue], ...] = (datetime, int)
) -> tuple[Any, ...]:
    """The sort key a cursor stands for, one value of each of `kinds` (by default a
    conversation's updated_at and id); UsageError for anything `encode_cursor` did not make."""
    try:
        if len(cursor) > _MAX_CURSOR_CHARS:
            raise ValueError("too long")
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(kinds):
            raise ValueError("wrong shape")
        return tuple(_cursor_value(kind, value) for kind, value in zip(kinds, values, strict=True))
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise UsageError("bad cursor: pass back a next_cursor exactly as it came") from exc


def _cursor_value(kind: type[CursorValue], value: object) -> CursorValue:
    if kind is datetime:
        if not isinstance(value, str):
            raise ValueError("not a timestamp")
        stamp = datetime.fromisoformat(value)
        if stamp.tzinfo is not None:
            raise ValueError("not a naive timestamp")
        return stamp
    if type(value) is not kind:  # bool is no int here
        raise ValueError("wrong type")
    if isinstance(value, int) and not -(2**63) <= value < 2**63:
        raise ValueError("out of the columns' range")  # SQLite would refuse to bind it
    assert isinstance(value, int | str)
    return value


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One keyset page of a list: `next_cursor` asks for the following page, None when this
    one reached the end."""

    items: tuple[T, ...]
    next_cursor: str | None


def keyset_page(
    session: Session,
    query: AnySelect,
    key: Sequence[InstrumentedAttribute[Any]],
    make: Callable[[Sequence[Any]], T],
    *,
    cursor: str | None = None,
    limit: int = 50,
    descending: bool = False,
) -> Page[T]:
    """A page of `query` ordered by the unique sort `key` (ascending, or descending), after
    `cursor`; `make` builds an item from a row of `query`'s own columns."""
    if not 1 <= limit <= MAX_PAGE:
        raise UsageError(f"limit is between 1 and {MAX_PAGE}, not {limit}")
    if cursor is not None:
        kinds = tuple(column.type.python_type for column in key)
        query = query.where(_after(key, decode_cursor(cursor, kinds), descending))
    order = [column.desc() if descending else column for column in key]
    rows = session.execute(query.add_columns(*key).order_by(*order).limit(limit + 1)).all()
    width = len(rows[0]) - len(key) if rows else 0
    items = tuple(make(row[:width]) for row in rows[:limit])
    if len(rows) <= limit:
        return Page(items, None)
    return Page(items, encode_cursor(*rows[limit - 1][width:]))


def _after(
    key: Sequence[InstrumentedAttribute[Any]], values: Sequence[Any], descending: bool
) -> ColumnElement[bool]:
    """Rows past `values` in the order of `key`: one row-value comparison, which both
    databases answer from an index on `key` (an OR of its columns they only filter with)."""
    row, past = tuple_(*key), tuple_(*values)
    return row < past if descending else row > past


def conversation_page(
    session: Session,
    company_id: int,
    where: ConversationFilter,
    *,
    cursor: str | None = None,
    limit: int = 50,
) -> ConversationPage:
    """A page of the company's conversations matching `where`, after `cursor`."""
    if not 1 <= limit <= MAX_PAGE:
        raise UsageError(f"limit is between 1 and {MAX_PAGE}, not {limit}")
    query = (
        conversation_query(session, company_id, where)
        .order_by(Conversation.updated_at, Conversation.id)
        .limit(limit + 1)
    )
    if cursor is not None:
        key = (Conversation.updated_at, Conversation.id)
        query = query.where(_after(key, decode_cursor(cursor), descending=False))
    rows: Sequence[Any] = session.execute(query).all()
    items = [ConversationItem(*row) for row in rows]
    if len(items) <= limit:
        return ConversationPage(tuple(items), None)
    last = items[limit - 1]
    return ConversationPage(tuple(items[:limit]), encode_cursor(last.updated_at, last.id))


def conversation_query(session: Session, company_id: int, where: ConversationFilter) -> AnySelect:
    """The columns of a `ConversationItem` for the company's conversations matching `where`,
    unordered; UsageError for an unknown status, NotFound for an unknown folder."""
    if where.status is not None and where.status not in CONVERSATION_STATUSES:
        raise UsageError(f"status is one of {', '.join(CONVERSATION_STATUSES)}")
    return (
        select(
            Conversation.id,
            Conversation.subject,
            Client.email,
            Conversation.message_count,
            Conversation.started_at,
            Conversation.last_message_at,
            Conversation.updated_at,
            Conversation.is_notification,
            Conversation.status,
            Folder.name,
        )
        .outerjoin(Client, Client.id == Conversation.client_id)
        .outerjoin(Folder, Folder.id == Conversation.folder_id)
        .where(Conversation.company_id == company_id, *_criteria(session, company_id, where))
    )


def _criteria(
    session: Session, company_id: int, where: ConversationFilter
) -> list[ColumnElement[bool]]:
    criteria: list[ColumnElement[bool]] = []
    if where.folder is not None:
        if str(where.folder).strip().lower() == "none":
            criteria.append(Conversation.folder_id.is_(None))
        else:
            criteria.append(
                Conversation.folder_id == find_folder(session, company_id, where.folder).id
            )
    if where.status is not None:
        criteria.append(Conversation.status == where.status)
    if where.client is not None:
        criteria.append(Client.email == where.client.strip().lower())
    if where.notification is not None:
        criteria.append(Conversation.is_notification.is_(where.notification))
    if where.updated_since is not None:
        criteria.append(Conversation.updated_at >= where.updated_since)
    if where.since is not None:
        criteria.append(Conversation.last_message_at >= where.since)
    if where.until is not None:
        criteria.append(Conversation.last_message_at < where.until)
    if where.q is not None:
        criteria.append(matching_conversations(session, company_id, where.q))
    return criteria


def list_folders(session: Session, company_id: int) -> list[FolderInfo]:
    """The company's folders by name."""
    rows = session.execute(
        select(
            Folder.id,
            Folder.name,
            Folder.ai_description,
            Folder.auto_reply_enabled,
            Folder.auto_reply_subject,
            Folder.auto_reply_body,
        )
        .where(Folder.company_id == company_id)
        .order_by(Folder.name)
    )
    return [FolderInfo(*row) for row in rows]


def _folder_columns() -> AnySelect:
    return select(
        Folder.id,
        Folder.name,
        Folder.ai_description,
        Folder.auto_reply_enabled,
        Folder.auto_reply_subject,
        Folder.auto_reply_body,
    )


def folder_page(
    session: Session, company_id: int, *, cursor: str | None = None, limit: int = 50
) -> Page[FolderInfo]:
    """A page of the company's folders by name."""
    query = _folder_columns().where(Folder.company_id == company_id)
    return keyset_page(
        session, query, [Folder.name, Folder.id], lambda row: FolderInfo(*row),
        cursor=cursor, limit=limit,
    )  # fmt: skip


def folder_info(session: Session, company_id: int, folder: str | int) -> FolderInfo:
    """One of the company's folders (name or id); NotFound as `find_folder`."""
    folder_id = find_folder(session, company_id, folder).id
    row = session.execute(_folder_columns().where(Folder.id == folder_id)).one()
    return FolderInfo(*row)


def company_page(
    session: Session, *, cursor: str | None = None, limit: int = 50
) -> Page[CompanyInfo]:
    """A page of every company by name, with its own addresses."""
    query = select(Company.id, Company.name)
    page = keyset_page(session, query, [Company.name, Company.id], tuple, cursor=cursor,
                       limit=limit)  # fmt: skip
    ids = [company_id for company_id, _ in page.items]
    addresses: dict[int, set[str]] = {i: set() for i in ids}
    if ids:
        for company_id, email in session.execute(
            select(CompanyAddress.company_id, CompanyAddress.email).where(
                CompanyAddress.company_id.in_(ids)
            )
        ):
            addresses[company_id].add(email)
    items = tuple(CompanyInfo(i, name, frozenset(addresses[i])) for i, name in page.items)
    return Page(items, page.next_cursor)


def store_counts(session: Session) -> StoreCounts:
    """The store's totals over every company (a handful of grouped counts)."""
    ai_rows = session.execute(
        select(AiCall.purpose, AiCall.outcome, func.count(), func.sum(AiCall.cost_usd)).group_by(
            AiCall.purpose, AiCall.outcome
        )
    ).all()
    deliveries: dict[str, int] = {}
    for code, n in _grouped(session, WebhookDelivery.status_code).items():
        outcome = "no_answer" if code is None else f"{code // 100}xx"
        deliveries[outcome] = deliveries.get(outcome, 0) + n
    return StoreCounts(
        messages=_count(session, InboxMessage.id),
        conversations=_grouped(session, Conversation.status),
        quarantine=_count(session, Quarantine.id),
        sync_runs=_grouped(session, SyncRun.status),
        outbox=_grouped(session, OutboxEntry.status),
        ai_calls={f"{purpose}/{outcome}": int(n) for purpose, outcome, n, _ in ai_rows},
        ai_cost_usd=round(sum(float(cost or 0.0) for *_, cost in ai_rows), 6),
        webhook_deliveries=deliveries,
    )


def _count(session: Session, column: InstrumentedAttribute[int]) -> int:
    return int(session.scalar(select(func.count(column))) or 0)


def _grouped(session: Session, column: InstrumentedAttribute[T]) -> dict[T, int]:
    return {
        key: int(n) for key, n in session.execute(select(column, func.count()).group_by(column))
    }
