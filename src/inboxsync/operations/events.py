"""The event feed: what changed in a company, after a cursor, waiting for it if asked."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from inboxsync.db.events import EVENT_TYPES, EventRow, read_events
from inboxsync.errors import UsageError
from inboxsync.operations._base import InboxBase

# How often a long poll looks again, and the longest wait it accepts.
POLL_SECONDS = 0.1
MAX_WAIT_SECONDS = 60.0
MAX_EVENTS = 1000


@dataclass(frozen=True, slots=True)
class EventPage:
    """Events in seq order and the cursor to ask `after` next time (unchanged when empty)."""

    events: tuple[EventRow, ...]
    next_after: int


class EventOperations(InboxBase):
    """The event feed."""

    def events(
        self,
        company: str | int,
        *,
        after: int = 0,
        types: Sequence[str] | None = None,
        limit: int = 100,
        wait: float = 0.0,
    ) -> EventPage:
        """The company's events after seq `after` (of `types`, at most `limit`); with `wait`,
        a long poll: returns as soon as one is recorded, or empty after `wait` seconds."""
        unknown = set(types or ()) - set(EVENT_TYPES)
        if unknown:
            raise UsageError(f"unknown event types: {', '.join(sorted(unknown))}")
        if not 1 <= limit <= MAX_EVENTS:
            raise UsageError(f"limit is between 1 and {MAX_EVENTS}, not {limit}")
        if not 0 <= wait <= MAX_WAIT_SECONDS:
            raise UsageError(f"wait is between 0 and {MAX_WAIT_SECONDS:g} seconds, not {wait}")
        if after < 0:
            raise UsageError(f"after is a seq (0 or more), not {after}")
        company_id = self.company_id(company)
        deadline = time.monotonic() + wait
        while True:
            with self.reader_sessions() as session:
                rows = read_events(session, company_id, after=after, types=types, limit=limit)
            if rows or time.monotonic() >= deadline:
                return EventPage(tuple(rows), rows[-1].seq if rows else after)
            time.sleep(POLL_SECONDS)
