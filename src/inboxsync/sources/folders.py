"""Sources whose messages are one file each: a folder tree, and a Maildir with Maildir++ folders.

Neither leaves its root: links are reported and not followed, FIFOs and devices are refused, and
a file or folder that cannot be read is a failure named by its path below the root.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

from inboxsync.sources.base import RawBatch
from inboxsync.sources.batching import Refused, Unreadable, batched
from inboxsync.sources.files import (
    DIRECTORY,
    FILE,
    Listed,
    Listing,
    open_folder,
    open_root,
    read_file,
    refusal,
    scan,
)

DEFAULT_MAX_MESSAGE_BYTES = 25 * 1024 * 1024
MAILDIR_SUBDIRS = ("cur", "new")

Entry = Listed | Unreadable | Refused


class _FileSource:
    """Shared reading and batching of sources whose messages are one file each."""

    def __init__(self, root: Path, *, max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES) -> None:
        # The root may be a link (the operator's choice); nothing below it is followed.
        self.root = Path(os.path.realpath(root))
        self.max_message_bytes = max_message_bytes

    def count(self) -> int:
        """How many messages and failures `batches` yields (for a progress bar)."""
        return sum(1 for entry in self._listing() if not isinstance(entry, Refused))

    def batches(self, batch_size: int) -> Iterator[RawBatch]:
        """Batches of at most `batch_size` entries (messages, failures and refusals)."""
        outcomes = (
            read_file(entry, self.max_message_bytes) if isinstance(entry, Listed) else entry
            for entry in self._listing()
        )
        yield from batched(outcomes, batch_size)

    def _listing(self) -> Iterator[Entry]:
        root_fd = open_root(self.root)
        try:
            yield from self._entries(root_fd)
        finally:
            os.close(root_fd)

    def _entries(self, root_fd: int) -> Iterator[Entry]:
        raise NotImplementedError


class DirectorySource(_FileSource):
    """Every regular file below a folder is one raw message, whatever its name.

    Order: a folder's files by name, then its subfolders by name, depth first.
    """

    def _entries(self, root_fd: int) -> Iterator[Entry]:
        # An explicit stack rather than recursion: a hostile tree may be thousands of folders deep.
        stack: list[tuple[int, str, list[str]]] = []
        try:
            yield from _enter(stack, root_fd, "")
            while stack:
                fd, prefix, subfolders = stack[-1]
                if not subfolders:
                    stack.pop()
                    if fd != root_fd:
                        os.close(fd)
                    continue
                name = subfolders.pop()
                opened = open_folder(name, fd, prefix + name)
                if isinstance(opened, int):
                    yield from _enter(stack, opened, f"{prefix}{name}/")
                else:
                    yield opened
        finally:
            for fd, _, _ in stack:
                if fd != root_fd:
                    os.close(fd)


def _enter(stack: list[tuple[int, str, list[str]]], fd: int, prefix: str) -> list[Entry]:
    """The files of an open folder; its subfolders are pushed on `stack` (last to visit first)."""
    listing = scan(fd, prefix.rstrip("/") or ".")
    if isinstance(listing, Unreadable):
        stack.append((fd, prefix, []))
        return [listing]
    stack.append((fd, prefix, [name for name, kind in reversed(listing) if kind == DIRECTORY]))
    return [_file(fd, prefix + name, name, kind) for name, kind in listing if kind != DIRECTORY]


class MaildirSource(_FileSource):
    """A Maildir: messages in cur/ and new/, and in Maildir++ subfolders (`.Sent/cur`…).

    Order: the root's cur/ then new/, then each subfolder's by name; files by name.
    """

    def _entries(self, root_fd: int) -> Iterator[Entry]:
        listing = scan(root_fd, ".")
        if isinstance(listing, Unreadable):
            yield listing
            return
        yield from _maildir_folder(root_fd, "", listing)
        for name, kind in listing:
            # Dot files beside the folders hold settings (.customflags…), not mail.
            if name.startswith(".") and kind != FILE:
                yield from _in_folder(root_fd, name, name, kind, _maildir_folder)


Walk = Callable[[int, str, Listing], Iterator[Entry]]


def _in_folder(parent_fd: int, name: str, ref: str, kind: str, walk: Walk) -> Iterator[Entry]:
    """What `walk` finds in the subfolder `name` (of `kind`), or why it was not opened or listed."""
    opened = (
        open_folder(name, parent_fd, ref) if kind == DIRECTORY else refusal(ref, kind, DIRECTORY)
    )
    if not isinstance(opened, int):
        yield opened
        return
    try:
        listing = scan(opened, ref)
        if isinstance(listing, Unreadable):
            yield listing
        else:
            yield from walk(opened, ref, listing)
    finally:
        os.close(opened)


def _maildir_folder(fd: int, ref: str, listing: Listing) -> Iterator[Entry]:
    """The files of one Maildir folder's cur/ and new/ (`listing` is the folder's own)."""
    kinds = dict(listing)
    prefix = f"{ref}/" if ref else ""
    for sub in MAILDIR_SUBDIRS:
        if sub in kinds:
            yield from _in_folder(fd, sub, prefix + sub, kinds[sub], _message_files)


def _message_files(fd: int, ref: str, listing: Listing) -> Iterator[Entry]:
    for name, kind in listing:
        yield _file(fd, f"{ref}/{name}", name, kind)


def _file(folder_fd: int, ref: str, name: str, kind: str) -> Listed | Refused:
    return Listed(folder_fd, name, ref) if kind == FILE else refusal(ref, kind)
