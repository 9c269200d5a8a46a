"""Finding the messages at fault when a batch write fails: the batch is written again in
halves, each half in a transaction of its own, halving again each half that fails, until the
failing messages stand alone.

One bad message in a batch of n costs about 2·log2(n) extra writes, never one per message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError, StatementError

log = logging.getLogger(__name__)

MAX_REASON_CHARS = 500

T = TypeVar("T")
# Writes some items in a transaction of its own; returns the new conversation ids.
Write = Callable[[list[T]], list[int]]
# Called with an item that fails on its own and the reason.
Reject = Callable[[T, str], None]


def write_isolating(write: Write[T], items: list[T], reject: Reject[T]) -> tuple[list[int], bool]:
    """`write(items)`; if it fails because of what an item holds, write the items in halves
    and `reject` each one that fails alone. Returns the new conversation ids and whether the
    batch had to be halved. An error no item can cause (the database is gone, full,
    read-only or locked; or a failure with no item in the write) is raised as it is."""
    try:
        return write(items), False
    except Exception as exc:
        if not may_be_an_item(exc) or not items:
            raise
        log.warning("a batch write failed (%s); writing it in halves", describe(exc))
        return _isolate(write, items, reject, exc), True


def _isolate(write: Write[T], items: list[T], reject: Reject[T], exc: Exception) -> list[int]:
    """`items` failed to write with `exc`: reject the item if it is alone, else write each
    half on its own, isolating again within a half that fails."""
    if len(items) == 1:
        reject(items[0], f"write failed: {describe(exc)}")
        return []
    middle = len(items) // 2
    new_ids: list[int] = []
    for half in (items[:middle], items[middle:]):
        try:
            new_ids += write(half)
        except Exception as error:
            if not may_be_an_item(error):
                raise
            new_ids += _isolate(write, half, reject, error)
    return new_ids


def may_be_an_item(exc: Exception) -> bool:
    """Whether a failed write can be one message's fault. A database that is gone, full,
    read-only or locked fails every message alike: halving would quarantine good mail."""
    return not isinstance(exc, OperationalError | InterfaceError | DisconnectionError)


def describe(exc: Exception) -> str:
    """The error's class and first line, never the statement or its parameters (mail)."""
    error = exc.orig if isinstance(exc, StatementError) and exc.orig is not None else exc
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0] if lines else ''}"[:MAX_REASON_CHARS]
