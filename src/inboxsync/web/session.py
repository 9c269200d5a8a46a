"""Who a page speaks for: the signed session cookie resolved to a user of one company, and the
CSRF token every form carries.

Contract (the routes rely on it):
- `CurrentUser` resolves the cookie to a `WebUser`, or answers a redirect to
  `/login?next=<path>` (a `SignInRequired`); it sets `request.state.user`.
- `AdminUser` is `CurrentUser` for an admin; an agent gets the 403 page.
- `csrf_token(request)` is the token of the request's session, also before sign-in (the
  sign-in and language forms); templates put it in every form as the field `csrf_token`.
- `CsrfChecked` refuses a POST whose form field `csrf_token` (or header `X-CSRF-Token`) is
  not the session's, with 403.

Both cookies are signed with the web secret (`Inbox.web_secret`) and expire after
`settings.web.session_hours`: the session cookie carries the user's id, their session version
(a password change or removal ends the session) and the CSRF token; before sign-in a cookie of
its own carries the CSRF token. Every cookie the page sets is set by `set_cookie` here.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.exceptions import HTTPException
from starlette.responses import Response

from inboxsync.server.auth import inbox_of
from inboxsync.web.i18n import choose_language, translator

SESSION_COOKIE = "inboxsync_session"
CSRF_COOKIE = "inboxsync_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


@dataclass(frozen=True, slots=True)
class WebUser:
    """A signed-in person: their account and the one company they see."""

    id: int
    company_id: int
    company: str
    email: str
    role: str  # "agent" or "admin"

    @property
    def is_admin(self) -> bool:
        """Whether the operator pages are theirs too."""
        return self.role == "admin"


class SignInRequired(Exception):
    """No live session: the page answers a redirect to the sign-in page."""


@dataclass(frozen=True, slots=True)
class _Session:
    """What a session cookie carries."""

    user_id: int
    version: int
    csrf: str


def _serializer(request: Request, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(inbox_of(request).web_secret(), salt=f"inboxsync.{purpose}")


def _max_age(request: Request) -> int:
    return int(inbox_of(request).settings.web.session_hours * 3600)


def _signed(request: Request, cookie: str) -> Any:
    """The value of the signed cookie, or None when it is missing, forged or expired."""
    value = request.cookies.get(cookie)
    if not value:
        return None
    try:
        return _serializer(request, cookie).loads(value, max_age=_max_age(request))
    except BadSignature:  # expired ones too
        return None


def _session(request: Request) -> _Session | None:
    data = _signed(request, SESSION_COOKIE)
    if not (isinstance(data, list) and len(data) == 3):
        return None
    user_id, version, csrf = data
    if not (isinstance(user_id, int) and isinstance(version, int) and isinstance(csrf, str)):
        return None
    return _Session(user_id, version, csrf)


def set_cookie(
    request: Request, response: Response, name: str, value: str, *, max_age: int | None = None
) -> None:
    """Set one of the page's cookies: HttpOnly, SameSite=Lax, whole site, Secure when the
    settings say so; for the session's length unless `max_age` says otherwise."""
    response.set_cookie(
        name,
        value,
        max_age=_max_age(request) if max_age is None else max_age,
        path="/",
        secure=inbox_of(request).settings.web.cookie_secure,
        httponly=True,
        samesite="lax",
    )


def _set_signed(request: Request, response: Response, name: str, value: object) -> None:
    set_cookie(request, response, name, _serializer(request, name).dumps(value))


def start_session(request: Request, response: Response, user_id: int, version: int) -> None:
    """Sign `response`'s reader in as the user (with a new CSRF token)."""
    _set_signed(request, response, SESSION_COOKIE, [user_id, version, secrets.token_urlsafe(32)])


def end_session(request: Request, response: Response) -> None:
    """Sign `response`'s reader out."""
    set_cookie(request, response, SESSION_COOKIE, "", max_age=0)


def issue_csrf_cookie(request: Request, response: Response) -> None:
    """Give the reader the CSRF token `csrf_token` made for this request, if it made one."""
    fresh = getattr(request.state, "fresh_csrf", None)
    if fresh is not None:
        _set_signed(request, response, CSRF_COOKIE, fresh)


def current_user(request: Request) -> WebUser:
    """The user of the request's session cookie."""
    known = getattr(request.state, "user", None)
    if isinstance(known, WebUser):
        return known
    session = _session(request)
    found = (
        None if session is None else inbox_of(request).web_user(session.user_id, session.version)
    )
    if found is None:
        raise SignInRequired
    user = WebUser(found.id, found.company_id, found.company, found.email, found.role)
    request.state.user = user
    return user


def _refused(request: Request, key: str) -> HTTPException:
    return HTTPException(403, translator(choose_language(request))(key))


def admin_user(user: Annotated[WebUser, Depends(current_user)], request: Request) -> WebUser:
    """The current user when an admin."""
    if not user.is_admin:
        raise _refused(request, "auth.admins_only")
    return user


def csrf_token(request: Request) -> str:
    """The CSRF token of the request's session."""
    session = _session(request)
    if session is not None:
        return session.csrf
    before = _signed(request, CSRF_COOKIE)
    if isinstance(before, str):
        return before
    fresh = getattr(request.state, "fresh_csrf", None)
    if fresh is None:
        fresh = request.state.fresh_csrf = secrets.token_urlsafe(32)
    return str(fresh)


async def require_csrf(request: Request) -> None:
    """Refuse a state-changing request without the session's CSRF token."""
    if request.method in _SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(_FORMS):
        field = (await request.form()).get(CSRF_FIELD)
        sent = field if isinstance(field, str) else None
    expected = csrf_token(request)
    # A token made for this very request was never given to anyone.
    made_now = getattr(request.state, "fresh_csrf", None) is not None
    if not sent or made_now or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise _refused(request, "auth.csrf_refused")


CurrentUser = Annotated[WebUser, Depends(current_user)]
AdminUser = Annotated[WebUser, Depends(admin_user)]
CsrfChecked = Depends(require_csrf)
