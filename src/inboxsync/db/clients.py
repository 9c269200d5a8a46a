"""A company's clients as the API lists them: a keyset page (by id) filtered by a prefix of
their address or name and by when they were first seen, and one client with its count of
conversations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from inboxsync.db.listing import AnySelect, Page, keyset_page
from inboxsync.db.models import Client, Conversation
from inboxsync.errors import NotFound

# LIKE's wildcards and its escape, taken literally in a prefix.
_LIKE_SPECIALS = str.maketrans({"\\": "\\\\", "%": "\\%", "_": "\\_"})


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """A client (an outside address that wrote to the company): its name as last seen, when
    it first wrote, and how many conversations it has."""

    id: int
    email: str
    name: str
    created_at: datetime
    conversations: int


@dataclass(frozen=True, slots=True)
class ClientFilter:
    """Which clients a page holds: `q` a prefix of the address or the name (any case),
    `created_since` first seen at or after; None leaves a criterion out."""

    q: str | None = None
    created_since: datetime | None = None


def client_page(
    session: Session,
    company_id: int,
    where: ClientFilter,
    *,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[ClientInfo]:
    """A page of the company's clients matching `where`, by id."""
    query = _clients(company_id).where(*_criteria(where))
    return keyset_page(session, query, [Client.id], _info, cursor=cursor, limit=limit)


def client_info(session: Session, company_id: int, client_id: int) -> ClientInfo:
    """One of the company's clients; NotFound for another company's, as for an unknown id."""
    row = session.execute(_clients(company_id).where(Client.id == client_id)).first()
    if row is None:
        raise NotFound(f"no client {client_id} in this company")
    return _info(row)


def _clients(company_id: int) -> AnySelect:
    conversations = (
        select(func.count())
        .where(Conversation.client_id == Client.id)
        .correlate(Client)
        .scalar_subquery()
    )
    return select(Client.id, Client.email, Client.name, Client.created_at, conversations).where(
        Client.company_id == company_id
    )


def _criteria(where: ClientFilter) -> list[ColumnElement[bool]]:
    criteria: list[ColumnElement[bool]] = []
    if where.q:
        prefix = where.q.strip().lower().translate(_LIKE_SPECIALS) + "%"
        criteria.append(
            or_(
                Client.email.like(prefix, escape="\\"),
                func.lower(Client.name).like(prefix, escape="\\"),
            )
        )
    if where.created_since is not None:
        criteria.append(Client.created_at >= where.created_since)
    return criteria


def _info(row: Sequence[Any]) -> ClientInfo:
    client_id, email, name, created_at, conversations = row
    return ClientInfo(client_id, email, name, created_at, int(conversations))
