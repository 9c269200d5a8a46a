"""Mail sources: each yields batches of raw messages (see `base.Source`)."""

from inboxsync.sources.base import FolderCursor, RawBatch, RawMessage, Source
from inboxsync.sources.local import DirectorySource, MaildirSource, MboxSource, open_source

__all__ = [
    "DirectorySource",
    "FolderCursor",
    "MaildirSource",
    "MboxSource",
    "RawBatch",
    "RawMessage",
    "Source",
    "open_source",
]
