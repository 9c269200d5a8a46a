"""Clients over HTTP: a paged list (a prefix of the address or name, first seen since) and
one client with its count of conversations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from inboxsync.db.clients import ClientFilter, ClientInfo
from inboxsync.db.listing import Page
from inboxsync.server.auth import AppInbox, ReadCompany
from inboxsync.server.params import PathId, PlainText, UtcDatetime
from inboxsync.server.routes.paging import Cursor, Limit

router = APIRouter(prefix="/v1/clients", tags=["clients"])


@router.get("")
def list_clients(
    company: ReadCompany,
    inbox: AppInbox,
    cursor: Cursor = None,
    limit: Limit = 50,
    q: Annotated[
        PlainText | None, Query(max_length=320, description="Prefix of the address or name.")
    ] = None,
    created_since: Annotated[
        UtcDatetime | None, Query(description="First seen at or after.")
    ] = None,
) -> Page[ClientInfo]:
    """The company's clients by id, each with its count of conversations. Clients change
    only by appearing, so a mirror asks again with `created_since`."""
    where = ClientFilter(q, created_since)
    return inbox.client_page(company, where, cursor=cursor, limit=limit)


@router.get("/{client_id}")
def get_client(company: ReadCompany, inbox: AppInbox, client_id: PathId) -> ClientInfo:
    """One client with its count of conversations."""
    return inbox.client(company, client_id)
