"""The SyncReport: what one run did, with seconds per stage. Printed by the CLI, stored per run."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from inboxsync.usage import AiUsage

# How many skipped entries a report lists by name (it counts them all).
MAX_LISTED = 100


@dataclass
class SyncReport:
    """Counts and timings of one import or sync run."""

    fetched: int = 0
    duplicates: int = 0
    new_messages: int = 0
    new_conversations: int = 0
    new_clients: int = 0
    notifications: int = 0
    quarantined: int = 0
    # Entries a source refused to read (a symbolic link, a FIFO…): never stored.
    skipped: int = 0
    merged_conversations: int = 0
    # Batches whose write failed and was retried in halves to find the messages at fault.
    bisected_batches: int = 0
    db_round_trips: int = 0
    commits: int = 0
    ai_calls: int = 0
    ai_input_tokens: int = 0
    ai_output_tokens: int = 0
    ai_cached_tokens: int = 0
    ai_cost_usd: float = 0.0
    bytes_downloaded: int = 0
    notification_rules: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    # "source_ref: reason" of the first skipped entries (at most MAX_LISTED).
    skipped_entries: list[str] = field(default_factory=list)

    def add_ai(self, usage: AiUsage) -> None:
        """Add the AI usage of a step of this run."""
        self.ai_calls += usage.calls
        self.ai_input_tokens += usage.input_tokens
        self.ai_output_tokens += usage.output_tokens
        self.ai_cached_tokens += usage.cached_tokens
        self.ai_cost_usd = round(self.ai_cost_usd + usage.cost_usd, 6)

    def note_skipped(self, entries: list[tuple[str, str]]) -> None:
        """Count entries a source refused to read, listing the first few with their reason."""
        self.skipped += len(entries)
        room = MAX_LISTED - len(self.skipped_entries)
        self.skipped_entries.extend(f"{ref}: {reason}" for ref, reason in entries[: max(room, 0)])

    def count_rules(self, hits: Counter[str]) -> None:
        for rule, n in hits.items():
            self.notification_rules[rule] = self.notification_rules.get(rule, 0) + n

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Add the wall time of the block to `seconds[name]` (and to the total)."""
        start = time.perf_counter()
        try:
            yield
        finally:
            elapsed = time.perf_counter() - start
            self.seconds[name] = round(self.seconds.get(name, 0.0) + elapsed, 6)

    def merge(self, other: SyncReport) -> None:
        """Fold another run's report into this one (used when syncing many mailboxes)."""
        for name, value in asdict(other).items():
            mine = getattr(self, name)
            if isinstance(value, dict):
                for key, n in value.items():
                    mine[key] = round(mine.get(key, 0) + n, 6)
            elif isinstance(value, list):
                mine.extend(value)
            else:
                setattr(self, name, mine + value)

    def as_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready data."""
        return asdict(self)
