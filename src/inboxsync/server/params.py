"""What a request may carry, checked before any route runs: ids in range, plain text, UTC
dates, and no query parameter the route does not know."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Path, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import AfterValidator

from inboxsync.server.errors import ApiError

# Ids are 32-bit integer columns; seqs are 64-bit.
MAX_ID = 2**31 - 1
MAX_SEQ = 2**63 - 1


def _plain_text(value: str) -> str:
    if not value.isprintable():
        raise ValueError("must be printable text")
    return value


def _utc_naive(value: datetime) -> datetime:
    # The database holds naive UTC; an offset given is converted, none means UTC.
    try:
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    except OverflowError as exc:  # year 1 or 9999 shifted past the calendar
        raise ValueError("out of the calendar once in UTC") from exc


PathId = Annotated[int, Path(ge=1, le=MAX_ID, description="An id of the key's company.")]
PlainText = Annotated[str, AfterValidator(_plain_text)]
UtcDatetime = Annotated[datetime, AfterValidator(_utc_naive)]


def _query_names(dependant: Dependant) -> Iterator[str]:
    yield from (param.alias for param in dependant.query_params)
    for sub in dependant.dependencies:
        yield from _query_names(sub)


def refuse_unknown_query(request: Request) -> None:
    """A query parameter the route does not take is an error, not something ignored."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    unknown = sorted(set(request.query_params) - set(_query_names(route.dependant)))
    if unknown:
        names = ", ".join(repr(name[:40]) for name in unknown[:5])
        raise ApiError(422, "unknown_parameter", f"unknown query parameter: {names}")
