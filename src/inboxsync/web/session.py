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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request


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


def current_user(request: Request) -> WebUser:
    """The user of the request's session cookie."""
    raise NotImplementedError


def admin_user(user: Annotated[WebUser, Depends(current_user)]) -> WebUser:
    """The current user when an admin."""
    raise NotImplementedError


def csrf_token(request: Request) -> str:
    """The CSRF token of the request's session."""
    raise NotImplementedError


async def require_csrf(request: Request) -> None:
    """Refuse a state-changing request without the session's CSRF token."""
    raise NotImplementedError


CurrentUser = Annotated[WebUser, Depends(current_user)]
AdminUser = Annotated[WebUser, Depends(admin_user)]
CsrfChecked = Depends(require_csrf)
