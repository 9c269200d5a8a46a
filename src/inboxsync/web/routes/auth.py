"""The web page's sign-in routes: sign in, sign out, the language."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import RedirectResponse
from starlette.requests import Request

router = APIRouter(include_in_schema=False)


def redirect_to_sign_in(request: Request) -> RedirectResponse:
    """The answer to a page asked without a session: the sign-in page, then back here."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(here, safe='')}", status_code=303)
