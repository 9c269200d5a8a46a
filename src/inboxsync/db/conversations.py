"""Reading conversations back: the listing and the detail of one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from inboxsync.db.models import Client, Conversation, Folder, InboxMessage, utcnow
from inboxsync.errors import NotFound


@dataclass(frozen=True, slots=True)
class ConversationRow:
    """One line of a company's conversation list."""

    id: int
    subject: str
    client: str | None
    messages: int
    last_message_at: datetime
    is_notification: bool
    status: str
    folder: str | None


@dataclass(frozen=True, slots=True)
class MessageRow:
    """One message of a conversation, as shown by `inboxsync show`."""

    id: int
    date: datetime
    direction: str
    from_email: str
    subject: str
    is_notification: bool
    notification_reason: str
    preview: str


@dataclass(frozen=True, slots=True)
class ConversationDetail:
    """A conversation as its list line shows it, with its messages in place of their count."""

    id: int
    subject: str
    client: str | None
    messages: tuple[MessageRow, ...]
    last_message_at: datetime
    is_notification: bool
    status: str
    folder: str | None


def _rows_query() -> Select[int, str, str, int, datetime, bool, str, str]:
    return (
        select(
            Conversation.id,
            Conversation.subject,
            Client.email,
            Conversation.message_count,
            Conversation.last_message_at,
            Conversation.is_notification,
            Conversation.status,
            Folder.name,
        )
        .outerjoin(Client, Client.id == Conversation.client_id)
        .outerjoin(Folder, Folder.id == Conversation.folder_id)
    )


def list_conversations(
    session: Session, company_id: int, limit: int | None = None
) -> list[ConversationRow]:
    """The company's conversations, most recent activity first."""
    query = (
        _rows_query()
        .where(Conversation.company_id == company_id)
        .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
        .limit(limit)
    )
    return [ConversationRow(*row) for row in session.execute(query)]


def conversation_detail(
    session: Session, company_id: int, conversation_id: int
) -> ConversationDetail:
    """The company's conversation with its messages in date order; NotFound when the company
    has no such conversation (another company's included)."""
    row = session.execute(
        _rows_query().where(
            Conversation.id == conversation_id, Conversation.company_id == company_id
        )
    ).first()
    if row is None:
        raise NotFound(f"no conversation {conversation_id} in this company")
    listed = ConversationRow(*row)
    messages = session.execute(
        select(
            InboxMessage.id,
            InboxMessage.date,
            InboxMessage.direction,
            InboxMessage.from_email,
            InboxMessage.subject,
            InboxMessage.is_notification,
            InboxMessage.notification_reason,
            InboxMessage.body_text,
        )
        .where(InboxMessage.conversation_id == conversation_id)
        .order_by(InboxMessage.date, InboxMessage.id)
    )
    return ConversationDetail(
        id=listed.id,
        subject=listed.subject,
        client=listed.client,
        messages=tuple(MessageRow(*m[:7], preview=" ".join(m[7].split())[:200]) for m in messages),
        last_message_at=listed.last_message_at,
        is_notification=listed.is_notification,
        status=listed.status,
        folder=listed.folder,
    )


def recount_conversations(session: Session, conversation_ids: list[int]) -> None:
    """Set the message count and first and last dates of the conversations from their
    messages, and bump their `updated_at` (one statement)."""
    of_conversation = InboxMessage.conversation_id == Conversation.id
    session.execute(
        update(Conversation)
        .where(Conversation.id.in_(conversation_ids))
        .values(
            message_count=select(func.count()).where(of_conversation).scalar_subquery(),
            started_at=select(func.min(InboxMessage.date)).where(of_conversation).scalar_subquery(),
            last_message_at=select(func.max(InboxMessage.date))
            .where(of_conversation)
            .scalar_subquery(),
            updated_at=utcnow(),
        ),
        execution_options={"synchronize_session": False},
    )
