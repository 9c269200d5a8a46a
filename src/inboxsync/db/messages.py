"""Reading one message back: its stored fields, its attachments, and an attachment's bytes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from inboxsync.db.models import Attachment, Blob, InboxMessage
from inboxsync.errors import NotFound

# The widest id a column holds on every database (PostgreSQL's integer): a larger one is
# unknown, never an error of the database.
MAX_ID = 2**31 - 1


@dataclass(frozen=True, slots=True)
class AttachmentInfo:
    """An attachment or inline part of a message, without its bytes."""

    id: int
    filename: str
    content_type: str
    size: int
    is_inline: bool
    # The part's Content-ID, which an inline image of the HTML names as `cid:…`.
    content_id: str | None


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """A message as stored: its HTML as the sender wrote it (never shown unsanitized)."""

    id: int
    conversation_id: int
    direction: str
    from_email: str
    from_name: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    date: datetime
    text: str
    html: str | None
    attachments: tuple[AttachmentInfo, ...]


@dataclass(frozen=True, slots=True)
class StoredAttachment:
    """An attachment's stored name, type and bytes."""

    filename: str
    content_type: str
    data: bytes


def load_message(session: Session, company_id: int, message_id: int) -> StoredMessage:
    """The company's message with its attachments in their order; NotFound when the company
    has no such message (another company's included)."""
    row = None
    if 0 < message_id <= MAX_ID:
        row = session.execute(
            select(
                InboxMessage.id,
                InboxMessage.conversation_id,
                InboxMessage.direction,
                InboxMessage.from_email,
                InboxMessage.from_name,
                InboxMessage.to_emails,
                InboxMessage.cc_emails,
                InboxMessage.subject,
                InboxMessage.date,
                InboxMessage.body_text,
                InboxMessage.body_html,
            ).where(InboxMessage.id == message_id, InboxMessage.company_id == company_id)
        ).first()
    if row is None:
        raise NotFound(f"no message {message_id} in this company")
    attachments = session.execute(
        select(
            Attachment.id,
            Attachment.filename,
            Attachment.content_type,
            Attachment.size,
            Attachment.is_inline,
            Attachment.content_id,
        )
        .where(Attachment.message_id == message_id)
        .order_by(Attachment.id)
    )
    return StoredMessage(
        id=row.id,
        conversation_id=row.conversation_id,
        direction=row.direction,
        from_email=row.from_email,
        from_name=row.from_name,
        to=tuple(row.to_emails.split()),
        cc=tuple(row.cc_emails.split()),
        subject=row.subject,
        date=row.date,
        text=row.body_text,
        html=row.body_html,
        attachments=tuple(AttachmentInfo(*a) for a in attachments),
    )


def load_attachment(
    session: Session, company_id: int, message_id: int, attachment_id: int
) -> StoredAttachment:
    """One attachment of the company's message, its bytes from the content-addressed store;
    NotFound when that message has no such attachment (another message's or company's)."""
    row = None
    if 0 < message_id <= MAX_ID and 0 < attachment_id <= MAX_ID:
        row = session.execute(
            select(Attachment.filename, Attachment.content_type, Blob.data)
            .join(Blob, Blob.sha256 == Attachment.sha256)
            .join(InboxMessage, InboxMessage.id == Attachment.message_id)
            .where(
                Attachment.id == attachment_id,
                Attachment.message_id == message_id,
                InboxMessage.company_id == company_id,
            )
        ).first()
    if row is None:
        raise NotFound(f"no attachment {attachment_id} of message {message_id} in this company")
    return StoredAttachment(*row)
