"""The company's other resources, each over the Inbox method the CLI uses: the outbox, AI
costs; and, for the admin key, the companies. Folders, mailboxes, the quarantine, clients
and sync runs have their own modules."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from inboxsync.db.companies import CompanyInfo
from inboxsync.db.listing import Page
from inboxsync.results import CostReport, OutboxReport
from inboxsync.server.auth import Admin, AppInbox, ReadCompany
from inboxsync.server.params import PlainText, UtcDatetime
from inboxsync.server.routes.paging import Cursor, Limit

router = APIRouter(prefix="/v1", tags=["resources"])


@router.get("/outbox")
def list_outbox(
    company: ReadCompany,
    inbox: AppInbox,
    status: Annotated[PlainText | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> OutboxReport:
    """The company's auto-replies, newest first, with how many are in each status."""
    return inbox.outbox(company, status=status, limit=limit)


@router.get("/costs")
def ai_costs(
    company: ReadCompany,
    inbox: AppInbox,
    since: Annotated[UtcDatetime | None, Query(description="From this date.")] = None,
) -> CostReport:
    """The company's AI spend per purpose and model."""
    return inbox.costs(company, since=since)


@router.get("/companies")
def list_companies(
    _admin: Admin, inbox: AppInbox, cursor: Cursor = None, limit: Limit = 50
) -> Page[CompanyInfo]:
    """Every company by name with its own addresses (admin key)."""
    return inbox.company_page(cursor=cursor, limit=limit)
