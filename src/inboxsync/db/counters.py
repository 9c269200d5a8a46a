"""Counts database round trips and commits for the run in progress (per thread / task)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass
class DbCounter:
    """Statements sent and commits made while this counter was current."""

    round_trips: int = 0
    commits: int = 0


_current: ContextVar[DbCounter | None] = ContextVar("inboxsync_db_counter", default=None)


@contextmanager
def counting() -> Iterator[DbCounter]:
    """Count every statement and commit made inside the block, in this context only."""
    counter = DbCounter()
    token = _current.set(counter)
    try:
        yield counter
    finally:
        _current.reset(token)


def count_round_trip() -> None:
    counter = _current.get()
    if counter is not None:
        counter.round_trips += 1


def count_commit() -> None:
    counter = _current.get()
    if counter is not None:
        counter.commits += 1
