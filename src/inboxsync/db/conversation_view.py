"""A conversation as its page shows it, read in a fixed number of statements: the
conversation with its client and folder, its latest messages, their attachments, its outbox
rows and the company's folders, each one query whatever the thread's length."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from inboxsync.db.messages import MAX_ID, AttachmentInfo
from inboxsync.db.models import (
    Attachment,
    Blob,
    Client,
    Company,
    Conversation,
    Folder,
    InboxMessage,
)
from inboxsync.db.outbox_models import OutboxEntry
from inboxsync.errors import NotFound

MAX_MESSAGES = 100
MAX_OUTBOX_ROWS = 50
MAX_RELATED = 10
# Inline images a message's HTML may show, put in its document as data: URLs (a sandboxed
# frame's requests carry no session cookie).
MAX_INLINE_IMAGES = 20
MAX_INLINE_BYTES = 2_000_000
INLINE_IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
# The marker the classifier appends to a reason it took from its decision cache.
_CACHE_MARK = "[cache ("


@dataclass(frozen=True, slots=True)
class ThreadMessage:
    """One message of the thread with its attachments (its HTML is served apart)."""

    id: int
    direction: str
    from_email: str
    from_name: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    date: datetime
    text: str
    has_html: bool
    is_notification: bool
    notification_rule: str
    notification_reason: str
    attachments: tuple[AttachmentInfo, ...]


@dataclass(frozen=True, slots=True)
class SentItem:
    """An outbox row of the conversation: an auto-reply or an agent's reply."""

    id: int
    kind: str
    status: str
    reason: str
    recipient: str
    subject: str
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True, slots=True)
class FolderChoice:
    """A folder the conversation can be moved to."""

    id: int
    name: str


@dataclass(frozen=True, slots=True)
class RelatedConversation:
    """Another recent conversation of the same client: a candidate to merge with."""

    id: int
    subject: str
    last_message_at: datetime


@dataclass(frozen=True, slots=True)
class ConversationView:
    """A conversation, why it is where it is, its latest MAX_MESSAGES messages (oldest first)
    and what was sent for it."""

    id: int
    subject: str
    client_email: str | None
    client_name: str
    folder_id: int | None
    folder: str | None
    status: str
    status_reason: str
    folder_source: str
    folder_confidence: float | None
    # USD: its share of the paid AI calls that filed it; 0.0 none, None never filed (or
    # filed before shares were recorded).
    ai_cost_usd: float | None
    is_notification: bool
    message_count: int
    started_at: datetime
    last_message_at: datetime
    messages: tuple[ThreadMessage, ...]
    sent: tuple[SentItem, ...]
    folders: tuple[FolderChoice, ...]
    related: tuple[RelatedConversation, ...]
    # The company's event feed when it was read: where the page's live view resumes.
    last_event_seq: int

    @property
    def filed_by(self) -> str:
        """Who decided the folder: "person", "mailbox" (a person, in a mapped IMAP folder),
        "rule" (a notification), "cache" (an earlier AI decision for the same content), "ai",
        "local" (the offline model), or "" (not yet)."""
        if self.folder_source == "user":
            return "person"
        if self.is_notification:
            return "rule"
        if self.folder_source and _CACHE_MARK in self.status_reason:
            return "cache"
        return self.folder_source

    @property
    def notification_rule(self) -> str:
        """The header rule that made its first notification message one, if any."""
        return next((m.notification_rule for m in self.messages if m.notification_rule), "")


def conversation_view(session: Session, company_id: int, conversation_id: int) -> ConversationView:
    """The company's conversation as its page shows it; NotFound when the company has no such
    conversation (another company's included)."""
    row = None
    if 0 < conversation_id <= MAX_ID:
        row = session.execute(
            select(Conversation, Client.email, Client.name, Folder.name, Company.last_event_seq)
            .join(Company, Company.id == Conversation.company_id)
            .outerjoin(Client, Client.id == Conversation.client_id)
            .outerjoin(Folder, Folder.id == Conversation.folder_id)
            .where(Conversation.id == conversation_id, Conversation.company_id == company_id)
        ).first()
    if row is None:
        raise NotFound(f"no conversation {conversation_id} in this company")
    conversation, client_email, client_name, folder_name, last_event_seq = row
    messages = _latest_messages(session, conversation_id)
    return ConversationView(
        id=conversation.id,
        subject=conversation.subject,
        client_email=client_email,
        client_name=client_name or "",
        folder_id=conversation.folder_id,
        folder=folder_name,
        status=conversation.status,
        status_reason=conversation.status_reason,
        folder_source=conversation.folder_source,
        folder_confidence=conversation.folder_confidence,
        ai_cost_usd=conversation.ai_cost_usd,
        is_notification=conversation.is_notification,
        message_count=conversation.message_count,
        started_at=conversation.started_at,
        last_message_at=conversation.last_message_at,
        messages=messages,
        sent=_sent(session, conversation_id),
        folders=tuple(
            FolderChoice(*f)
            for f in session.execute(
                select(Folder.id, Folder.name)
                .where(Folder.company_id == company_id)
                .order_by(Folder.name)
            )
        ),
        related=_related(session, company_id, conversation),
        last_event_seq=last_event_seq or 0,
    )


