"""Rendering a page: the Jinja2 templates shipped in the package, the reader's language, and
the security headers every page carries."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.requests import Request

from inboxsync.web.i18n import choose_language, translator

# The page's own script and style only: no inline code, no other origin, never framed.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": PAGE_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@cache
def environment() -> Environment:
    """The templates, autoescaped, failing on an undefined name."""
    return Environment(
        loader=PackageLoader("inboxsync.web", "templates"),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """`template` filled with `context` and what every page knows: `t` (the words in the
    reader's language), `lang`, `user` (None before sign-in), `csrf_token` and `request`."""
    from inboxsync.web.session import csrf_token, issue_csrf_cookie  # it renders pages too

    language = choose_language(request)
    user = getattr(request.state, "user", None)
    values = {
        "request": request,
        "t": translator(language),
        "lang": language,
        "user": user,
        "csrf_token": csrf_token(request),
        **(context or {}),
    }
    html = environment().get_template(template).render(values)
    response = HTMLResponse(html, status_code=status, headers={**PAGE_HEADERS, **(headers or {})})
    issue_csrf_cookie(request, response)
    return response


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    """The page of a failure: its status and one line for people."""
    return render(request, "error.html", {"status": status, "message": message}, status=status)
