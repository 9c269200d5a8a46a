"""Opening a local source's folders and files without following a link, blocking or over-reading.

Every open is relative to the descriptor of an already opened folder and uses `O_NOFOLLOW |
O_NONBLOCK`, then `fstat` decides: a link swapped in after the listing is still refused, and a
FIFO or a device is never waited on.
"""

from __future__ import annotations

import errno
import os
import stat
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from inboxsync.errors import SourceError
from inboxsync.sources.base import RawMessage
from inboxsync.sources.batching import Outcome, Refused, Unreadable

HEAD_LIMIT = 256 * 1024
FILE = "regular file"
DIRECTORY = "directory"
LINK = "symbolic link"
SYMLINK_REASON = "symbolic link: not followed"
VANISHED_REASON = "vanished before it was read"

_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
# What open() says when the name is not what the flags accept: a link, a non-folder, a socket.
_WRONG_KIND = (errno.ELOOP, errno.ENOTDIR, errno.ENXIO)


@dataclass(frozen=True, slots=True)
class Listed:
    """A regular file found in a folder, to be read while that folder's descriptor is open."""

    folder_fd: int
    name: str
    ref: str


class Listing:
    """A folder's (name, kind) entries in name order, held compactly for as long as its files
    are read: one string of every name, their end offsets and a byte per kind, instead of a
    tuple and a string object per entry (a Maildir's cur/ of 100,000 messages: 4 MB
    instead of 14 MB, kept for the whole import)."""

    def __init__(self, entries: Iterable[tuple[str, str]]) -> None:
        ordered = sorted(entries)
        self._names = "".join(name for name, _ in ordered)
        self._ends = array("Q")
        end = 0
        for name, _ in ordered:
            end += len(name)
            self._ends.append(end)
        self._kinds = tuple(dict.fromkeys(kind for _, kind in ordered))
        code = {kind: at for at, kind in enumerate(self._kinds)}
        self._codes = bytes(code[kind] for _, kind in ordered)

    def __len__(self) -> int:
        return len(self._ends)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return map(self._entry, range(len(self)))

    def __reversed__(self) -> Iterator[tuple[str, str]]:
        return map(self._entry, reversed(range(len(self))))

    def _entry(self, at: int) -> tuple[str, str]:
        start = self._ends[at - 1] if at else 0
        return self._names[start : self._ends[at]], self._kinds[self._codes[at]]


def kind_of(mode: int) -> str:
    """What a file mode names, in words ("regular file", "fifo", "character device"…)."""
    kinds = (
        (stat.S_ISREG, FILE),
        (stat.S_ISDIR, DIRECTORY),
        (stat.S_ISLNK, LINK),
        (stat.S_ISFIFO, "fifo"),
        (stat.S_ISSOCK, "socket"),
        (stat.S_ISCHR, "character device"),
        (stat.S_ISBLK, "block device"),
    )
    return next((name for test, name in kinds if test(mode)), "unknown file type")


def refusal(ref: str, kind: str, expected: str = FILE) -> Refused:
    """Why an entry of `kind` is not read where a `expected` was wanted."""
    if kind == LINK:
        return Refused(ref, SYMLINK_REASON)
    return Refused(ref, f"not a {expected}: {kind}")


def not_a_source(path: Path, kind: str) -> SourceError:
    """The one-line error for an import path that is neither a folder nor a file."""
    return SourceError(f"{path} is a {kind}, not a Maildir, an mbox file or a folder of messages")


def open_root(path: Path) -> int:
    """A descriptor on a source's (resolved) root folder; SourceError when it cannot be opened."""
    try:
        return os.open(path, _FLAGS | os.O_DIRECTORY)
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror}") from exc


def open_regular(path: Path) -> BinaryIO:
    """A resolved path opened for reading, only if it is a regular file; SourceError otherwise."""
    try:
        fd = os.open(path, _FLAGS)
    except OSError as exc:
        kind = _kind_at(os.fspath(path), None) if exc.errno in _WRONG_KIND else None
        if kind is not None and kind != FILE:
            raise not_a_source(path, kind) from exc
        raise SourceError(f"cannot read {path}: {exc.strerror}") from exc
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise not_a_source(path, kind_of(mode))
    return os.fdopen(fd, "rb")


