"""The web inbox's list: a keyset page of a company's conversations newest activity first, each
with its last message's preview and whether it is unread for one user, in two queries; and the
reads that make a conversation read again."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, aliased

from inboxsync.db.dialect import table_of
from inboxsync.db.listing import (
    ConversationFilter,
    ConversationItem,
    conversation_query,
    keyset_page,
    list_folders,
)
from inboxsync.db.models import Company, Conversation, InboxMessage, utcnow
from inboxsync.db.read_models import ConversationRead
from inboxsync.db.user_models import User
from inboxsync.errors import NotFound

PREVIEW_CHARS = 120
# What the database hands back of a body for its preview: enough after collapsing blank runs.
_PREVIEW_FETCH = 4 * PREVIEW_CHARS
_BLANKS = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class LastMessage:
    """A conversation's latest message (by date) as the list shows it."""

    sender: str  # the display name, else the address
    preview: str  # the text's first PREVIEW_CHARS characters, whitespace collapsed
    date: datetime


@dataclass(frozen=True, slots=True)
class InboxRow:
    """One line of the inbox: the conversation, its last message, unread for the user."""

    conversation: ConversationItem
    last: LastMessage | None
    unread: bool


@dataclass(frozen=True, slots=True)
class InboxPage:
    """Conversations newest activity first (updated_at, id descending); `next_cursor` asks
    for the following page, None at the end; `last_event_seq` is the company's event feed
    position when the page was read (a live view follows it from there)."""

    rows: tuple[InboxRow, ...]
    next_cursor: str | None
    last_event_seq: int


def inbox_page(
    session: Session,
    company_id: int,
    user_id: int,
    where: ConversationFilter,
    *,
    cursor: str | None = None,
    limit: int = 50,
) -> InboxPage:
    """A page of the company's conversations matching `where` for the company's user
    `user_id`, after `cursor`; NotFound for a user of another company."""
    check_user(session, company_id, user_id)
    seq = session.scalar(select(Company.last_event_seq).where(Company.id == company_id)) or 0
    page = keyset_page(
        session,
        conversation_query(session, company_id, where),
        [Conversation.updated_at, Conversation.id],
        lambda row: ConversationItem(*row),
        cursor=cursor,
        limit=limit,
        descending=True,
    )
    extras = _last_and_unread(session, user_id, [c.id for c in page.items])
    rows = tuple(InboxRow(c, *extras.get(c.id, (None, True))) for c in page.items)
    return InboxPage(rows, page.next_cursor, int(seq))


@dataclass(frozen=True, slots=True)
class FolderCount:
    """A folder of the inbox's sidebar and its conversations (notifications left out);
    `id` None is the unfiled conversations."""

    id: int | None
    name: str | None
    conversations: int


def folder_counts(session: Session, company_id: int) -> tuple[FolderCount, ...]:
    """The company's folders by name with their conversations, then the unfiled ones."""
    counts = (
        select(Conversation.folder_id, func.count())
        .where(Conversation.company_id == company_id, Conversation.is_notification.is_(False))
        .group_by(Conversation.folder_id)
    )
    counted: dict[int | None, int] = dict(session.execute(counts).all())
    folders = [
        FolderCount(f.id, f.name, counted.get(f.id, 0)) for f in list_folders(session, company_id)
    ]
    return (*folders, FolderCount(None, None, counted.get(None, 0)))


def _last_and_unread(
    session: Session, user_id: int, ids: Sequence[int]
) -> dict[int, tuple[LastMessage | None, bool]]:
    """Each conversation's last message and unread flag, in one query (each an index probe
    of its messages by conversation and date)."""
    if not ids:
        return {}
    last, newer = aliased(InboxMessage), aliased(InboxMessage)
    last_id = (
        select(InboxMessage.id)
        .where(InboxMessage.conversation_id == Conversation.id)
        .order_by(InboxMessage.date.desc(), InboxMessage.id.desc())
        .limit(1)
        .correlate(Conversation)
        .scalar_subquery()
    )
    unread = or_(
        ConversationRead.read_at.is_(None),
        exists().where(
            newer.conversation_id == Conversation.id, newer.created_at > ConversationRead.read_at
        ),
    )
    query = (
        select(
            Conversation.id,
            last.from_name,
            last.from_email,
            func.substr(last.body_text, 1, _PREVIEW_FETCH),
            last.date,
            unread,
        )
        .select_from(Conversation)
        .outerjoin(last, last.id == last_id)
        .outerjoin(
            ConversationRead,
            (ConversationRead.conversation_id == Conversation.id)
            & (ConversationRead.user_id == user_id),
        )
        # The ids are of the company's page already; with company_id here too, SQLite walked
        # the company's index (100,000 rows) instead of looking the ids up.
        .where(Conversation.id.in_(ids))
    )
    found: dict[int, tuple[LastMessage | None, bool]] = {}
    for conversation_id, name, email, text, date, is_unread in session.execute(query):
        message = None if date is None else LastMessage(name or email or "", preview(text), date)
        found[conversation_id] = (message, bool(is_unread))
    return found


def preview(text: str | None) -> str:
    """The start of a message's text for a list line: whitespace runs made one space, cut to
    PREVIEW_CHARS characters (an ellipsis when cut)."""
    flat = _BLANKS.sub(" ", text or "").strip()
    return flat if len(flat) <= PREVIEW_CHARS else flat[: PREVIEW_CHARS - 1].rstrip() + "…"


def check_user(session: Session, company_id: int, user_id: int) -> None:
    """NotFound unless `user_id` is one of the company's users."""
    known = session.scalar(select(User.id).where(User.id == user_id, User.company_id == company_id))
    if known is None:
        raise NotFound(f"no user {user_id} in this company")


def mark_read(session: Session, company_id: int, user_id: int, conversation_id: int) -> None:
    """Record that the company's user read its conversation now; NotFound when the company
    has no such user or conversation (another company's included)."""
    check_user(session, company_id, user_id)
    known = session.scalar(
        select(Conversation.id).where(
            Conversation.id == conversation_id, Conversation.company_id == company_id
        )
    )
    if known is None:
        raise NotFound(f"no conversation {conversation_id} in this company")
    module: Any = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    now = utcnow()
    session.execute(
        module.insert(table_of(ConversationRead))
        .values(user_id=user_id, conversation_id=conversation_id, read_at=now)
        .on_conflict_do_update(index_elements=["user_id", "conversation_id"], set_={"read_at": now})
    )
