"""The design note's "before" workflow, reproduced over today's schema and mail parser.

Per message, in source order: look the key up (duplicate check), parse, look the client up by
(company, email) and insert it when missing, look the conversation up (by In-Reply-To, then by
References, then by normalized subject), insert the conversation when there is none or update
the one found, insert the message, commit. Every statement is a round trip of its own and every
message a transaction of its own, which is what the note measures ("140 emails = 140 commits").

It is the fastest honest version of that workflow, not a strawman: Core statements rather than
ORM objects, indexed lookups (the same indexes as ours), the conversation row fetched together
with the message it is found by (one query per lookup step, not two), the same parser, the same
threading rules (window, shared participant, generic subjects, notifications never joined by
subject) and the same rows for clients, conversations and messages.

What it leaves out, all of which would only make it slower: attachments and blobs, quarantine
rows (unreadable messages are counted and skipped), a sync_runs row, the merge of a conversation
whose parent arrives after its reply, and the AI detector (unknown senders count as people, as
with ours when no AI is configured).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import Row, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.db import counting
from inboxsync.db.companies import CompanyInfo, load_company
from inboxsync.db.models import Client, Conversation, InboxMessage, utcnow
from inboxsync.errors import MessageParseError
from inboxsync.mail import is_generic_subject, parse_message, peek_key
from inboxsync.mail.participants import client_address, external_participants, is_outgoing
from inboxsync.mail.types import ParsedMessage
from inboxsync.pipeline.threading import MAX_PARTICIPANTS, referenced_keys
from inboxsync.sources.base import RawMessage, Source

READ_BATCH = 500
_CONVERSATION_COLUMNS = (
    Conversation.id,
    Conversation.started_at,
    Conversation.last_message_at,
    Conversation.participants,
    Conversation.is_notification,
    Conversation.client_id,
)


@dataclass
class BaselineReport:
    """What the baseline did, with the same counters as a SyncReport."""

    fetched: int = 0
    duplicates: int = 0
    new_messages: int = 0
    new_conversations: int = 0
    new_clients: int = 0
    unreadable: int = 0
    db_round_trips: int = 0
    commits: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def add_time(self, stage: str, since: float) -> float:
        now = time.perf_counter()
        self.seconds[stage] = self.seconds.get(stage, 0.0) + now - since
        return now


def import_one_by_one(
    sessions: sessionmaker[Session],
    company_id: int,
    source: Source,
    *,
    thread_window_days: int = 30,
    limit: int | None = None,
) -> BaselineReport:
    """Import `source` (its first `limit` messages when given) the "before" way."""
    report = BaselineReport()
    window = timedelta(days=thread_window_days)
    started = time.perf_counter()
    with counting() as counter:
        with sessions() as session:
            company = load_company(session, company_id)
        with sessions() as session:
            for raw in _messages(source, limit, report):
                _import(session, company, raw, window, report)
        report.db_round_trips = counter.round_trips
        report.commits = counter.commits
    report.seconds["total"] = time.perf_counter() - started
    report.seconds = {k: round(v, 6) for k, v in report.seconds.items()}
    return report


def _messages(source: Source, limit: int | None, report: BaselineReport) -> Iterator[RawMessage]:
    t = time.perf_counter()
    for batch in source.batches(READ_BATCH):
        report.unreadable += len(batch.failures)
        for raw in batch.messages:
            if limit is not None and report.fetched >= limit:
                return
            report.fetched += 1
            report.add_time("fetch", t)
            yield raw
            t = time.perf_counter()
    report.add_time("fetch", t)


def _import(
    session: Session,
    company: CompanyInfo,
    raw: RawMessage,
    window: timedelta,
    report: BaselineReport,
) -> None:
    t = time.perf_counter()
    try:
        key = peek_key(raw.raw)
    except MessageParseError:
        report.unreadable += 1
        return
    duplicate = session.scalar(
        select(InboxMessage.id)
        .where(InboxMessage.company_id == company.id, InboxMessage.message_key == key)
        .limit(1)
    )
    t = report.add_time("duplicate", t)
    if duplicate is not None:
        report.duplicates += 1
        session.rollback()
        return
    try:
        message = parse_message(raw.raw, raw.received_at)
    except MessageParseError:
        report.unreadable += 1
        session.rollback()
        return
    t = report.add_time("parse", t)
    client_id = _client(session, company, message, report)
    t = report.add_time("client", t)
    conversation = _find_conversation(session, company, message, window)
    t = report.add_time("conversation", t)
    conversation_id = _store_conversation(session, company, message, conversation, client_id)
    if conversation is None:
        report.new_conversations += 1
    _insert_message(session, company, message, raw, conversation_id)
    session.commit()
    report.new_messages += 1
    report.add_time("write", t)


def _client(
    session: Session, company: CompanyInfo, message: ParsedMessage, report: BaselineReport
) -> int | None:
    email = client_address(message, company.addresses)
    if email is None:
        return None
    client_id = session.scalar(
        select(Client.id).where(Client.company_id == company.id, Client.email == email)
    )
    if client_id is not None:
        return client_id
    sender = message.from_addr
    if is_outgoing(message, company.addresses):
        recipient = next((a for a in (*message.to, *message.cc) if a.email == email), None)
        name = recipient.name if recipient else ""
    else:
        name = sender.name if sender else ""
    report.new_clients += 1
    return session.scalar(
        insert(Client)
        .values(company_id=company.id, email=email, name=name, created_at=utcnow())
        .returning(Client.id)
    )


def _find_conversation(
    session: Session, company: CompanyInfo, message: ParsedMessage, window: timedelta
) -> Row[Any] | None:
    """In-Reply-To, then References (newest first), then subject: one query per step."""
    keys = referenced_keys(message)
    by_message = (
        select(*_CONVERSATION_COLUMNS, InboxMessage.message_key)
        .join(Conversation, Conversation.id == InboxMessage.conversation_id)
        .where(InboxMessage.company_id == company.id)
    )
    if message.in_reply_to and message.in_reply_to in keys:
        row = session.execute(
            by_message.where(InboxMessage.message_key == message.in_reply_to)
        ).first()
        if row is not None:
            return row
    references = [k for k in keys if k != message.in_reply_to]
    if references:
        found = session.execute(by_message.where(InboxMessage.message_key.in_(references)))
        rows = {row.message_key: row for row in found}
        for key in references:  # newest first
            if key in rows:
                return rows[key]
    if message.verdict.kind == "notification" or is_generic_subject(message.subject_norm):
        return None
    people = external_participants(message, company.addresses)
    date = message.date_naive
    candidates = session.execute(
        select(*_CONVERSATION_COLUMNS)
        .where(
            Conversation.company_id == company.id,
            Conversation.subject_norm == message.subject_norm,
            Conversation.is_notification.is_(False),
            Conversation.last_message_at >= date - window,
            Conversation.started_at <= date + window,
        )
        .order_by(Conversation.last_message_at.desc())
    )
    for row in candidates:
        if set(row.participants.split()) & people:
            return row
    return None


def _store_conversation(
    session: Session,
    company: CompanyInfo,
    message: ParsedMessage,
    found: Row[Any] | None,
    client_id: int | None,
) -> int:
    people = external_participants(message, company.addresses)
    date = message.date_naive
    notification = message.verdict.kind == "notification"
    if found is None:
        return session.scalar(
            insert(Conversation)
            .values(
                company_id=company.id,
                client_id=client_id,
                subject=message.subject[:2000],
                subject_norm=message.subject_norm[:500],
                root_message_key=message.message_key,
                is_notification=notification,
                participants=" ".join(sorted(people)[:MAX_PARTICIPANTS]),
                started_at=date,
                last_message_at=date,
                message_count=1,
                status="skipped" if notification else "pending",
                created_at=utcnow(),
            )
            .returning(Conversation.id)
        )
    participants = set(found.participants.split())
    room = MAX_PARTICIPANTS - len(participants)
    if room > 0:
        participants.update(sorted(people - participants)[:room])
    values: dict[str, object] = {
        "started_at": min(found.started_at, date),
        "last_message_at": max(found.last_message_at, date),
        "participants": " ".join(sorted(participants)),
        "message_count": Conversation.message_count + 1,
        "client_id": found.client_id or client_id,
    }
    if found.is_notification and not notification:
        values.update(is_notification=False, status="pending")
    session.execute(update(Conversation).where(Conversation.id == found.id).values(**values))
    return found.id


def _insert_message(
    session: Session,
    company: CompanyInfo,
    m: ParsedMessage,
    raw: RawMessage,
    conversation_id: int,
) -> None:
    session.execute(
        insert(InboxMessage).values(
            company_id=company.id,
            conversation_id=conversation_id,
            message_key=m.message_key,
            message_id=m.message_id,
            in_reply_to=m.in_reply_to,
            references=" ".join(m.references),
            source_ref=raw.source_ref,
            direction="out" if is_outgoing(m, company.addresses) else "in",
            from_email=m.from_addr.email if m.from_addr else "",
            from_name=m.from_addr.name if m.from_addr else "",
            to_emails=" ".join(a.email for a in m.to),
            cc_emails=" ".join(a.email for a in m.cc),
            subject=m.subject,
            date=m.date_naive,
            body_text=m.text,
            body_html=m.html,
            size=m.size,
            is_notification=m.verdict.kind == "notification",
            notification_rule=m.verdict.rule,
            notification_reason=m.verdict.reason,
            created_at=utcnow(),
        )
    )
