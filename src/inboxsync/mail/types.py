"""Plain values that leave the mail package: parsed messages, addresses, verdicts."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

VerdictKind = Literal["notification", "person", "unknown"]


@dataclass(frozen=True, slots=True)
class Address:
    """One mailbox of a header: lower-cased addr-spec and decoded display name."""

    email: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a message was sent by a machine, by which rule, and why."""

    kind: VerdictKind
    rule: str = ""
    reason: str = ""


@dataclass(frozen=True, slots=True)
class AttachmentPart:
    """An attachment or inline part, with a filename safe to use on disk."""

    filename: str
    content_type: str
    data: bytes
    content_id: str | None = None
    is_inline: bool = False

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True, slots=True)
class ParsedMessage:
    """Everything the pipeline needs from one raw message."""

    message_key: str
    message_id: str | None
    subject: str
    subject_norm: str
    from_addr: Address | None
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    date: datetime
    in_reply_to: str | None
    references: tuple[str, ...]
    text: str
    verdict: Verdict
    size: int
    html: str | None = None
    attachments: tuple[AttachmentPart, ...] = ()
    defects: tuple[str, ...] = field(default=())
    # The one sender address a reply may go to, strictly validated (None when there is none).
    reply_address: str | None = None
    # PostgreSQL's full-text document of the message (a binary tsvector), when the pipeline
    # computed it beside the parse; None: the writer computes it.
    search_document: bytes | None = None

    @property
    def date_naive(self) -> datetime:
        """The date as naive UTC, the way the database stores every timestamp."""
        return self.date.astimezone(UTC).replace(tzinfo=None)
