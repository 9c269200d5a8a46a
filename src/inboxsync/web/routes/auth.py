"""The web page's sign-in routes: sign in, sign out, the language."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.requests import Request
from starlette.responses import Response

from inboxsync.errors import AuthError, SignInThrottled, UsageError
from inboxsync.server.auth import inbox_of
from inboxsync.web.i18n import LANGUAGE_COOKIE, LANGUAGES, choose_language, translator
from inboxsync.web.pages import render
from inboxsync.web.session import (
    CsrfChecked,
    SignInRequired,
    current_user,
    end_session,
    set_cookie,
    start_session,
)

router = APIRouter(include_in_schema=False)

HOME = "/inbox"
_LANGUAGE_DAYS = 365
_MAX_FIELD = 2048


def redirect_to_sign_in(request: Request) -> RedirectResponse:
    """The answer to a page asked without a session: the sign-in page, then back here."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(here, safe='')}", status_code=303)


def local_path(target: str) -> str:
    """`target` when it is a path of this site (one leading "/", no scheme, no host, nothing a
    browser reads as another origin), else the inbox: `next` is never an open redirect."""
    parts = urlsplit(target)
    local = (
        len(target) <= _MAX_FIELD
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and target.isprintable()
        and not parts.scheme
        and not parts.netloc
    )
    return target if local else HOME


def _sign_in_page(
    request: Request, next_path: str, *, email: str = "", error: str = "", status: int = 200
) -> HTMLResponse:
    context = {"next": local_path(next_path), "email": email, "error": error}
    return render(request, "login.html", context, status=status)


@router.get("/")
def home() -> RedirectResponse:
    """The site's root: the inbox."""
    return RedirectResponse(HOME, status_code=303)


@router.get("/login", response_model=None)
def sign_in_form(request: Request, next: str = HOME) -> Response:
    """The sign-in form; who is signed in already goes on to `next`."""
    try:
        current_user(request)
    except SignInRequired:
        return _sign_in_page(request, next)
    return RedirectResponse(local_path(next), status_code=303)


@router.post("/login", dependencies=[CsrfChecked], response_model=None)
def sign_in(
    request: Request,
    email: Annotated[str, Form(max_length=_MAX_FIELD)] = "",
    password: Annotated[str, Form(max_length=_MAX_FIELD)] = "",
    next: Annotated[str, Form(max_length=_MAX_FIELD)] = HOME,
) -> Response:
    """Sign in: to `next` (a local path) or the inbox; the form again when refused."""
    t = translator(choose_language(request))
    try:
        user = inbox_of(request).sign_in(email, password)
    except SignInThrottled:
        return _sign_in_page(request, next, email=email, error=t("auth.throttled"), status=429)
    except AuthError:
        return _sign_in_page(request, next, email=email, error=t("auth.refused"), status=401)
    response = RedirectResponse(local_path(next), status_code=303)
    start_session(request, response, user.id, user.session_version)
    return response


@router.post("/logout", dependencies=[CsrfChecked])
def sign_out(request: Request) -> RedirectResponse:
    """Sign out: the session cookie is cleared."""
    response = RedirectResponse("/login", status_code=303)
    end_session(request, response)
    return response


@router.post("/language", dependencies=[CsrfChecked])
def choose(
    request: Request,
    language: Annotated[str, Form(max_length=10)],
    next: Annotated[str, Form(max_length=_MAX_FIELD)] = HOME,
) -> RedirectResponse:
    """Read the page in `language` (en or fr) from now on, back where the reader was."""
    if language not in LANGUAGES:
        raise UsageError(f"the page speaks {' or '.join(LANGUAGES)}, not {language[:10]!r}")
    response = RedirectResponse(local_path(next), status_code=303)
    set_cookie(request, response, LANGUAGE_COOKIE, language, max_age=_LANGUAGE_DAYS * 86400)
    return response
