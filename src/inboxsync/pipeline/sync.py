"""The pipeline, batch by batch: key → early filter → parse → resolve → detect → thread → write."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from inboxsync.config import Settings
from inboxsync.db.companies import CompanyInfo, load_company
from inboxsync.db.counters import counting
from inboxsync.db.dialect import lock_company_writes
from inboxsync.db.models import InboxMessage
from inboxsync.db.runs import finish_run, start_run
from inboxsync.db.storable import clean_values, column_length, key_fits
from inboxsync.errors import MessageParseError
from inboxsync.mail import parse_message, peek_key
from inboxsync.mail.participants import client_address, is_outgoing
from inboxsync.mail.types import ParsedMessage
from inboxsync.pipeline import resolve
from inboxsync.pipeline.detect import NotificationDetector, SenderSample, UnknownIsPerson
from inboxsync.pipeline.isolate import write_isolating
from inboxsync.pipeline.parsing import BatchParser, ParseResult
from inboxsync.pipeline.report import SyncReport
from inboxsync.pipeline.threading import ThreadResult, referenced_keys, thread_batch
from inboxsync.pipeline.write import (
    NewMessage,
    QuarantineItem,
    WritePlan,
    search_document,
    write_batch,
)
from inboxsync.sources.base import FolderCursor, RawBatch, RawMessage, Source

log = logging.getLogger(__name__)

SAMPLE_TEXT_CHARS = 500

Pair = tuple[ParsedMessage, RawMessage]

NewConversationsHook = Callable[[list[int]], None]
ProgressHook = Callable[[int], None]


@dataclass
class _Context:
    company: CompanyInfo
    settings: Settings
    mailbox_id: int | None
    detector: NotificationDetector
    report: SyncReport
    parser: BatchParser


def ingest(
    sessions: sessionmaker[Session],
    company_id: int,
    source: Source,
    *,
    settings: Settings,
    mailbox_id: int | None = None,
    detector: NotificationDetector | None = None,
    on_new_conversations: NewConversationsHook | None = None,
    progress: ProgressHook | None = None,
    source_name: str = "",
) -> SyncReport:
    """Run every batch of `source` through the pipeline for one company; returns the report.

    Each batch is one transaction (its folder cursor included), so a crash loses at most the
    batch in flight, and a rerun skips what was stored.
    """
    report = SyncReport()
    detector = detector or UnknownIsPerson()
    started = time.perf_counter()
    with counting() as counter:
        with sessions() as session:
            company = load_company(session, company_id)
            run_id = start_run(session, company_id, mailbox_id, source_name)
            postgres = session.get_bind().dialect.name == "postgresql"
        # PostgreSQL's search documents are computed by the parse workers, on every core.
        parse = parse_storable_indexed if postgres else parse_storable
        parser = BatchParser(settings.parse_workers, settings.parse_timeout_seconds, parse=parse)
        context = _Context(company, settings, mailbox_id, detector, report, parser)
        status = "failed"
        try:
            _run_batches(sessions, context, source, on_new_conversations, progress)
            status = "finished"
        except Exception as exc:
            report.errors.append(f"{type(exc).__name__}: {exc}")
            raise
        finally:
            parser.close()
            report.add_ai(detector.usage())
            report.db_round_trips = counter.round_trips
            report.commits = counter.commits
            report.seconds["total"] = round(time.perf_counter() - started, 6)
            try:
                with sessions() as session:
                    finish_run(session, run_id, report.as_dict(), status)
            except Exception:
                if status == "finished":
                    raise
                log.warning("could not record the end of failed run %s", run_id)
    return report


def _run_batches(
    sessions: sessionmaker[Session],
    context: _Context,
    source: Source,
    on_new_conversations: NewConversationsHook | None,
    progress: ProgressHook | None,
) -> None:
    # Batch N+1 is parsed by the workers while batch N is resolved and written.
    batches = _timed(source.batches(context.settings.batch_size), context.report)
    in_flight: _Prepared | None = None
    while True:
        try:
            batch = next(batches, None)
        except Exception:
            # The source failed (a dropped connection…): keep what it delivered.
            if in_flight is not None:
                _finish_batch(sessions, context, in_flight, on_new_conversations, progress)
            raise
        if batch is None:
            break
        with sessions() as session:
            prepared = _prepare(session, context, batch)
        if in_flight is not None:
            _finish_batch(sessions, context, in_flight, on_new_conversations, progress)
        in_flight = prepared
    if in_flight is not None:
        _finish_batch(sessions, context, in_flight, on_new_conversations, progress)


@dataclass
class _Prepared:
    """A batch keyed, filtered and handed to the parser, waiting to be resolved and written."""

    batch: RawBatch
    candidates: list[RawMessage]
    parsed: Callable[[], list[ParseResult]]
    quarantine: list[QuarantineItem]


def _timed(batches: Iterable[RawBatch], report: SyncReport) -> Iterator[RawBatch]:
    """The source's batches, the time spent waiting for each counted as `fetch`."""
    iterator = iter(batches)
    while True:
        with report.stage("fetch"):
            batch = next(iterator, None)
        if batch is None:
            return
        yield batch


