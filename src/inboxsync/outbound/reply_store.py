"""Agents' replies in the outbox: written once per Idempotency-Key (the UNIQUE row decides,
also between two requests at once), threaded on the conversation's last incoming message,
their attachments' bytes in `blobs`; and read back."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from inboxsync.db.dialect import insert_ignore
from inboxsync.db.models import Blob, CompanyAddress, Conversation, InboxMessage, utcnow
from inboxsync.db.outbox_models import OutboxEntry
from inboxsync.errors import NotFound
from inboxsync.outbound.message import make_message_id, message_id_domain, thread_references
from inboxsync.outbound.outbox import REPLY, reply_key
from inboxsync.outbound.reply_input import ReplyRefused, ReplyRequest
from inboxsync.outbound.settings_store import load_company_smtp
from inboxsync.outbound.templates import one_line

# The dedup key of a reply sent without an Idempotency-Key: no `reply:` key can equal it.
_RANDOM_KEY = "reply.random:{}"


@dataclass(frozen=True, slots=True)
class ReplyReceipt:
    """A reply accepted: its id, its state, its Message-ID (bare); `replayed` when the
    Idempotency-Key had been used for it before (nothing new was written)."""

    reply_id: int
    conversation_id: int
    status: str
    message_id: str
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class ReplyStatus:
    """Where a reply is: status (queued, claimed, sending, retry, sent, failed), the attempts
    made, the last failure's reason, and its Sent folder copy ("", appended, failed: …)."""

    reply_id: int
    conversation_id: int
    status: str
    recipient: str
    subject: str
    message_id: str
    attempts: int
    reason: str
    sent_copy: str
    created_at: datetime
    sent_at: datetime | None
    next_attempt_at: datetime | None


def queue_reply(
    session: Session,
    company_id: int,
    conversation_id: int,
    request: ReplyRequest,
    idempotency_key: str | None,
) -> ReplyReceipt:
    """Write the reply as a `queued` outbox row in the caller's transaction, or answer the
    one written before with the same key (ReplyRefused idempotency_mismatch when it asked
    for something else). NotFound for a conversation of another company."""
    subject = session.scalar(
        select(Conversation.subject).where(
            Conversation.id == conversation_id, Conversation.company_id == company_id
        )
    )
    if subject is None:
        raise NotFound(f"no conversation {conversation_id} in this company")
    fingerprint = request.fingerprint(conversation_id)
    dedup_key = (
        reply_key(idempotency_key) if idempotency_key else _RANDOM_KEY.format(uuid.uuid4().hex)
    )
    earlier = _replayed(session, company_id, dedup_key, fingerprint)
    if earlier is not None:
        return earlier
    parent = session.scalars(
        select(InboxMessage)
        .where(InboxMessage.conversation_id == conversation_id, InboxMessage.direction == "in")
        .order_by(InboxMessage.date.desc(), InboxMessage.id.desc())
        .limit(1)
    ).first()
    if parent is None or not parent.reply_address:
        raise ReplyRefused("no_recipient", "the conversation has no incoming message to answer")
    sender = sender_address(session, company_id)
    for file in request.attachments:
        session.execute(
            insert_ignore(session, Blob).values(
                sha256=_sha256(file.data), size=len(file.data), data=file.data
            )
        )
    now = utcnow()
    message_id = make_message_id(message_id_domain(sender), "reply")
    parent_id = parent.message_id or None
    inserted = session.execute(
        insert_ignore(session, OutboxEntry)
        .values(
            company_id=company_id,
            conversation_id=conversation_id,
            kind=REPLY,
            dedup_key=dedup_key,
            request_hash=fingerprint,
            status="queued",
            reason="",
            recipient=parent.reply_address,
            subject=_reply_subject(parent.subject or subject),
            body=request.text,
            body_html=request.html,
            attachments=json.dumps(
                [
                    {
                        "filename": f.filename,
                        "content_type": f.content_type,
                        "sha256": _sha256(f.data),
                        "size": len(f.data),
                    }
                    for f in request.attachments
                ]
            ),
            message_id=message_id,
            in_reply_to=parent_id or "",
            thread_references=" ".join(
                thread_references(tuple((parent.references or "").split()), parent_id)
            ),
            sent_copy="",
            attempts=0,
            created_at=now,
            updated_at=now,
        )
        .returning(OutboxEntry.id)
    ).scalar()
    if inserted is None:
        # Another request with the same key committed first: its row decides.
        raced = _replayed(session, company_id, dedup_key, fingerprint)
        assert raced is not None
        return raced
    return ReplyReceipt(int(inserted), conversation_id, "queued", message_id)


def reply_status(
    session: Session, company_id: int, reply_id: int, conversation_id: int | None = None
) -> ReplyStatus:
    """The company's reply `reply_id` (of `conversation_id` when given); NotFound otherwise,
    as for an unknown id."""
    query = select(OutboxEntry).where(
        OutboxEntry.id == reply_id,
        OutboxEntry.company_id == company_id,
        OutboxEntry.kind == REPLY,
    )
    if conversation_id is not None:
        query = query.where(OutboxEntry.conversation_id == conversation_id)
    row = session.scalars(query).first()
    if row is None:
        where = f" in conversation {conversation_id}" if conversation_id is not None else ""
        raise NotFound(f"no reply {reply_id}{where} in this company")
    return ReplyStatus(
        reply_id=row.id,
        conversation_id=row.conversation_id,
        status=row.status,
        recipient=row.recipient,
        subject=row.subject,
        message_id=row.message_id,
        attempts=row.attempts,
        reason=row.reason,
        sent_copy=row.sent_copy,
        created_at=row.created_at,
        sent_at=row.sent_at,
        next_attempt_at=row.next_attempt_at,
    )


def _replayed(
    session: Session, company_id: int, dedup_key: str, fingerprint: str
) -> ReplyReceipt | None:
    row = session.execute(
        select(
            OutboxEntry.id,
            OutboxEntry.conversation_id,
            OutboxEntry.status,
            OutboxEntry.message_id,
            OutboxEntry.request_hash,
        ).where(OutboxEntry.company_id == company_id, OutboxEntry.dedup_key == dedup_key)
    ).first()
    if row is None:
        return None
    if row.request_hash != fingerprint:
        raise ReplyRefused(
            "idempotency_mismatch", "this Idempotency-Key was used for another reply"
        )
    return ReplyReceipt(row.id, row.conversation_id, row.status, row.message_id, replayed=True)


def sender_address(session: Session, company_id: int) -> str:
    """The address the company's replies come from (its SMTP from_address, else its first own
    address); ReplyRefused smtp_not_configured when it has no SMTP settings or no address."""
    smtp = load_company_smtp(session, company_id)
    if smtp is None:
        raise ReplyRefused(
            "smtp_not_configured", "the company has no SMTP settings (inboxsync company set-smtp)"
        )
    own = session.scalars(
        select(CompanyAddress.email).where(CompanyAddress.company_id == company_id)
    )
    sender = smtp.from_address or min(own, default="")
    if "@" not in sender:
        raise ReplyRefused("smtp_not_configured", "the company has no address to send from")
    return sender


def _reply_subject(subject: str) -> str:
    flat = one_line(subject)
    return flat if flat.lower().startswith("re:") else one_line(f"Re: {flat}")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
