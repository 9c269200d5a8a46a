"""The quarantine over HTTP: a paged list, one entry, its kept bytes (a download, never
rendered), and retrying entries through the pipeline."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from inboxsync.db.listing import Page
from inboxsync.db.quarantine import QuarantineEntry
from inboxsync.results import RetryReport
from inboxsync.server.auth import AppInbox, ReadCompany, WriteCompany
from inboxsync.server.params import MAX_ID, PathId
from inboxsync.server.routes.paging import Cursor, Limit

router = APIRouter(prefix="/v1/quarantine", tags=["quarantine"])

EntryId = Annotated[int, Field(ge=1, le=MAX_ID)]


class RetryChoice(BaseModel):
    """Which entries to retry: these ids, or every retryable one when `ids` is left out."""

    model_config = ConfigDict(extra="forbid")

    ids: Annotated[list[EntryId], Field(min_length=1, max_length=1000)] | None = None


@router.get("")
def list_quarantine(
    company: ReadCompany, inbox: AppInbox, cursor: Cursor = None, limit: Limit = 50
) -> Page[QuarantineEntry]:
    """The company's quarantined messages, oldest first."""
    return inbox.quarantine_page(company, cursor=cursor, limit=limit)


@router.post("/retry")
def retry_entries(
    company: WriteCompany, inbox: AppInbox, choice: RetryChoice | None = None
) -> RetryReport:
    """Run entries through the pipeline again: those now stored leave the quarantine."""
    ids = None if choice is None else choice.ids
    return inbox.retry_quarantine(company, ids, wait=False)


@router.get("/{entry_id}")
def get_entry(company: ReadCompany, inbox: AppInbox, entry_id: PathId) -> QuarantineEntry:
    """One quarantined message: where it came from, why, how many bytes are kept."""
    return inbox.quarantine_entry(company, entry_id)


@router.get("/{entry_id}/raw", response_class=Response)
def get_raw(company: ReadCompany, inbox: AppInbox, entry_id: PathId) -> Response:
    """The kept bytes as `message/rfc822`, as a download (a browser never renders them)."""
    raw = inbox.quarantine_raw(company, entry_id)
    return Response(
        raw,
        media_type="message/rfc822",
        headers={
            "Content-Disposition": f'attachment; filename="quarantine-{entry_id}.eml"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("/{entry_id}/retry")
def retry_entry(company: WriteCompany, inbox: AppInbox, entry_id: PathId) -> RetryReport:
    """Run one entry through the pipeline again."""
    return inbox.retry_quarantine(company, [entry_id], wait=False)
