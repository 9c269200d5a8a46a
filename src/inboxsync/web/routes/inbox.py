"""The web page's inbox: the signed-in user's company's conversations, filtered and paged, the
rows alone for the live view to swap in, and the company's events as a stream."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.sse import EventSourceResponse, ServerSentEvent

from inboxsync.db.listing import ConversationFilter
from inboxsync.server.auth import AppInbox
from inboxsync.server.params import MAX_SEQ
from inboxsync.server.routes.events import stream_events
from inboxsync.web.pages import render
from inboxsync.web.session import CurrentUser

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
STATUSES = ("pending", "classifying", "classified", "unclassified")
# What changes the list: the live view re-fetches the rows on these.
LIVE_TYPES = (
    "message.created",
    "conversation.created",
    "conversation.merged",
    "conversation.classified",
    "conversation.folder_set",
)

Status = Literal["pending", "classifying", "classified", "unclassified", "failed", "skipped"]
View = Literal["conversations", "notifications"]


@dataclass(frozen=True, slots=True)
class InboxQuery:
    """The inbox's filters as the page's links and forms carry them (empty means any)."""

    view: View = "conversations"
    folder: str = ""
    status: str = ""
    q: str = ""
    client: str = ""

    @property
    def where(self) -> ConversationFilter:
        """The library's filter: notifications only in their own view."""
        return ConversationFilter(
            folder=self.folder or None,
            status=self.status or None,
            client=self.client or None,
            notification=self.view == "notifications",
            q=self.q or None,
        )

    def link(self, path: str = "/inbox", **changes: str) -> str:
        """`path` with these filters (and `changes`) as its query, empty ones left out."""
        values = {
            "view": self.view, "folder": self.folder, "status": self.status, "q": self.q,
            "client": self.client, **changes,
        }  # fmt: skip
        kept = {k: v for k, v in values.items() if v and not (k == "view" and v == "conversations")}
        return f"{path}?{urlencode(kept)}" if kept else path


def inbox_query(
    view: View = "conversations",
    folder: Annotated[str, Query(max_length=200)] = "",
    status: Annotated[Status | Literal[""], Query()] = "",
    q: Annotated[str, Query(max_length=500)] = "",
    client: Annotated[str, Query(max_length=320)] = "",
) -> InboxQuery:
    """The filters of the request's query (422 for a value the inbox does not know)."""
    return InboxQuery(view, folder.strip(), status, q.strip(), client.strip())


Filters = Annotated[InboxQuery, Depends(inbox_query)]
Cursor = Annotated[str | None, Query(max_length=200)]


def _rows_context(
    inbox: AppInbox, user: CurrentUser, filters: InboxQuery, cursor: str | None
) -> dict[str, object]:
    page = inbox.inbox_page(user.company_id, user.id, filters.where, cursor=cursor, limit=PAGE_SIZE)
    more = None if page.next_cursor is None else filters.link(cursor=page.next_cursor)
    return {"page": page, "filters": filters, "next_link": more}


@router.get("/inbox", response_class=HTMLResponse)
def inbox_page(
    request: Request, user: CurrentUser, inbox: AppInbox, filters: Filters, cursor: Cursor = None
) -> HTMLResponse:
    """The inbox page: the folder sidebar, the filters, a page of conversations (live on
    the first page)."""
    context = _rows_context(inbox, user, filters, cursor)
    context |= {
        "folders": inbox.inbox_folders(user.company_id),
        "statuses": STATUSES,
        "live_types": " ".join(LIVE_TYPES),
        "first_page": cursor is None,
    }
    return render(request, "inbox.html", context)


@router.get("/inbox/rows", response_class=HTMLResponse)
def inbox_rows(
    request: Request, user: CurrentUser, inbox: AppInbox, filters: Filters, cursor: Cursor = None
) -> HTMLResponse:
    """The rows of the inbox page alone (an HTML fragment), as the live view swaps them in."""
    return render(request, "inbox/rows.html", _rows_context(inbox, user, filters, cursor))


@router.get("/inbox/events", response_class=EventSourceResponse)
async def inbox_events(
    user: CurrentUser,
    inbox: AppInbox,
    after: Annotated[int, Query(ge=0, le=MAX_SEQ)] = 0,
    last_event_id: Annotated[int | None, Header(ge=0, le=MAX_SEQ)] = None,
) -> AsyncIterator[ServerSentEvent]:
    """The user's company's events after seq `after` as Server-Sent Events (the API's
    stream: a reconnect resumes from `Last-Event-ID`)."""
    async for event in stream_events(user.company_id, inbox, None, after, last_event_id):
        yield event
