"""`Inbox`'s operations on mail delivered to it: raw messages received over HTTP (or piped in
by an MTA), run through the pipeline as every source is, each answered with its outcome."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from inboxsync.db import companies as company_store
from inboxsync.db.models import InboxMessage, Quarantine
from inboxsync.errors import InboxsyncError, MessageParseError
from inboxsync.mail import peek_key
from inboxsync.operations._base import InboxBase
from inboxsync.sources.base import RawBatch, RawMessage

ReceivedStatus = Literal["created", "duplicate", "quarantined"]


@dataclass(frozen=True, slots=True)
class Received:
    """What became of one received message: `created` (stored now), `duplicate` (its key was
    stored already: the stored message's ids) or `quarantined` (kept in quarantine entry
    `quarantine_id` for `reason`). `message_key` is None when the bytes have no key."""

    status: ReceivedStatus
    message_key: str | None
    message_id: int | None = None
    conversation_id: int | None = None
    quarantine_id: int | None = None
    reason: str | None = None


class InboundOperations(InboxBase):
    """The operations on mail delivered to inboxsync (not fetched by it)."""

    def receive(
        self,
        company: str | int,
        raws: Sequence[bytes],
        *,
        wait: bool = False,
        source_name: str = "http",
    ) -> list[Received]:
        """Run raw RFC 822 messages delivered to `company` through the pipeline (one run,
        recorded as `source_name`), then classify their new conversations and queue their
        auto-replies (waiting for that only when `wait`). Returns each message's outcome, in
        order."""
        # Looked up and read back without the write lock (SQLite): another batch may be
        # writing meanwhile.
        with self.reader_sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
        if not raws:
            return []
        delivery = _Delivery(source_name, raws)
        self._ingest(company_id, delivery, source_name, wait=wait)
        with self.reader_sessions() as session:
            return _outcomes(session, company_id, delivery)


class _Delivery:
    """The received messages as a source: each with a source_ref of its own, so that the
    message stored with it is known to have been stored by this delivery."""

    def __init__(self, source_name: str, raws: Sequence[bytes]) -> None:
        self.raws = list(raws)
        self.refs = [f"{source_name}:{uuid.uuid4().hex}" for _ in self.raws]
        self.keys: list[str | None] = []
        for raw in self.raws:
            key = None
            # Bytes without a key are not a message: the pipeline quarantines them.
            with suppress(MessageParseError):
                key = peek_key(raw)
            self.keys.append(key)
        # Delivered now: the time stands in for a missing Date and says the mail is live.
        self.received_at = datetime.now(UTC)

    def batches(self, batch_size: int) -> Iterator[RawBatch]:
        arrived_at = self.received_at.replace(tzinfo=None)
        for start in range(0, len(self.raws), batch_size):
            end = start + batch_size
            yield RawBatch(
                [
                    RawMessage(ref, raw, self.received_at, arrived_at=arrived_at)
                    for ref, raw in zip(self.refs[start:end], self.raws[start:end], strict=True)
                ]
            )


def _outcomes(session: Session, company_id: int, delivery: _Delivery) -> list[Received]:
    """Each message's outcome, read back after the run: its stored message (created when
    stored under its own source_ref), else its quarantine entry."""
    keys = {key for key in delivery.keys if key is not None}
    stored = {
        row.message_key: row
        for row in session.execute(
            select(
                InboxMessage.message_key,
                InboxMessage.id,
                InboxMessage.conversation_id,
                InboxMessage.source_ref,
            ).where(InboxMessage.company_id == company_id, InboxMessage.message_key.in_(keys))
        )
    }
    # Quarantined bytes are keyed by their sha256 (see models.Quarantine).
    digests = {
        i: hashlib.sha256(raw).hexdigest()
        for i, (raw, key) in enumerate(zip(delivery.raws, delivery.keys, strict=True))
        if key not in stored
    }
    quarantined = {}
    if digests:
        quarantined = {
            row.dedupe_key: row
            for row in session.execute(
                select(Quarantine.dedupe_key, Quarantine.id, Quarantine.reason).where(
                    Quarantine.company_id == company_id,
                    Quarantine.dedupe_key.in_(set(digests.values())),
                )
            )
        }
    outcomes = []
    for i, (key, ref) in enumerate(zip(delivery.keys, delivery.refs, strict=True)):
        message = stored.get(key) if key is not None else None
        if message is not None:
            status: ReceivedStatus = "created" if message.source_ref == ref else "duplicate"
            outcomes.append(Received(status, key, message.id, message.conversation_id))
            continue
        entry = quarantined.get(digests[i])
        if entry is None:
            # Taken out of quarantine meanwhile (a retry, an operator): sending it again tells.
            raise InboxsyncError("a received message was neither stored nor quarantined")
        outcomes.append(Received("quarantined", key, quarantine_id=entry.id, reason=entry.reason))
    return outcomes
