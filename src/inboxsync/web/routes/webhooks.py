"""The operator pages of webhooks: the company's endpoints, and one endpoint's recent
deliveries with their status codes (failures stand out)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from starlette.requests import Request

from inboxsync.server.auth import inbox_of
from inboxsync.server.params import PathId
from inboxsync.web.pages import render
from inboxsync.web.session import AdminUser

router = APIRouter(include_in_schema=False)

RECENT_DELIVERIES = 50


@router.get("/admin/webhooks", response_class=HTMLResponse)
def webhooks_page(request: Request, user: AdminUser) -> HTMLResponse:
    """The company's endpoints, oldest first, with their state."""
    endpoints = inbox_of(request).webhooks(user.company_id)
    return render(request, "admin/webhooks.html", {"endpoints": endpoints})


@router.get("/admin/webhooks/{endpoint_id}", response_class=HTMLResponse)
def webhook_page(request: Request, user: AdminUser, endpoint_id: PathId) -> HTMLResponse:
    """One endpoint and its last deliveries, newest first."""
    inbox = inbox_of(request)
    deliveries = inbox.webhook_deliveries(user.company_id, endpoint_id, limit=RECENT_DELIVERIES)
    [endpoint] = [e for e in inbox.webhooks(user.company_id) if e.id == endpoint_id]
    return render(request, "admin/webhook.html", {"endpoint": endpoint, "deliveries": deliveries})
