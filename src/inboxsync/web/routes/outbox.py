"""The operator page of the outbox: auto-replies and agents' replies with their status,
attempts, last error, recipient and conversation, newest first, a page at a time."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from starlette.requests import Request

from inboxsync.server.auth import inbox_of
from inboxsync.web.pages import render
from inboxsync.web.session import AdminUser

router = APIRouter(include_in_schema=False)

# Rows an operator must look at: they will not be sent as they are.
TROUBLE = frozenset({"failed", "retry"})


@router.get("/admin/outbox", response_class=HTMLResponse)
def outbox_page(
    request: Request, user: AdminUser, cursor: Annotated[str | None, Query(max_length=200)] = None
) -> HTMLResponse:
    """A page of the company's outbox."""
    page = inbox_of(request).outbox_page(user.company_id, cursor=cursor)
    context = {"rows": page.items, "next_cursor": page.next_cursor, "trouble": TROUBLE}
    return render(request, "admin/outbox.html", context)
