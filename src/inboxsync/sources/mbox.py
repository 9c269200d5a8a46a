"""An mbox file, read as a stream: memory holds at most one message, and only the headers of a
message over the size limit."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import BinaryIO

from inboxsync.errors import SourceError
from inboxsync.sources.base import RawBatch, RawMessage
from inboxsync.sources.batching import Outcome, Unreadable, batched
from inboxsync.sources.files import HEAD_LIMIT, open_regular, over_limit
from inboxsync.sources.folders import DEFAULT_MAX_MESSAGE_BYTES

# Lines are read in pieces of at most this size, so a file without newlines stays bounded too.
LINE_LIMIT = 64 * 1024
_BLANK = (b"\n", b"\r\n")


class MboxSource:
    """An mbox file: messages split on `From ` lines after a blank line (or at the start).

    `>From ` quoting (mboxrd) is undone. A last message cut off by a truncated file goes to
    quarantine; a message over `max_message_bytes` keeps only its header block.
    """

    def __init__(self, path: Path, *, max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES) -> None:
        self.path = path
        # Refs keep the name the operator gave; the file read is the link's target, resolved once.
        self._resolved = Path(os.path.realpath(path))
        self.max_message_bytes = max_message_bytes

    def count(self) -> int:
        """How many messages the file holds (for a progress bar)."""
        return sum(1 for _ in self._outcomes())

    def batches(self, batch_size: int) -> Iterator[RawBatch]:
        """Batches of at most `batch_size` messages, in file order."""
        yield from batched(self._outcomes(), batch_size)

    def _outcomes(self) -> Iterator[Outcome]:
        with self._open() as handle:
            try:
                messages = _split(handle, self.max_message_bytes)
                for number, message in enumerate(messages, start=1):
                    yield message.outcome(f"{self.path.name}#{number}")
            except OSError as exc:
                raise SourceError(f"cannot read {self.path}: {exc.strerror}") from exc

    def _open(self) -> BinaryIO:
        handle = open_regular(self._resolved)
        head = handle.read(5)
        handle.seek(0)
        if head and head != b"From ":
            handle.close()
            raise SourceError(f"{self.path} is not an mbox file (it does not start with 'From ')")
        return handle


class _Message:
    """One mbox message as it is read: its header block, and its body while under the limit."""

    def __init__(self, from_line: bytes, limit: int) -> None:
        self.from_line = from_line
        self.limit = limit
        self.head: list[bytes] = []
        self.head_bytes = 0
        self.in_head = True
        self.body: list[bytes] | None = []  # None once the message is surely over the limit
        self.size = 0
        self.last = b""

    def add(self, line: bytes) -> None:
        self.size += len(line)
        self.last = line
        if self.in_head:
            self.head.append(line)
            self.head_bytes += len(line)
            self.in_head = line not in _BLANK and self.head_bytes < HEAD_LIMIT
        elif self.body is not None:
            self.body.append(line)
        # Room for the separator, which is only known to be one when the next From_ line comes.
        if self.size > self.limit + len(b"\r\n"):
            self.body = None

    @property
    def complete(self) -> bool:
        return self.size == 0 or self.last.endswith(b"\n")

    def drop_separator(self) -> None:
        """The blank line before the next From_ line belongs to the mbox, not the message."""
        if self.last not in _BLANK:
            return
        self.size -= len(self.last)
        if self.body:
            self.body.pop()
        elif self.body is not None and self.head:
            self.head.pop()

    def outcome(self, ref: str) -> Outcome:
        received = _from_line_date(self.from_line)
        if self.body is None or self.size > self.limit:
            head = b"".join(self.head)
            note = over_limit(self.size, self.limit)
            return RawMessage(ref, head, received, headers_only=True, note=note)
        raw = b"".join(self.head) + b"".join(self.body)
        if not self.complete:
            return Unreadable(ref, "truncated mbox: the last message is cut off", raw)
        return RawMessage(ref, raw, received)


def _split(handle: BinaryIO, limit: int) -> Iterator[_Message]:
    """Each message of an mbox stream, its separator dropped when it is complete."""
    message: _Message | None = None
    previous_blank = True
    in_from_line = False
    line_start = True
    while piece := handle.readline(LINE_LIMIT):
        starts, line_start = line_start, piece.endswith(b"\n")
        if starts and previous_blank and piece.startswith(b"From "):
            if message is not None:
                message.drop_separator()
                yield message
            message = _Message(piece, limit)
            previous_blank, in_from_line = False, not line_start
            continue
        if in_from_line:  # the rest of an over-long From_ line is not message text
            in_from_line = not line_start
            continue
        if message is not None:
            message.add(_unquote(piece) if starts else piece)
        previous_blank = starts and piece in _BLANK
    if message is not None:
        if message.complete:
            message.drop_separator()
        yield message


def _unquote(line: bytes) -> bytes:
    if line.startswith(b">") and line.lstrip(b">").startswith(b"From "):
        return line[1:]
    return line


def _from_line_date(from_line: bytes) -> datetime | None:
    """The delivery date of an mbox `From sender date` line, when it has one."""
    parts = from_line.decode("latin-1").split(None, 2)
    if len(parts) < 3:
        return None
    try:
        return datetime.strptime(parts[2].strip(), "%a %b %d %H:%M:%S %Y").replace(tzinfo=UTC)
    except ValueError:
        try:
            return parsedate_to_datetime(parts[2].strip())
        except (TypeError, ValueError):
            return None
