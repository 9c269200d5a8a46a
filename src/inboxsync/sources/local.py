"""Local sources: a Maildir (with Maildir++ subfolders), an mbox file, a directory tree."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import BinaryIO

from inboxsync.errors import SourceError
from inboxsync.sources.base import RawBatch, RawMessage, Source

MAILDIR_SUBDIRS = ("cur", "new")


def open_source(path: Path, *, max_message_bytes: int = 25 * 1024 * 1024) -> Source:
    """The right reader for `path`: Maildir, directory tree of message files, or mbox file.

    Messages over `max_message_bytes` are read no further than their headers.
    """
    if not path.exists():
        raise SourceError(f"no such file or directory: {path}")
    if path.is_dir():
        if any((path / sub).is_dir() for sub in MAILDIR_SUBDIRS):
            return MaildirSource(path)
        return DirectorySource(path)
    return MboxSource(path)


class _FileSource:
    """Shared batching of sources whose messages are one file each."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def files(self) -> Iterable[Path]:
        raise NotImplementedError

    def count(self) -> int:
        """How many messages the source holds (for a progress bar)."""
        return sum(1 for _ in self.files())

    def batches(self, batch_size: int) -> Iterator[RawBatch]:
        batch = RawBatch(messages=[])
        for path in self.files():
            ref = str(path.relative_to(self.root))
            try:
                raw = path.read_bytes()
                received = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            except OSError as exc:
                batch.failures.append((ref, f"unreadable file: {exc.strerror}", b""))
            else:
                batch.messages.append(RawMessage(ref, raw, received))
            if len(batch.messages) + len(batch.failures) >= batch_size:
                yield batch
                batch = RawBatch(messages=[])
        if batch.messages or batch.failures:
            yield batch


class DirectorySource(_FileSource):
    """Every regular file below a folder is one raw message, whatever its name."""

    def files(self) -> Iterable[Path]:
        for folder, dirs, names in os.walk(self.root):
            dirs.sort()
            for name in sorted(names):
                path = Path(folder, name)
                if path.is_file() and not path.is_symlink():
                    yield path


class MaildirSource(_FileSource):
    """A Maildir: messages in cur/ and new/, and in Maildir++ subfolders (`.Sent/cur`…)."""

    def files(self) -> Iterable[Path]:
        subfolders = (p for p in self.root.iterdir() if p.name.startswith(".") and p.is_dir())
        folders = [self.root, *sorted(subfolders)]
        for folder in folders:
            for sub in MAILDIR_SUBDIRS:
                directory = folder / sub
                if directory.is_dir():
                    yield from sorted(p for p in directory.iterdir() if p.is_file())


class MboxSource:
    """An mbox file, read as a stream: memory holds one message at a time.

    Messages are split on `From ` lines after a blank line (or at the start); `>From ` quoting
    (mboxrd) is undone. A last message cut off by a truncated file goes to quarantine.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def count(self) -> int:
        """How many messages the file holds (for a progress bar)."""
        with self._open() as handle:
            return sum(1 for _ in _split(handle))

    def batches(self, batch_size: int) -> Iterator[RawBatch]:
        with self._open() as handle:
            batch = RawBatch(messages=[])
            for number, (from_line, lines, complete) in enumerate(_split(handle), start=1):
                ref = f"{self.path.name}#{number}"
                raw = b"".join(_unquote(line) for line in lines)
                if complete:
                    batch.messages.append(RawMessage(ref, raw, _from_line_date(from_line)))
                else:
                    batch.failures.append((ref, "truncated mbox: the last message is cut off", raw))
                if len(batch.messages) + len(batch.failures) >= batch_size:
                    yield batch
                    batch = RawBatch(messages=[])
            if batch.messages or batch.failures:
                yield batch

    def _open(self) -> BinaryIO:
        try:
            handle = self.path.open("rb")
        except OSError as exc:
            raise SourceError(f"cannot read {self.path}: {exc.strerror}") from exc
        head = handle.read(5)
        handle.seek(0)
        if head and head != b"From ":
            handle.close()
            raise SourceError(f"{self.path} is not an mbox file (it does not start with 'From ')")
        return handle


def _split(handle: BinaryIO) -> Iterator[tuple[bytes, list[bytes], bool]]:
    """Yield (From_ line, message lines, complete?) for each message of an mbox stream."""
    from_line: bytes | None = None
    lines: list[bytes] = []
    previous_blank = True
    for line in handle:
        if line.startswith(b"From ") and previous_blank:
            if from_line is not None:
                yield from_line, _drop_separator(lines), True
            from_line, lines = line, []
            previous_blank = False
            continue
        lines.append(line)
        previous_blank = line in (b"\n", b"\r\n")
    if from_line is not None:
        complete = not lines or lines[-1].endswith(b"\n")
        yield from_line, (_drop_separator(lines) if complete else lines), complete


def _drop_separator(lines: list[bytes]) -> list[bytes]:
    """The blank line before the next From_ line belongs to the mbox, not the message."""
    if lines and lines[-1] in (b"\n", b"\r\n"):
        return lines[:-1]
    return lines


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