def _prepare(session: Session, context: _Context, batch: RawBatch) -> _Prepared:
    report, company = context.report, context.company
    report.fetched += len(batch.messages) + len(batch.failures) + batch.skipped_known
    report.duplicates += batch.skipped_known
    report.note_skipped(batch.skipped)
    report.bytes_downloaded += sum(len(m.raw) for m in batch.messages)
    quarantine = [QuarantineItem(ref, reason, raw) for ref, reason, raw in batch.failures]
    with report.stage("key"):
        unique = _unique_by_key(batch.messages, quarantine, report)
    with report.stage("filter"):
        # Keys the source has just looked up (IMAP's header phase) are not asked about again;
        # a duplicate that races in still stops at the UNIQUE constraint.
        unchecked = [key for key, raw in unique.items() if raw.known_new_key != key]
        stored: set[str] = set()
        if unchecked or not unique:
            stored = resolve.existing_keys(session, company.id, unchecked)
        report.duplicates += len(stored)
    candidates = [raw for key, raw in unique.items() if key not in stored]
    with report.stage("parse"):
        parsed = context.parser.submit([(raw.raw, raw.received_at) for raw in candidates])
    return _Prepared(batch, candidates, parsed, quarantine)


def _finish_batch(
    sessions: sessionmaker[Session],
    context: _Context,
    prepared: _Prepared,
    on_new_conversations: NewConversationsHook | None,
    progress: ProgressHook | None,
) -> None:
    quarantine = prepared.quarantine
    with context.report.stage("parse"):
        parsed = _collect(prepared, quarantine)
    new_ids = _store(sessions, context, parsed, quarantine, prepared.batch.cursor)
    if new_ids and on_new_conversations is not None:
        on_new_conversations(new_ids)
    if progress is not None:
        batch = prepared.batch
        progress(len(batch.messages) + len(batch.failures) + batch.skipped_known)


def _store(
    sessions: sessionmaker[Session],
    context: _Context,
    parsed: list[Pair],
    quarantine: list[QuarantineItem],
    cursor: FolderCursor | None,
) -> list[int]:
    """Resolve and write a batch in one transaction. If that fails because of what a message
    holds, the messages at fault are found by halving (`isolate.py`) and quarantined with the
    error; the folder cursor is then written last, with the quarantine."""

    def write(pairs: list[Pair]) -> list[int]:
        whole = pairs is parsed  # halves carry neither the quarantine nor the cursor
        with sessions() as session:
            return _resolve_and_write(
                session, context, pairs, quarantine if whole else [], cursor if whole else None
            )

    def reject(pair: Pair, reason: str) -> None:
        quarantine.append(QuarantineItem(pair[1].source_ref, reason, pair[1].raw))

    new_ids, halved = write_isolating(write, parsed, reject)
    if halved:
        context.report.bisected_batches += 1
        with sessions() as session:
            new_ids += _resolve_and_write(session, context, [], quarantine, cursor)
    return new_ids


def _resolve_and_write(
    session: Session,
    context: _Context,
    parsed: list[Pair],
    quarantine: list[QuarantineItem],
    cursor: FolderCursor | None,
) -> list[int]:
    report, company = context.report, context.company
    # Two writers of one company thread against each other's committed rows, never against a
    # snapshot that misses them (SQLite's BEGIN IMMEDIATE serializes writers already).
    lock_company_writes(session, company.id)
    with report.stage("resolve"):
        people = {
            email
            for message, _ in parsed
            if (email := client_address(message, company.addresses)) is not None
        }
        known_clients = resolve.clients_by_email(session, company.id, people)
    with report.stage("detect"):
        parsed = _decide_unknown_senders(context, parsed, known_clients)
    with report.stage("resolve"):
        messages = [message for message, _ in parsed]
        threads = _thread(session, context, messages)
    new_client_names = _new_clients(parsed, company, known_clients)
    rules = Counter(m.verdict.rule for m in messages if m.verdict.kind == "notification")
    plan = WritePlan(
        company_id=company.id,
        mailbox_id=context.mailbox_id,
        messages=[
            NewMessage(
                message, raw.source_ref, is_outgoing(message, company.addresses), raw.arrived_at
            )
            for message, raw in parsed
        ],
        threads=threads,
        known_clients=known_clients,
        new_client_names=new_client_names,
        quarantine=quarantine,
        cursor=cursor,
    )
    with report.stage("write"):
        outcome = write_batch(session, plan)
    report.new_messages += outcome.new_messages
    # Already stored, or already in quarantine: a rerun adds nothing and says so.
    report.duplicates += len(plan.messages) - outcome.new_messages
    report.duplicates += len(plan.quarantine) - outcome.quarantined
    report.new_conversations += outcome.new_conversations
    report.new_clients += outcome.new_clients
    report.notifications += outcome.notifications
    report.quarantined += outcome.quarantined
    report.merged_conversations += len(threads.merged)
    report.count_rules(rules)
    return outcome.new_conversation_ids


