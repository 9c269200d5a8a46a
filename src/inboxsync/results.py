"""What `Inbox` methods return, beyond the types of the layers they come from (the pipeline's
reports, conversation and quarantine rows, AI and outbox rows).

Every result is a dataclass whose fields are its JSON: `pydantic_core.to_jsonable_python` (what
FastAPI applies to a returned value) turns any of them into JSON data as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from inboxsync.ai.ledger import CostRow
from inboxsync.db.mailboxes import MailboxInfo
from inboxsync.outbound import OutboxRow
from inboxsync.pipeline.report import SyncReport
from inboxsync.usage import AiUsage


class ImportProgress(Protocol):
    """What `Inbox.import_path` tells about its progress, e.g. to draw a progress bar."""

    def start(self, total: int | None) -> None:
        """The source holds `total` messages (None when it cannot tell cheaply)."""

    def advance(self, messages: int) -> None:
        """`messages` more messages went through the pipeline."""


@dataclass(frozen=True, slots=True)
class RetryNote:
    """A quarantine entry a retry did not store, and why."""

    id: int
    reason: str


@dataclass(frozen=True, slots=True)
class RetryReport:
    """What a quarantine retry did, entry by entry, and the report of its pipeline run."""

    # Entries whose bytes are now a stored message: they left the quarantine.
    stored: tuple[int, ...]
    # Entries that failed again, with the reason the current code gives.
    failed: tuple[RetryNote, ...]
    # Entries that parsing again cannot help (headers only, no bytes), with why.
    not_retryable: tuple[RetryNote, ...]
    # None when there was nothing to retry.
    run: SyncReport | None


@dataclass(frozen=True, slots=True)
class ClassifyReport:
    """What a classification round cost, and where the conversations stand after it."""

    ai: AiUsage
    # How many conversations are in each state (classified, pending, unclassified…).
    conversations: dict[str, int]
    # Conversations put back to pending because they were filed against older folders.
    requeued: int


@dataclass(frozen=True, slots=True)
class CostReport:
    """AI spend from the ledger: one row per purpose and model, and the total."""

    rows: tuple[CostRow, ...]
    total_usd: float


@dataclass(frozen=True, slots=True)
class OutboxReport:
    """Auto-replies: how many are in each status, and the newest rows."""

    counts: dict[str, int]
    rows: tuple[OutboxRow, ...]


@dataclass(frozen=True, slots=True)
class FolderProgress:
    """How far an IMAP folder is synced: UIDs up to `last_uid` of `uidvalidity` are stored."""

    name: str
    uidvalidity: int | None
    last_uid: int


@dataclass(frozen=True, slots=True)
class MailboxSummary:
    """An IMAP mailbox as users see it. `secret_ref` names where the secret is (`env:VAR`…),
    never its value."""

    id: int
    company: str
    host: str
    port: int
    tls: str
    user: str
    secret_ref: str
    folders: tuple[FolderProgress, ...]

    @classmethod
    def of(cls, box: MailboxInfo) -> MailboxSummary:
        """The summary of a mailbox as the sync reads it."""
        return cls(
            id=box.id,
            company=box.company_name,
            host=box.imap_host,
            port=box.imap_port,
            tls=box.imap_tls,
            user=box.username,
            secret_ref=box.secret_ref,
            folders=tuple(FolderProgress(f.name, f.uidvalidity, f.last_uid) for f in box.folders),
        )
