"""The HTTP API as a FastAPI app over one Inbox, and `serve`, which runs it on uvicorn."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import Depends, FastAPI
from prometheus_client import CollectorRegistry

from inboxsync import __version__
from inboxsync.api import Inbox
from inboxsync.config import Settings
from inboxsync.server import health, metrics
from inboxsync.server.errors import install_error_handlers
from inboxsync.server.inbound_batcher import InboundBatcher
from inboxsync.server.limits import BodyLimit
from inboxsync.server.params import refuse_unknown_query
from inboxsync.server.routes import (
    clients,
    conversations,
    events,
    folders,
    inbound,
    mailboxes,
    messages,
    quarantine,
    replies,
    resources,
    runs,
    threads,
)
from inboxsync.web import install_web

# Seconds an open event stream may delay a shutdown.
GRACEFUL_SHUTDOWN_SECONDS = 5


def create_app(settings: Settings, *, max_body_bytes: int | None = None) -> FastAPI:
    """The API and the web page over a new Inbox on `settings.db` (which must be migrated);
    the Inbox is closed when the app shuts down. `max_body_bytes` overrides
    `api.max_json_body_bytes`."""
    inbox = Inbox(settings)
    batcher = InboundBatcher(
        inbox.receive,
        window_seconds=settings.api.inbound_flush_ms / 1000,
        batch_size=settings.batch_size,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await batcher.close()  # the posts already taken are stored and answered
            inbox.close()

    app = FastAPI(
        title="inboxsync",
        version=__version__,
        summary="A company's shared inbox: conversations, messages, events.",
        lifespan=lifespan,
        dependencies=[Depends(refuse_unknown_query)],
    )
    registry = CollectorRegistry()
    registry.register(metrics.StoreCollector(inbox))
    app.state.inbox = inbox
    app.state.inbound = batcher
    app.state.metrics = registry
    install_error_handlers(app)
    app.add_middleware(
        BodyLimit,
        max_bytes=max_body_bytes or settings.api.max_json_body_bytes,
        paths={inbound.PATH: settings.raw_message_limit()},
    )
    app.add_middleware(metrics.RequestMetrics, registry=registry)
    routes = (conversations, replies, messages, inbound, events, mailboxes, resources, threads)
    resources_of_their_own = (folders, clients, quarantine, runs)
    for module in (*routes, *resources_of_their_own, health, metrics):
        app.include_router(module.router)
    install_web(app)
    return app


def app_from_environment() -> FastAPI:
    """The app on the settings of the environment: what each uvicorn worker process builds."""
    return create_app(Settings())


def serve(settings: Settings, *, host: str, port: int, workers: int = 1) -> None:
    """Run the API on uvicorn until interrupted, in `workers` processes."""
    options = {
        "host": host,
        "port": port,
        "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_SECONDS,
        "server_header": False,
    }
    if workers == 1:
        uvicorn.run(create_app(settings), **options)  # type: ignore[arg-type]
        return
    create_app(settings).state.inbox.close()  # a bad database fails here, not in each worker
    # Worker processes read their settings from the environment: hand them the database.
    os.environ["INBOXSYNC_DB"] = settings.db
    uvicorn.run(
        f"{__name__}:app_from_environment",
        factory=True,
        workers=workers,
        **options,  # type: ignore[arg-type]
    )
