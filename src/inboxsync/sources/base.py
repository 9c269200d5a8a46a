"""What every mail source yields: batches of raw messages, with an optional folder cursor."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class RawMessage:
    """One message as fetched: where it came from, its bytes and when the source received it.

    `received_at` is the best guess of a delivery time (a file's mtime, an mbox From_ line, the
    IMAP INTERNALDATE) and only stands in for a missing Date. `arrived_at` is set only where a
    mail server says when the mailbox received it (the IMAP INTERNALDATE, naive UTC as every
    stored time): it decides history.
    `raw` may hold only the headers when `headers_only` says so (an oversized message that was
    not downloaded); the pipeline quarantines such messages with `note` as the reason.
    `known_new_key` is the message's key when the source has already looked it up and found it
    not stored (IMAP's header phase): the pipeline's early filter does not ask again.
    """

    source_ref: str
    raw: bytes
    received_at: datetime | None = None
    headers_only: bool = False
    note: str = ""
    arrived_at: datetime | None = None
    known_new_key: str | None = None


@dataclass(frozen=True, slots=True)
class FolderCursor:
    """Where a mailbox folder's sync stands: its UIDs up to `last_uid` (of `uidvalidity`) are
    stored. Read from the database before a sync; a batch carries the new one, which the
    pipeline writes in the batch's own transaction."""

    folder_id: int
    name: str
    uidvalidity: int | None = None
    last_uid: int = 0
    highestmodseq: int | None = None


@dataclass(frozen=True, slots=True)
class RawBatch:
    """A batch of raw messages, and the folder cursor that covers it (IMAP).

    `failures` are (source_ref, reason, raw bytes) the source could not read: they go to
    quarantine (an unreadable file has no bytes and is keyed by its path). `skipped` are
    (source_ref, reason) entries the source refused to read at all, such as a symbolic link
    out of its root: reported, never stored.
    """

    messages: list[RawMessage]
    cursor: FolderCursor | None = None
    failures: list[tuple[str, str, bytes]] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    # Messages the source skipped because their key is already stored (counted as duplicates).
    skipped_known: int = 0


class Source(Protocol):
    """Anything that yields batches of raw messages."""

    def batches(self, batch_size: int) -> Iterator[RawBatch]:
        """Yield batches of at most `batch_size` messages, in the source's order."""
        ...