def _unique_by_key(
    messages: list[RawMessage], quarantine: list[QuarantineItem], report: SyncReport
) -> dict[str, RawMessage]:
    """Messages by key, first occurrence kept; headers-only ones go to quarantine."""
    unique: dict[str, RawMessage] = {}
    for raw in messages:
        if raw.headers_only:
            quarantine.append(QuarantineItem(raw.source_ref, raw.note, raw.raw, headers_only=True))
            continue
        try:
            key = peek_key(raw.raw)
        except MessageParseError as exc:
            quarantine.append(QuarantineItem(raw.source_ref, str(exc), raw.raw))
            continue
        if not key_fits(InboxMessage.message_key, key):
            limit = column_length(InboxMessage.message_key)
            reason = f"Message-ID of {len(key)} characters: the database stores at most {limit}"
            quarantine.append(QuarantineItem(raw.source_ref, reason, raw.raw))
            continue
        if key in unique:
            report.duplicates += 1
        else:
            unique[key] = raw
    return unique


def _collect(prepared: _Prepared, quarantine: list[QuarantineItem]) -> list[Pair]:
    """The parser's results paired with their raw messages; failures go to quarantine."""
    parsed = []
    for raw, result in zip(prepared.candidates, prepared.parsed(), strict=True):
        if isinstance(result, str):
            quarantine.append(QuarantineItem(raw.source_ref, result, raw.raw))
        else:
            parsed.append((result, raw))
    return parsed


def parse_storable(raw: bytes, received_at: datetime | None) -> ParsedMessage:
    """Parse `raw` into a message whose values both databases can hold (run by the parse
    workers, off the pipeline's process). References too long to store are dropped: no
    stored key can match them."""
    message = clean_values(parse_message(raw, received_at))
    column = InboxMessage.in_reply_to
    references = tuple(key for key in message.references if key_fits(column, key))
    in_reply_to = message.in_reply_to
    if in_reply_to is not None and not key_fits(column, in_reply_to):
        in_reply_to = None
    if in_reply_to == message.in_reply_to and len(references) == len(message.references):
        return message
    return replace(message, in_reply_to=in_reply_to, references=references)


def parse_storable_indexed(raw: bytes, received_at: datetime | None) -> ParsedMessage:
    """`parse_storable`, with the message's PostgreSQL search document computed beside it."""
    message = parse_storable(raw, received_at)
    return replace(message, search_document=search_document(message))


def _decide_unknown_senders(
    context: _Context,
    parsed: list[Pair],
    known_clients: dict[str, int],
) -> list[Pair]:
    """Ask the detector once about senders that no rule decided and that are not clients."""
    own = context.company.addresses
    samples: dict[str, SenderSample] = {}
    for message, _ in parsed:
        sender = message.from_addr
        if (
            message.verdict.kind == "unknown"
            and sender is not None
            and sender.email not in own
            and sender.email not in known_clients
            and sender.email not in samples
        ):
            samples[sender.email] = SenderSample(
                sender.email, sender.name, message.subject, message.text[:SAMPLE_TEXT_CHARS]
            )
    if not samples:
        return parsed
    verdicts = context.detector.detect(context.company.id, list(samples.values()))
    decided = []
    for message, raw in parsed:
        address = message.from_addr.email if message.from_addr else ""
        verdict = verdicts.get(address) if message.verdict.kind == "unknown" else None
        decided.append((replace(message, verdict=verdict) if verdict else message, raw))
    return decided


def _thread(session: Session, context: _Context, messages: list[ParsedMessage]) -> ThreadResult:
    company, window = context.company, timedelta(days=context.settings.thread_window_days)
    refs = {key for m in messages for key in referenced_keys(m)}
    by_key = resolve.conversations_of_keys(session, company.id, refs)
    children = resolve.conversations_replying_to(
        session, company.id, [m.message_key for m in messages]
    )
    subjects = {m.subject_norm for m in messages if m.subject_norm}
    dates = [m.date_naive for m in messages] or [datetime(1970, 1, 1)]
    stored = resolve.conversations_by_subject(
        session, company.id, subjects, min(dates) - window, max(dates) + window
    )
    wanted = (set(by_key.values()) | {c for ids in children.values() for c in ids}) - set(stored)
    stored.update(resolve.conversations_by_id(session, wanted))
    decisions = resolve.person_decisions(session, company.id, set(stored))
    return thread_batch(messages, company.addresses, by_key, children, stored, window, decisions)


def _new_clients(
    parsed: list[Pair],
    company: CompanyInfo,
    known_clients: dict[str, int],
) -> dict[str, str]:
    """Addresses to create clients for, with the display name first seen."""
    names: dict[str, str] = {}
    for message, _ in parsed:
        email = client_address(message, company.addresses)  # None for notifications
        if email is None or email in known_clients or email in names:
            continue
        people = (message.from_addr, *message.to, *message.cc)
        names[email] = next((a.name for a in people if a is not None and a.email == email), "")
    return names
