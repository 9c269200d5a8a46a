"""Deciding senders whose header verdict is `unknown`: the protocol the AI layer implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from inboxsync.mail.types import Verdict
from inboxsync.usage import AiUsage


@dataclass(frozen=True, slots=True)
class SenderSample:
    """What a detector sees of a new sender: its first message of the batch."""

    email: str
    name: str
    subject: str
    text: str


class NotificationDetector(Protocol):
    """Answers, for each unknown sender, `notification` or `person` (with a reason)."""

    def detect(self, company_id: int, samples: list[SenderSample]) -> dict[str, Verdict]:
        """Verdicts by sender address; a sender left out counts as a person."""
        ...

    def usage(self) -> AiUsage:
        """AI usage so far (calls, tokens, cost)."""
        ...


class UnknownIsPerson:
    """The detector used without AI: every unknown sender is a person."""

    def detect(self, company_id: int, samples: list[SenderSample]) -> dict[str, Verdict]:
        return {}

    def usage(self) -> AiUsage:
        return AiUsage()
