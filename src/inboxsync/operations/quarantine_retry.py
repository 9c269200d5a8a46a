"""Retrying quarantined messages: their kept bytes go through the pipeline again, and the
quarantine is settled afterwards by what got stored."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from datetime import UTC

from sqlalchemy.orm import Session, sessionmaker

from inboxsync.db import quarantine as quarantine_store
from inboxsync.errors import MessageParseError
from inboxsync.mail import peek_key
from inboxsync.pipeline.report import SyncReport
from inboxsync.pipeline.resolve import existing_keys
from inboxsync.results import RetryNote, RetryReport
from inboxsync.sources.base import RawBatch, RawMessage, Source


def retry_entries(
    sessions: sessionmaker[Session],
    company_id: int,
    entry_ids: Sequence[int] | None,
    ingest: Callable[[Source], SyncReport],
) -> RetryReport:
    """Feed the company's retryable entries among `entry_ids` (all when None) to `ingest` as
    one source; then delete the entries whose message is now stored and give the others the
    reason of their new failure. NotFound names the ids that are not the company's."""
    with sessions() as session:
        entries = quarantine_store.find_entries(session, company_id, entry_ids)
        retry = [e.id for e in entries if e.cannot_retry is None]
        quarantine_store.set_aside(session, company_id, retry)
        session.commit()
    source = _QuarantinedMail(sessions, company_id, retry)
    run = None
    try:
        if retry:
            run = ingest(source)
    finally:
        with sessions() as session:
            stored_keys = existing_keys(session, company_id, set(source.keys.values()))
            stored = {i for i, key in source.keys.items() if key in stored_keys}
            failed = quarantine_store.settle_retry(session, company_id, retry, stored)
            session.commit()
    return RetryReport(
        stored=tuple(sorted(stored)),
        failed=tuple(RetryNote(i, reason) for i, reason in sorted(failed.items())),
        not_retryable=tuple(
            RetryNote(e.id, e.cannot_retry) for e in entries if e.cannot_retry is not None
        ),
        run=run,
    )


class _QuarantinedMail:
    """A source over quarantine entries' raw bytes that notes each one's message key."""

    def __init__(self, sessions: sessionmaker[Session], company_id: int, ids: list[int]) -> None:
        self.sessions = sessions
        self.company_id = company_id
        self.ids = ids
        self.keys: dict[int, str] = {}

    def batches(self, batch_size: int) -> Iterator[RawBatch]:
        for start in range(0, len(self.ids), batch_size):
            with self.sessions() as session:
                rows = quarantine_store.load_raw(
                    session, self.company_id, self.ids[start : start + batch_size]
                )
            for row in rows:
                # Bytes without a key are not a message yet: the pipeline quarantines them again.
                with suppress(MessageParseError):
                    self.keys[row.id] = peek_key(row.raw)
            # When it was quarantined is the latest it can have been received.
            yield RawBatch(
                [RawMessage(r.source_ref, r.raw, r.created_at.replace(tzinfo=UTC)) for r in rows]
            )
