"""Sending one agent's reply (the `send_reply` job): claim its outbox row, build the message,
send it, store it as the conversation's outgoing message, then copy it to the Sent folder.

Safe to call any number of times, from any number of workers: the row is claimed (with
fencing) before anything is sent, and `sent` and `failed` are final.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.config import Settings
from inboxsync.db.models import Attachment, Blob, Company, utcnow
from inboxsync.db.outbox_models import OutboxEntry
from inboxsync.mail.addresses import reply_address
from inboxsync.outbound import outbox
from inboxsync.outbound.auto_reply import _store_outgoing
from inboxsync.outbound.message import AutoReply, Extras, OutgoingFile, build_message
from inboxsync.outbound.policy import NO_VALID_RECIPIENT
from inboxsync.outbound.reply_input import ReplyRefused
from inboxsync.outbound.reply_store import sender_address
from inboxsync.outbound.sent_copy import append_sent_copy
from inboxsync.outbound.settings_store import load_company_smtp
from inboxsync.outbound.smtp import SmtpSettings
from inboxsync.outbound.transmit import Outcome, transmit

log = logging.getLogger(__name__)


def send_reply(sessions: sessionmaker[Session], settings: Settings, reply_id: int) -> Outcome:
    """Send the agent's reply `reply_id` unless it went out (or failed for good) already."""
    lease = timedelta(seconds=settings.outbound.outbox_lease_seconds)
    with sessions.begin() as session:
        result = outbox.claim_reply(
            session, reply_id, lease=lease, max_attempts=settings.outbound.smtp_max_attempts
        )
    claim = result.claim
    if claim is None:
        return Outcome(result.state, result.reason, result.retry_in)
    with sessions() as session:
        row = session.get(OutboxEntry, reply_id)
        assert row is not None  # rows are never deleted but with their company
        smtp = load_company_smtp(session, row.company_id)
        try:
            sender = sender_address(session, row.company_id)
        except ReplyRefused:
            sender = ""
        company_name = session.scalar(select(Company.name).where(Company.id == row.company_id))
        message = AutoReply(
            from_address=sender,
            from_name=company_name or "",
            to_address=claim.recipient,
            subject=claim.subject,
            body=claim.body,
            message_id=claim.message_id,
            in_reply_to=claim.in_reply_to or None,
            references=tuple(row.thread_references.split()),
        )
        extras = Extras(row.body_html, _attachments(session, row.attachments))
        company_id, conversation_id = row.company_id, row.conversation_id
    if reply_address([claim.recipient]) != claim.recipient:
        return _fail(sessions, claim, NO_VALID_RECIPIENT)
    if smtp is None or not sender:
        return _fail(sessions, claim, "the company has no SMTP settings any more")
    raw = build_message(message, extras=extras).as_bytes()
    failed = transmit(sessions, settings, smtp, sender, claim, raw, lease)
    if failed is not None:
        return failed
    with sessions.begin() as session:
        marked = outbox.mark_sent(session, claim)
        stored = _store_outgoing(session, company_id, conversation_id, message, raw, extras.html)
        if stored is not None:
            _attach(session, stored, extras.attachments)
    log.info("reply %s sent in conversation %s", reply_id, conversation_id)
    if marked:
        _copy_to_sent(sessions, settings, smtp, reply_id, raw)
    return Outcome("sent")


def _fail(sessions: sessionmaker[Session], claim: outbox.Claim, reason: str) -> Outcome:
    with sessions.begin() as session:
        outbox.mark_failed(session, claim, reason)
    return Outcome("failed", reason)


def _attachments(session: Session, described: str) -> tuple[OutgoingFile, ...]:
    files = json.loads(described or "[]")
    digests = [f["sha256"] for f in files]
    rows = session.execute(select(Blob.sha256, Blob.data).where(Blob.sha256.in_(digests)))
    data: dict[str, bytes] = {row.sha256: row.data for row in rows}
    return tuple(OutgoingFile(f["filename"], f["content_type"], data[f["sha256"]]) for f in files)


def _attach(session: Session, message_id: int, files: tuple[OutgoingFile, ...]) -> None:
    """The sent reply's attachments on its stored message (their bytes are in `blobs`)."""
    for file in files:
        session.add(
            Attachment(
                message_id=message_id,
                filename=file.filename,
                content_type=file.content_type,
                content_id=None,
                is_inline=False,
                size=len(file.data),
                sha256=hashlib.sha256(file.data).hexdigest(),
            )
        )
    session.flush()


def _copy_to_sent(
    sessions: sessionmaker[Session],
    settings: Settings,
    smtp: SmtpSettings,
    reply_id: int,
    raw: bytes,
) -> None:
    """APPEND the sent message to the configured Sent folder; a failure is logged and noted
    on the row, never retried (the mail went out; a second copy would be a duplicate)."""
    if smtp.sent_mailbox_id is None or not smtp.sent_folder:
        return
    note = append_sent_copy(sessions, settings, smtp.sent_mailbox_id, smtp.sent_folder, raw)
    with sessions.begin() as session:
        session.execute(
            update(OutboxEntry)
            .where(OutboxEntry.id == reply_id)
            .values(sent_copy=note, updated_at=utcnow())
        )
