"""Sending a conversation's auto-reply: load the case, ask the policy, claim, send, record.

Safe to call any number of times, from any number of workers: the outbox row is claimed
atomically before anything is sent, and a row that is `sent`, `failed` or `skipped` is final.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.config import Settings
from inboxsync.db.dialect import insert_ignore
from inboxsync.db.events import NewEvent, record_events
from inboxsync.db.models import (
    Client,
    Company,
    CompanyAddress,
    Conversation,
    Folder,
    InboxMessage,
    Mailbox,
    utcnow,
)
from inboxsync.db.outbox_models import OutboxEntry
from inboxsync.db.search import index_messages
from inboxsync.mail.addresses import reply_address
from inboxsync.outbound import outbox
from inboxsync.outbound.message import (
    AutoReply,
    build_message,
    make_message_id,
    message_id_domain,
    thread_references,
)
from inboxsync.outbound.policy import (
    NO_VALID_RECIPIENT,
    ReplyCase,
    folder_has_auto_reply,
    is_filed,
    refusal,
)
from inboxsync.outbound.settings_store import load_company_smtp
from inboxsync.outbound.smtp import SmtpSettings
from inboxsync.outbound.templates import TemplateValues, render, render_subject
from inboxsync.outbound.transmit import Outcome, transmit

log = logging.getLogger(__name__)

# Refusals that may change later (the conversation gets filed, the folder gets an auto-reply):
# they leave no outbox row, so the conversation is looked at again.
_NOT_YET = (folder_has_auto_reply, is_filed)
# The subject of an auto-reply whose folder has none.
DEFAULT_SUBJECT = "Re: {subject}"


@dataclass(frozen=True, slots=True)
class LoadedCase:
    """A conversation as the auto-reply sees it: the policy's case and the message's values."""

    case: ReplyCase
    company_id: int
    company_name: str
    client_name: str
    subject_template: str
    body_template: str
    trigger_subject: str
    trigger_message_id: str | None
    trigger_references: tuple[str, ...]
    smtp: SmtpSettings | None
    from_address: str


def send_auto_reply(
    sessions: sessionmaker[Session], settings: Settings, conversation_id: int
) -> Outcome:
    """Send the auto-reply of one conversation if the policy allows and none was sent yet."""
    with sessions() as session:
        has_row = session.scalar(
            select(
                exists().where(
                    OutboxEntry.conversation_id == conversation_id,
                    OutboxEntry.kind == outbox.AUTO_REPLY,
                )
            )
        )
        loaded = None if has_row else load_case(session, settings, conversation_id)
    if not has_row:
        if loaded is None:
            return Outcome("gone", "no such conversation")
        outcome = _refuse_or_none(sessions, loaded, conversation_id)
        if outcome is not None:
            return outcome
    draft = _draft(loaded, conversation_id) if loaded else _placeholder_draft(conversation_id)
    lease = timedelta(seconds=settings.outbound.outbox_lease_seconds)
    with sessions.begin() as session:
        result = outbox.claim(
            session,
            draft,
            per_recipient_24h=settings.outbound.auto_reply_per_recipient_24h,
            lease=lease,
            max_attempts=settings.outbound.smtp_max_attempts,
        )
    if result.claim is None:
        return Outcome(result.state, result.reason, result.retry_in)
    if loaded is None:
        with sessions() as session:
            loaded = load_case(session, settings, conversation_id)
        if loaded is None:
            return Outcome("gone", "no such conversation")
    return _deliver(sessions, settings, loaded, conversation_id, result.claim, lease)


def _refuse_or_none(
    sessions: sessionmaker[Session], loaded: LoadedCase, conversation_id: int
) -> Outcome | None:
    for rule in _NOT_YET:
        reason = rule(loaded.case)
        if reason is not None:
            return Outcome("not_applicable", reason)
    reason = refusal(loaded.case)
    if reason is None and loaded.smtp is None:
        reason = "the company has no SMTP settings (inboxsync company set-smtp)"
    if reason is None and "@" not in loaded.from_address:
        reason = "the company has no address to send from"
    if reason is None:
        return None
    with sessions.begin() as session:
        outbox.record_skip(
            session, loaded.company_id, conversation_id, reason, loaded.case.recipient
        )
    log.info("conversation %s gets no auto-reply: %s", conversation_id, reason)
    return Outcome("skipped", reason)


def _draft(loaded: LoadedCase, conversation_id: int) -> outbox.Draft:
    values = TemplateValues(loaded.client_name, loaded.trigger_subject, loaded.company_name)
    return outbox.Draft(
        company_id=loaded.company_id,
        conversation_id=conversation_id,
        recipient=loaded.case.recipient,
        subject=render_subject(loaded.subject_template, values),
        body=render(loaded.body_template, values),
        message_id=make_message_id(message_id_domain(loaded.from_address)),
        in_reply_to=loaded.trigger_message_id or "",
    )


def _placeholder_draft(conversation_id: int) -> outbox.Draft:
    # The row exists already: the claim only re-claims it and never reads these values.
    return outbox.Draft(0, conversation_id, "", "", "", "", "")


def _deliver(
    sessions: sessionmaker[Session],
    settings: Settings,
    loaded: LoadedCase,
    conversation_id: int,
    claim: outbox.Claim,
    lease: timedelta,
) -> Outcome:
    assert loaded.smtp is not None
    if reply_address([claim.recipient]) != claim.recipient:
        # A row claimed before recipients were validated strictly: never sent.
        with sessions.begin() as session:
            outbox.mark_failed(session, claim, NO_VALID_RECIPIENT)
        return Outcome("failed", NO_VALID_RECIPIENT)
    reply = AutoReply(
        from_address=loaded.from_address,
        from_name=loaded.company_name,
        to_address=claim.recipient,
        subject=claim.subject,
        body=claim.body,
        message_id=claim.message_id,
        in_reply_to=claim.in_reply_to or None,
        references=thread_references(loaded.trigger_references, claim.in_reply_to or None),
    )
    raw = build_message(reply).as_bytes()
    failed = transmit(sessions, settings, loaded.smtp, loaded.from_address, claim, raw, lease)
    if failed is not None:
        return failed
    with sessions.begin() as session:
        outbox.mark_sent(session, claim)
        _store_outgoing(session, loaded.company_id, conversation_id, reply, raw)
    log.info("auto-reply sent for conversation %s", conversation_id)
    return Outcome("sent")


def _store_outgoing(
    session: Session,
    company_id: int,
    conversation_id: int,
    reply: AutoReply,
    raw: bytes,
    body_html: str | None = None,
) -> int | None:
    """A sent message (an auto-reply, an agent's reply) as an outgoing message of the
    conversation, so that an answer threads back; its id, or None if it was stored already."""
    now = utcnow()
    message_id = session.execute(
        insert_ignore(session, InboxMessage)
        .values(
            company_id=company_id,
            conversation_id=conversation_id,
            message_key=reply.message_id,
            message_id=reply.message_id,
            in_reply_to=reply.in_reply_to,
            references=" ".join(reply.references),
            mailbox_id=None,
            source_ref="outbox",
            direction="out",
            from_email=reply.from_address,
            from_name=reply.from_name,
            to_emails=reply.to_address,
            cc_emails="",
            subject=reply.subject,
            date=now,
            body_text=reply.body,
            body_html=body_html,
            size=len(raw),
            is_notification=False,
            notification_rule="",
            notification_reason="",
            created_at=now,
        )
        .returning(InboxMessage.id)
    ).scalar()
    if message_id is not None:  # else stored already (sent, then marked sent again)
        index_messages(session, [message_id])
        session.execute(
            update(Conversation)
            .where(Conversation.id == conversation_id)
            .values(
                message_count=Conversation.message_count + 1, last_message_at=now, updated_at=now
            )
        )
        data = {"direction": "out", "notification": False}
        event = NewEvent("message.created", conversation_id, message_id, data)
        record_events(session, company_id, [event])
    return message_id


def load_case(session: Session, settings: Settings, conversation_id: int) -> LoadedCase | None:
    """Everything the policy and the message need, in a handful of queries (also what the
    folder page's preview renders the templates with)."""
    row = session.execute(
        select(Conversation, Folder, Company.name, Client.name)
        .join(Company, Company.id == Conversation.company_id)
        .outerjoin(Folder, Folder.id == Conversation.folder_id)
        .outerjoin(Client, Client.id == Conversation.client_id)
        .where(Conversation.id == conversation_id)
    ).first()
    if row is None:
        return None
    conversation, folder, company_name, client_name = row
    trigger = session.scalars(
        select(InboxMessage)
        .where(InboxMessage.conversation_id == conversation_id, InboxMessage.direction == "in")
        .order_by(InboxMessage.date, InboxMessage.id)
        .limit(1)
    ).first()
    first_sync: datetime | None = None
    if trigger is not None and trigger.mailbox_id is not None:
        first_sync = session.scalar(
            select(Mailbox.first_synced_at).where(Mailbox.id == trigger.mailbox_id)
        )
    own = frozenset(
        session.scalars(
            select(CompanyAddress.email).where(CompanyAddress.company_id == conversation.company_id)
        )
    )
    smtp = load_company_smtp(session, conversation.company_id)
    from_address = (smtp.from_address if smtp and smtp.from_address else "") or min(own, default="")
    # Only the sender address parsed strictly from the trigger's From header, never any other.
    recipient = (trigger.reply_address if trigger else None) or ""
    case = ReplyCase(
        conversation_status=conversation.status,
        conversation_is_notification=conversation.is_notification,
        folder_id=conversation.folder_id,
        folder_auto_reply=bool(
            folder and folder.auto_reply_enabled and folder.auto_reply_body is not None
        ),
        recipient=recipient,
        trigger_direction=trigger.direction if trigger else "",
        trigger_is_notification=trigger.is_notification if trigger else False,
        trigger_rule=trigger.notification_rule if trigger else "",
        trigger_reason=trigger.notification_reason if trigger else "",
        trigger_subject=trigger.subject if trigger else conversation.subject,
        sent_at=trigger.date if trigger else conversation.started_at,
        arrived_at=trigger.arrived_at if trigger else None,
        mailbox_first_synced_at=first_sync,
        own_addresses=own | ({from_address} if from_address else frozenset()),
        now=utcnow(),
        max_age=timedelta(hours=settings.outbound.auto_reply_max_age_hours),
    )
    return LoadedCase(
        case=case,
        company_id=conversation.company_id,
        company_name=company_name,
        client_name=client_name or (trigger.from_name if trigger else "") or recipient,
        subject_template=(folder.auto_reply_subject if folder else None) or DEFAULT_SUBJECT,
        body_template=(folder.auto_reply_body if folder else None) or "",
        trigger_subject=trigger.subject if trigger else conversation.subject,
        trigger_message_id=trigger.message_id if trigger else None,
        trigger_references=tuple((trigger.references or "").split()) if trigger else (),
        smtp=smtp,
        from_address=from_address,
    )
