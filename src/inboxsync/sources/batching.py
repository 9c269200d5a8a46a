"""What a local source's entries become (a message, a failure, a refusal) and their batches."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from inboxsync.sources.base import RawBatch, RawMessage


@dataclass(frozen=True, slots=True)
class Unreadable:
    """An entry that could not be read: quarantined by its path, with no bytes unless some came."""

    ref: str
    reason: str
    raw: bytes = b""


@dataclass(frozen=True, slots=True)
class Refused:
    """An entry the source will not read (a symbolic link, a FIFO…): reported, never stored."""

    ref: str
    reason: str


Outcome = RawMessage | Unreadable | Refused


def batched(outcomes: Iterable[Outcome], batch_size: int) -> Iterator[RawBatch]:
    """Group outcomes into batches of at most `batch_size` entries, in their order."""
    batch = RawBatch(messages=[])
    size = 0
    for outcome in outcomes:
        if isinstance(outcome, RawMessage):
            batch.messages.append(outcome)
        elif isinstance(outcome, Unreadable):
            batch.failures.append((outcome.ref, outcome.reason, outcome.raw))
        else:
            # Refusals fill the batch too, so a folder of a million links stays in bounded memory.
            batch.skipped.append((outcome.ref, outcome.reason))
        size += 1
        if size >= batch_size:
            yield batch
            batch, size = RawBatch(messages=[]), 0
    if size:
        yield batch
