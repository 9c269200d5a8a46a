"""The company's other resources, each listed over the Inbox method the CLI uses: folders,
mailboxes, the quarantine, the outbox, AI costs; and, for the admin key, the companies."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import APIRouter, Query
from pydantic import BaseModel

from inboxsync.db.companies import CompanyInfo
from inboxsync.db.listing import FolderInfo
from inboxsync.db.quarantine import QuarantineEntry
from inboxsync.results import CostReport, MailboxSummary, OutboxReport
from inboxsync.server.auth import Admin, AppInbox, ReadCompany
from inboxsync.server.params import PlainText, UtcDatetime

router = APIRouter(prefix="/v1", tags=["resources"])


T = TypeVar("T")


class Listing(BaseModel, Generic[T]):
    """A list of results under `items`."""

    items: tuple[T, ...]


@router.get("/folders")
def list_folders(company: ReadCompany, inbox: AppInbox) -> Listing[FolderInfo]:
    """The company's folders by name, with their auto-replies."""
    return Listing(items=inbox.folders(company))


@router.get("/mailboxes")
def list_mailboxes(company: ReadCompany, inbox: AppInbox) -> Listing[MailboxSummary]:
    """The company's IMAP mailboxes and how far each folder is synced."""
    return Listing(items=tuple(inbox.mailboxes(company)))


@router.get("/quarantine")
def list_quarantine(company: ReadCompany, inbox: AppInbox) -> Listing[QuarantineEntry]:
    """The company's quarantined messages, oldest first."""
    return Listing(items=tuple(inbox.quarantine(company)))


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
def list_companies(_admin: Admin, inbox: AppInbox) -> Listing[CompanyInfo]:
    """Every company with its own addresses (admin key)."""
    return Listing(items=tuple(inbox.companies()))