def _related(
    session: Session, company_id: int, conversation: Conversation
) -> tuple[RelatedConversation, ...]:
    if conversation.client_id is None:
        return ()
    rows = session.execute(
        select(Conversation.id, Conversation.subject, Conversation.last_message_at)
        .where(
            Conversation.company_id == company_id,
            Conversation.client_id == conversation.client_id,
            Conversation.id != conversation.id,
        )
        .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
        .limit(MAX_RELATED)
    )
    return tuple(RelatedConversation(*r) for r in rows)


def _latest_messages(session: Session, conversation_id: int) -> tuple[ThreadMessage, ...]:
    m = InboxMessage
    rows = session.execute(
        select(
            m.id,
            m.direction,
            m.from_email,
            m.from_name,
            m.to_emails,
            m.cc_emails,
            m.subject,
            m.date,
            m.body_text,
            m.body_html.is_not(None),
            m.is_notification,
            m.notification_rule,
            m.notification_reason,
        )
        .where(m.conversation_id == conversation_id)
        .order_by(m.date.desc(), m.id.desc())
        .limit(MAX_MESSAGES)
    ).all()
    parts: defaultdict[int, list[AttachmentInfo]] = defaultdict(list)
    if rows:
        for part in session.execute(
            select(
                Attachment.message_id,
                Attachment.id,
                Attachment.filename,
                Attachment.content_type,
                Attachment.size,
                Attachment.is_inline,
                Attachment.content_id,
            )
            .where(Attachment.message_id.in_([r.id for r in rows]))
            .order_by(Attachment.id)
        ):
            parts[part[0]].append(AttachmentInfo(*part[1:]))
    return tuple(
        ThreadMessage(
            id=r[0],
            direction=r[1],
            from_email=r[2],
            from_name=r[3],
            to=tuple(r[4].split()),
            cc=tuple(r[5].split()),
            subject=r[6],
            date=r[7],
            text=r[8],
            has_html=bool(r[9]),
            is_notification=r[10],
            notification_rule=r[11],
            notification_reason=r[12],
            attachments=tuple(parts[r[0]]),
        )
        for r in reversed(rows)
    )


def _sent(session: Session, conversation_id: int) -> tuple[SentItem, ...]:
    o = OutboxEntry
    rows = session.execute(
        select(o.id, o.kind, o.status, o.reason, o.recipient, o.subject, o.created_at, o.sent_at)
        .where(o.conversation_id == conversation_id)
        .order_by(o.created_at.desc(), o.id.desc())
        .limit(MAX_OUTBOX_ROWS)
    )
    return tuple(SentItem(*r) for r in rows)


@dataclass(frozen=True, slots=True)
class InlineImage:
    """An image part that a message's HTML names by `cid:`."""

    attachment_id: int
    content_type: str
    data: bytes


def inline_images(session: Session, company_id: int, message_id: int) -> tuple[InlineImage, ...]:
    """The company's message's first MAX_INLINE_IMAGES image parts with a Content-ID, of a
    raster type and at most MAX_INLINE_BYTES each; NotFound when the company has no such
    message (another company's included)."""
    found = 0 < message_id <= MAX_ID and session.scalar(
        select(InboxMessage.id).where(
            InboxMessage.id == message_id, InboxMessage.company_id == company_id
        )
    )
    if not found:
        raise NotFound(f"no message {message_id} in this company")
    rows = session.execute(
        select(Attachment.id, Attachment.content_type, Blob.data)
        .join(Blob, Blob.sha256 == Attachment.sha256)
        .where(
            Attachment.message_id == message_id,
            Attachment.content_id.is_not(None),
            Attachment.content_type.in_(INLINE_IMAGE_TYPES),
            Attachment.size <= MAX_INLINE_BYTES,
        )
        .order_by(Attachment.id)
        .limit(MAX_INLINE_IMAGES)
    )
    return tuple(InlineImage(*r) for r in rows)
