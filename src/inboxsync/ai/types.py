"""Plain values of the AI layer: the questions, the answers, one call's ledger record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

Purpose = Literal["detect", "classify"]
Outcome = Literal[
    "ok", "partial", "invalid", "rate_limited", "server_error", "timeout", "error", "skipped"
]


@dataclass(frozen=True, slots=True)
class SenderItem:
    """A sender whose header verdict is `unknown`: its address and its first message."""

    key: str
    email: str
    name: str
    subject: str
    text: str


@dataclass(frozen=True, slots=True)
class SenderAnswer:
    """Whether a sender is a machine (`notification`) or a `person`, and why."""

    kind: Literal["notification", "person"]
    reason: str


@dataclass(frozen=True, slots=True)
class ConversationItem:
    """A conversation to file: its subject and the start of its first inbound message."""

    key: int
    subject: str
    text: str
    language: str = ""


@dataclass(frozen=True, slots=True)
class FolderDef:
    """One of the company's folders as the classifier sees it."""

    id: int
    name: str
    description: str

    @property
    def code(self) -> str:
        """The short id used in prompts and in the JSON schema's enum."""
        return f"f{self.id}"


@dataclass(frozen=True, slots=True)
class FolderAnswer:
    """A folder (or None: no folder fits / abstained) with a confidence in [0, 1]."""

    folder_id: int | None
    confidence: float
    reason: str = ""


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One request to a provider, as the cost ledger stores it."""

    provider: str
    model: str
    purpose: Purpose
    items: int
    input_tokens: int = 0
    output_tokens: int = 0
    cached_tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: int = 0
    outcome: Outcome = "ok"
    detail: str = ""
    # The keys of the items the request asked about (not stored: what each item's share is of).
    keys: tuple[object, ...] = ()


K = TypeVar("K")
A = TypeVar("A")


@dataclass
class BatchResult(Generic[K, A]):
    """What a provider made of a list of items: answers by item key, the keys it could not
    answer with the reason, whether those failures are transient (worth asking again later),
    and a record per request sent."""

    answers: dict[K, A] = field(default_factory=dict)
    failed: dict[K, str] = field(default_factory=dict)
    transient: set[K] = field(default_factory=set)
    calls: list[CallRecord] = field(default_factory=list)

    def merge(self, other: BatchResult[K, A]) -> None:
        self.answers.update(other.answers)
        for key in other.answers:
            self.failed.pop(key, None)
            self.transient.discard(key)
        for key, reason in other.failed.items():
            if key not in self.answers:
                self.failed[key] = reason
        self.transient |= {k for k in other.transient if k not in self.answers}
        self.calls.extend(other.calls)
