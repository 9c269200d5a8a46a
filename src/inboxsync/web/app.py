"""The web page added to the API's app: its routes, its static files, its error pages."""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import Response

from inboxsync.web.pages import error_page
from inboxsync.web.routes import (
    auth,
    conversation,
    folders,
    inbox,
    mailboxes,
    outbox,
    quarantine,
    spend,
    webhooks,
)
from inboxsync.web.session import SignInRequired

STATIC_PATH = "/static"
# Paths of the API and of the machines' endpoints: their failures stay JSON.
_NOT_PAGES = ("/v1/", "/health", "/metrics", "/docs", "/openapi.json", "/redoc")


def is_page(request: Request) -> bool:
    """Whether the request is for the web page (its failures are answered as pages)."""
    return not request.url.path.startswith(_NOT_PAGES)


async def _sign_in_first(request: Request, _exc: Exception) -> Response:
    return auth.redirect_to_sign_in(request)


def install_web(app: FastAPI) -> None:
    """Serve the web page from `app` (whose `state.inbox` it reads)."""
    static = resources.files("inboxsync.web").joinpath("static")
    app.mount(STATIC_PATH, StaticFiles(directory=str(static)), name="static")
    for module in (auth, inbox, conversation, mailboxes, quarantine, folders, outbox, webhooks,
                   spend):  # fmt: skip
        app.include_router(module.router)
    app.add_exception_handler(SignInRequired, _sign_in_first)
    app.state.page_errors = (is_page, error_page)
