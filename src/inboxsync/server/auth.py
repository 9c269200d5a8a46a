"""Who a request speaks for: `Authorization: Bearer KEY` resolved to a company (or to the
admin), with the scope the route needs. No key or a dead one is 401; too small a scope 403."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from inboxsync.api import Inbox
from inboxsync.errors import AuthError
from inboxsync.operations.apikeys import ApiPrincipal
from inboxsync.server.errors import ApiError

# Keys are a few dozen characters; a longer header is refused before any lookup.
_MAX_KEY_CHARS = 200
_bearer = HTTPBearer(auto_error=False, description="An API key: `inboxsync apikey create`.")


def inbox_of(request: Request) -> Inbox:
    """The app's Inbox."""
    inbox = request.app.state.inbox
    assert isinstance(inbox, Inbox)
    return inbox


def principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiPrincipal:
    """The principal of the request's key; 401 without a live one."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiError(401, "unauthorized", "send an API key: Authorization: Bearer KEY")
    key = credentials.credentials
    try:
        if len(key) > _MAX_KEY_CHARS:
            raise AuthError("invalid API key")
        return inbox_of(request).authenticate(key)
    except AuthError as exc:
        raise ApiError(401, "unauthorized", "invalid or revoked API key") from exc


Principal = Annotated[ApiPrincipal, Depends(principal)]


def reading_company(who: Principal) -> int:
    """The company a company key reads in; 403 for an admin key."""
    if who.company_id is None:
        raise ApiError(403, "forbidden", "an admin key acts on /v1/companies; use a company key")
    return who.company_id


def writing_company(who: Principal) -> int:
    """The company a write key acts in; 403 for a read key or an admin key."""
    company_id = reading_company(who)
    if who.scope != "write":
        raise ApiError(403, "forbidden", "this route needs a key of scope write")
    return company_id


def admin(who: Principal) -> ApiPrincipal:
    """The admin key's principal; 403 for a company key."""
    if who.company_id is not None:
        raise ApiError(403, "forbidden", "this route needs an admin key")
    return who


ReadCompany = Annotated[int, Depends(reading_company)]
WriteCompany = Annotated[int, Depends(writing_company)]
Admin = Annotated[ApiPrincipal, Depends(admin)]
AppInbox = Annotated[Inbox, Depends(inbox_of)]
