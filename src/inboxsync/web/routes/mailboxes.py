"""The operator page of the company's mailboxes: each with its health (last good sync, lag,
last error, auth state, quarantined mail) and the actions sync now, pause and resume."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.requests import Request

from inboxsync.db.mailbox_status import MailboxDetail
from inboxsync.db.models import utcnow
from inboxsync.errors import UsageError
from inboxsync.server.auth import inbox_of
from inboxsync.server.params import PathId
from inboxsync.web.pages import render
from inboxsync.web.session import AdminUser, CsrfChecked

router = APIRouter(include_in_schema=False)

# A mailbox whose last good sync is older than this has stopped, as far as an operator knows.
STALE_AFTER = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class MailboxHealth:
    """A mailbox as the page shows it: `state` ok, error or paused; `stopped` when it
    errs or has had no good sync for `STALE_AFTER`."""

    box: MailboxDetail
    state: str
    stopped: bool


def health(box: MailboxDetail, now: datetime) -> MailboxHealth:
    """What the page says of a mailbox's status at `now`."""
    status = box.status
    erring = status.last_error_at is not None and (
        status.last_sync_at is None or status.last_error_at >= status.last_sync_at
    )
    state = "paused" if status.paused else "error" if erring else "ok"
    last_good = status.last_sync_at or box.created_at
    stale = now - last_good > STALE_AFTER
    return MailboxHealth(box, state, not status.paused and (erring or stale))


@router.get("/admin/mailboxes", response_class=HTMLResponse)
def mailboxes_page(
    request: Request,
    user: AdminUser,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    notice: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    """The company's mailboxes with their health, a page at a time."""
    page = inbox_of(request).mailbox_page(user.company_id, cursor=cursor)
    now = utcnow()
    rows = [health(box, now) for box in page.items]
    return render(
        request,
        "admin/mailboxes.html",
        {
            "rows": rows,
            "next_cursor": page.next_cursor,
            "notice": notice,
            "stale_hours": STALE_AFTER // timedelta(hours=1),
        },
    )


@router.post("/admin/mailboxes/{mailbox_id}/sync", dependencies=[CsrfChecked])
def sync_now(request: Request, user: AdminUser, mailbox_id: PathId) -> RedirectResponse:
    """Queue a sync of the mailbox now."""
    try:
        inbox_of(request).queue_sync(user.company_id, mailbox_id)
    except UsageError:  # paused: the page says so rather than failing
        return _back("sync_paused")
    return _back("sync_queued")


@router.post("/admin/mailboxes/{mailbox_id}/pause", dependencies=[CsrfChecked])
def pause(request: Request, user: AdminUser, mailbox_id: PathId) -> RedirectResponse:
    """Pause the mailbox: every sync skips it."""
    inbox_of(request).pause_mailbox(user.company_id, mailbox_id)
    return _back("paused")


@router.post("/admin/mailboxes/{mailbox_id}/resume", dependencies=[CsrfChecked])
def resume(request: Request, user: AdminUser, mailbox_id: PathId) -> RedirectResponse:
    """Resume the mailbox."""
    inbox_of(request).resume_mailbox(user.company_id, mailbox_id)
    return _back("resumed")


def _back(notice: str) -> RedirectResponse:
    return RedirectResponse(f"/admin/mailboxes?notice={notice}", status_code=303)
