"""Pipeline runs over HTTP (imports, IMAP syncs, retries): a paged list, newest first, and
one run with its report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import StrictStr

from inboxsync.db.listing import Page
from inboxsync.db.runs import SyncRunDetail, SyncRunItem
from inboxsync.server.auth import AppInbox, ReadCompany
from inboxsync.server.params import MAX_ID, PathId
from inboxsync.server.routes.paging import Cursor, Limit

router = APIRouter(prefix="/v1/sync-runs", tags=["sync runs"])


@router.get("")
def list_sync_runs(
    company: ReadCompany,
    inbox: AppInbox,
    cursor: Cursor = None,
    limit: Limit = 50,
    mailbox: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="Only this mailbox's syncs.")
    ] = None,
    status: Annotated[
        StrictStr | None,
        Query(max_length=20, description="running, finished, failed or interrupted."),
    ] = None,
) -> Page[SyncRunItem]:
    """The company's runs, newest first."""
    return inbox.sync_run_page(
        company, mailbox_id=mailbox, status=status, cursor=cursor, limit=limit
    )


@router.get("/{run_id}")
def get_sync_run(company: ReadCompany, inbox: AppInbox, run_id: PathId) -> SyncRunDetail:
    """One run with its report."""
    return inbox.sync_run(company, run_id)
