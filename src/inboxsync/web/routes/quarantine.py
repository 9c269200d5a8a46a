"""The operator page of the quarantine: entries with their reason, date and size, the raw
bytes as a download (never rendered), and retrying an entry with its outcome shown."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.requests import Request

from inboxsync.server.auth import inbox_of
from inboxsync.server.params import PathId
from inboxsync.web.pages import render
from inboxsync.web.session import AdminUser, CsrfChecked

router = APIRouter(include_in_schema=False)

# The raw bytes are mail a stranger wrote: a download only, never sniffed, never a page.
_RAW_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "no-store",
}


@router.get("/admin/quarantine", response_class=HTMLResponse)
def quarantine_page(
    request: Request,
    user: AdminUser,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    entry: int | None = None,
    notice: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    """The company's quarantined messages, oldest first, a page at a time; `entry` is the one
    a retry left there (its new reason is shown first)."""
    inbox = inbox_of(request)
    page = inbox.quarantine_page(user.company_id, cursor=cursor)
    retried = inbox.quarantine_entry(user.company_id, entry) if entry is not None else None
    return render(
        request,
        "admin/quarantine.html",
        {
            "entries": page.items,
            "next_cursor": page.next_cursor,
            "retried": retried,
            "notice": notice,
        },
    )


@router.get("/admin/quarantine/{entry_id}/raw")
def raw(request: Request, user: AdminUser, entry_id: PathId) -> Response:
    """The entry's raw bytes as an attachment (message/rfc822)."""
    data = inbox_of(request).quarantine_raw(user.company_id, entry_id)
    disposition = f'attachment; filename="quarantine-{entry_id}.eml"'
    return Response(
        data,
        media_type="message/rfc822",
        headers={**_RAW_HEADERS, "Content-Disposition": disposition},
    )


@router.post("/admin/quarantine/{entry_id}/retry", dependencies=[CsrfChecked])
def retry(request: Request, user: AdminUser, entry_id: PathId) -> RedirectResponse:
    """Run the entry through the pipeline again; back to the list with what happened."""
    report = inbox_of(request).retry_quarantine(user.company_id, [entry_id], wait=False)
    if report.stored:
        return RedirectResponse("/admin/quarantine?notice=retry_stored", status_code=303)
    notice = "retry_not_retryable" if report.not_retryable else "retry_failed"
    return RedirectResponse(
        f"/admin/quarantine?notice={notice}&entry={entry_id}#entry-{entry_id}", status_code=303
    )