def scan(folder_fd: int, ref: str) -> Listing | Unreadable:
    """The (name, kind) of each entry of an open folder in name order, kinds as lstat sees them;
    or why the folder could not be listed."""
    try:
        with os.scandir(folder_fd) as entries:
            return Listing((entry.name, _kind(entry)) for entry in entries)
    except OSError as exc:
        return Unreadable(ref, f"unreadable directory: {exc.strerror}")


def open_folder(name: str, parent_fd: int, ref: str) -> int | Unreadable | Refused:
    """A descriptor on the subfolder `name`, or why it was not opened (a link is refused)."""
    try:
        return os.open(name, _FLAGS | os.O_DIRECTORY, dir_fd=parent_fd)
    except OSError as exc:
        return _not_opened(name, parent_fd, ref, exc, DIRECTORY)


def read_file(entry: Listed, limit: int) -> Outcome:
    """The message in a listed file; over `limit` bytes only its header block is read."""
    try:
        fd = os.open(entry.name, _FLAGS, dir_fd=entry.folder_fd)
    except OSError as exc:
        return _not_opened(entry.name, entry.folder_fd, entry.ref, exc, FILE)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return refusal(entry.ref, kind_of(info.st_mode))
        with os.fdopen(fd, "rb", closefd=False) as handle:
            # limit + 1 rather than the whole file: it may have grown since fstat.
            data = handle.read(HEAD_LIMIT if info.st_size > limit else limit + 1)
    except OSError as exc:
        return Unreadable(entry.ref, f"unreadable file: {exc.strerror}")
    finally:
        os.close(fd)
    received = datetime.fromtimestamp(info.st_mtime, UTC)
    size = max(info.st_size, len(data))
    if size > limit:
        note = over_limit(size, limit)
        return RawMessage(entry.ref, header_block(data), received, headers_only=True, note=note)
    return RawMessage(entry.ref, data, received)


def header_block(data: bytes) -> bytes:
    """The header block that starts `data`, with the blank line closing it, at most HEAD_LIMIT."""
    for blank in (b"\n", b"\r\n"):
        if data.startswith(blank):
            return blank
    ends = [
        at + len(separator)
        for separator in (b"\n\n", b"\n\r\n")
        if (at := data.find(separator, 0, HEAD_LIMIT)) >= 0
    ]
    return data[: min(ends, default=HEAD_LIMIT)]


def over_limit(size: int, limit: int) -> str:
    """The quarantine reason of a message too large to read whole."""
    return f"message of {size} bytes is over the {limit}-byte limit: headers kept, body not read"


def _kind(entry: os.DirEntry[str]) -> str:
    if entry.is_symlink():
        return LINK
    if entry.is_file(follow_symlinks=False):
        return FILE
    if entry.is_dir(follow_symlinks=False):
        return DIRECTORY
    try:
        return kind_of(entry.stat(follow_symlinks=False).st_mode)
    except OSError:
        return "unknown file type"


def _not_opened(
    name: str, parent_fd: int, ref: str, exc: OSError, expected: str
) -> Unreadable | Refused:
    """Why `name` could not be opened: refused when it is not what was expected, else unreadable."""
    if exc.errno == errno.ENOENT:
        return Refused(ref, VANISHED_REASON)
    if exc.errno in _WRONG_KIND:
        kind = _kind_at(name, parent_fd)
        if kind is None:
            return Refused(ref, VANISHED_REASON)
        if kind != expected:
            return refusal(ref, kind, expected)
    noun = "directory" if expected == DIRECTORY else "file"
    return Unreadable(ref, f"unreadable {noun}: {exc.strerror}")


def _kind_at(name: str, parent_fd: int | None) -> str | None:
    """The kind of `name` itself (a link is not followed), or None when it is gone."""
    try:
        return kind_of(os.stat(name, dir_fd=parent_fd, follow_symlinks=False).st_mode)
    except OSError:
        return None
