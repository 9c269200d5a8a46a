"""Local sources: a Maildir (with Maildir++ subfolders), an mbox file, a directory tree."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from inboxsync.errors import SourceError
from inboxsync.sources.base import Source
from inboxsync.sources.files import kind_of, not_a_source
from inboxsync.sources.folders import (
    DEFAULT_MAX_MESSAGE_BYTES,
    MAILDIR_SUBDIRS,
    DirectorySource,
    MaildirSource,
)
from inboxsync.sources.mbox import MboxSource

__all__ = ["DirectorySource", "MaildirSource", "MboxSource", "open_source"]


def open_source(path: Path, *, max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES) -> Source:
    """The right reader for `path`: Maildir, directory tree of message files, or mbox file.

    Messages over `max_message_bytes` are read no further than their headers. A path that is
    a FIFO, a socket or a device (such as /dev/stdin from a pipe or a terminal) is refused with
    a SourceError rather than waited on.
    """
    try:
        # Following a link here is the operator's choice; the sources follow none below.
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise SourceError(f"no such file or directory: {path}") from None
    except OSError as exc:
        raise SourceError(f"cannot read {path}: {exc.strerror}") from exc
    if stat.S_ISDIR(mode):
        if any(_is_real_folder(path / sub) for sub in MAILDIR_SUBDIRS):
            return MaildirSource(path, max_message_bytes=max_message_bytes)
        return DirectorySource(path, max_message_bytes=max_message_bytes)
    if stat.S_ISREG(mode):
        return MboxSource(path, max_message_bytes=max_message_bytes)
    raise not_a_source(path, kind_of(mode))


def _is_real_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False
