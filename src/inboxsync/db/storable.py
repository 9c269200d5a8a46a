"""The value boundary: every value bound for the database made storable on both databases.

PostgreSQL refuses NUL in text and enforces `String(n)` lengths; neither database can encode
a lone surrogate (what compat32 makes of raw 8-bit header bytes). Values are cleaned the same
way whatever the database, so SQLite and PostgreSQL end with identical rows for the same mail:

- text: NUL removed, lone surrogates replaced by U+FFFD (`clean_text`, `clean_values`);
- free text longer than its column: cut, ending with `TRUNCATED_MARK` (`fit_rows`);
- a key (a column in `KEY_COLUMNS`) longer than its column cannot be cut without changing
  what it identifies: `fit_rows` raises `UnstorableValue`, and the pipeline quarantines the
  message before it gets that far (`key_fits`).

Lengths are read from the schema, never written twice.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable
from typing import Any, TypeVar, cast

from sqlalchemy import Column, String, Table
from sqlalchemy.orm import InstrumentedAttribute

from inboxsync.errors import UnstorableValue

TRUNCATED_MARK = "…"
# Columns whose value identifies something: never cut.
KEY_COLUMNS = frozenset(
    {"message_key", "message_id", "root_message_key", "email", "sha256", "raw_sha256", "dedupe_key"}
)
_SURROGATE = re.compile("[\ud800-\udfff]")

T = TypeVar("T")


def clean_text(value: str) -> str:
    """`value` without NUL and with each lone surrogate replaced by U+FFFD."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    if value.isascii():
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", value)
    return value


def clean_values(value: T) -> T:
    """`value` with `clean_text` applied to every string inside it: in frozen dataclasses,
    tuples, lists and dicts, recursively. Returns `value` itself when nothing changed."""
    return cast(T, _clean(value))


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, tuple | list):
        items = [_clean(item) for item in value]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        return type(value)(items)
    if isinstance(value, dict):
        cleaned = {_clean(k): _clean(v) for k, v in value.items()}
        same = all(k in value and value[k] is v for k, v in cleaned.items())
        return value if same and len(cleaned) == len(value) else cleaned
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for field in dataclasses.fields(value):
            old = getattr(value, field.name)
            new = _clean(old)
            if new is not old:
                changes[field.name] = new
        return dataclasses.replace(value, **changes) if changes else value
    return value


def column_length(column: InstrumentedAttribute[Any] | Column[Any]) -> int | None:
    """The length a `String(n)` column holds, or None when it is unbounded."""
    column_type = getattr(column, "type", None)
    return column_type.length if isinstance(column_type, String) else None


def key_fits(column: InstrumentedAttribute[Any], value: str) -> bool:
    """Whether `value` can be stored whole in the key `column`."""
    limit = column_length(column)
    return limit is None or len(value) <= limit


def fit_rows(table: Table, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """`rows` made ready for `table`, in place: text cleaned, free text cut to its column
    with a marker.

    Raises UnstorableValue for a key longer than its column.
    """
    limits = _limits(table)
    fitted = list(rows)
    for row in fitted:
        for name, value in row.items():
            if type(value) is str:
                cleaned = _fit(table.name, name, clean_text(value), limits.get(name))
                if cleaned is not value:
                    row[name] = cleaned
    return fitted


@functools.cache
def _limits(table: Table) -> dict[str, int]:
    """The length of each `String(n)` column of `table`."""
    return {c.name: n for c in table.columns if (n := column_length(c)) is not None}


def _fit(table: str, name: str, value: str, limit: int | None) -> str:
    if limit is None or len(value) <= limit:
        return value
    if name in KEY_COLUMNS:
        raise UnstorableValue(
            f"{table}.{name} of {len(value)} characters: the database holds {limit}"
        )
    return value[: limit - len(TRUNCATED_MARK)] + TRUNCATED_MARK
