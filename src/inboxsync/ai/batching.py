"""Splitting items into micro-batches bounded by an item count and an input-token budget."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from inboxsync.ai.text import estimate_tokens

T = TypeVar("T")


def micro_batches(
    items: Sequence[T],
    *,
    max_items: int,
    max_tokens: int,
    prefix_tokens: int,
    item_tokens: Callable[[T], int],
) -> list[list[T]]:
    """Consecutive batches of at most `max_items` items whose estimated input (prefix plus
    items) stays within `max_tokens`; an item too large on its own still gets a batch."""
    batches: list[list[T]] = []
    current: list[T] = []
    used = prefix_tokens
    for item in items:
        cost = item_tokens(item)
        if current and (len(current) >= max_items or used + cost > max_tokens):
            batches.append(current)
            current, used = [], prefix_tokens
        current.append(item)
        used += cost
    if current:
        batches.append(current)
    return batches


def text_tokens(*parts: str) -> int:
    """Estimated tokens of an item made of these strings (plus the JSON around them)."""
    return sum(estimate_tokens(p) for p in parts) + 12
