"""The protocol every AI provider implements: two batched questions, no database access."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from inboxsync.ai.types import (
    BatchResult,
    ConversationItem,
    FolderAnswer,
    FolderDef,
    SenderAnswer,
    SenderItem,
)


class AiProvider(Protocol):
    """Answers batched questions; the caller caches, stores and records the calls."""

    @property
    def name(self) -> str: ...

    @property
    def model(self) -> str: ...

    def detect_notifications(self, items: Sequence[SenderItem]) -> BatchResult[str, SenderAnswer]:
        """`notification` or `person` for each sender, with a reason."""
        ...

    def classify(
        self,
        items: Sequence[ConversationItem],
        folders: Sequence[FolderDef],
        *,
        cache_key: str = "",
    ) -> BatchResult[int, FolderAnswer]:
        """A folder among `folders` (or none) for each conversation, with a confidence."""
        ...
