"""The event feed: a long poll after a cursor, and the same feed as a Server-Sent Events
stream that resumes from `Last-Event-ID`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Header, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic_core import to_jsonable_python

from inboxsync.api import Inbox
from inboxsync.db.events import EVENT_TYPES
from inboxsync.errors import UsageError
from inboxsync.operations.events import MAX_EVENTS, EventPage
from inboxsync.server.auth import AppInbox, ReadCompany
from inboxsync.server.params import MAX_SEQ

router = APIRouter(prefix="/v1/events", tags=["events"])

MAX_WAIT_SECONDS = 30.0
# How often a waiting poll or an idle stream looks for new events.
POLL_SECONDS = 0.2

After = Annotated[int, Query(ge=0, le=MAX_SEQ, description="The last seq already seen.")]


def event_types(
    types: Annotated[
        str | None,
        Query(max_length=1000, description="Comma-separated event types (default: all)."),
    ] = None,
) -> list[str] | None:
    """The event types of the comma-separated `types` parameter (None: all); an unknown one
    is refused before any answer starts, a stream's included."""
    names = [name.strip() for name in (types or "").split(",") if name.strip()]
    unknown = sorted(set(names) - set(EVENT_TYPES))
    if unknown:
        raise UsageError(f"unknown event types: {', '.join(unknown)[:200]}")
    return names or None


Types = Annotated[list[str] | None, Depends(event_types)]


async def poll(
    inbox: Inbox, company: int, after: int, types: list[str] | None, limit: int, wait: float
) -> EventPage:
    """`Inbox.events` as a long poll that holds no thread while it waits: each look is a
    short read in the thread pool, the waits between them are the event loop's."""
    deadline = anyio.current_time() + wait
    while True:
        page = await run_in_threadpool(inbox.events, company, after=after, types=types, limit=limit)
        if page.events or anyio.current_time() >= deadline:
            return page
        await anyio.sleep(POLL_SECONDS)


@router.get("")
async def list_events(
    company: ReadCompany,
    inbox: AppInbox,
    types: Types,
    after: After = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_EVENTS)] = 100,
    wait: Annotated[float, Query(ge=0, le=MAX_WAIT_SECONDS, description="Seconds.")] = 0.0,
) -> EventPage:
    """The company's events after seq `after`, oldest first; with `wait`, answers as soon as
    one is recorded (or empty after `wait` seconds). Ask again with `after=next_after`."""
    return await poll(inbox, company, after, types, limit, wait)


@router.get("/stream", response_class=EventSourceResponse)
async def stream_events(
    company: ReadCompany,
    inbox: AppInbox,
    types: Types,
    after: After = 0,
    last_event_id: Annotated[
        int | None, Header(ge=0, le=MAX_SEQ, description="Resume after this seq (reconnects).")
    ] = None,
) -> AsyncIterator[ServerSentEvent]:
    """The company's events as they are recorded, each with `id:` its seq: a client that
    reconnects with `Last-Event-ID` misses none and sees none twice."""
    cursor = after if last_event_id is None else last_event_id
    while True:
        page = await poll(inbox, company, cursor, types, MAX_EVENTS, MAX_WAIT_SECONDS)
        for event in page.events:
            yield ServerSentEvent(
                data=to_jsonable_python(event), event=event.type, id=str(event.seq)
            )
        cursor = page.next_after
