"""The HTTP API: FastAPI over `Inbox`, every `/v1` route acting inside its key's company."""

from inboxsync.server.app import create_app, serve

__all__ = ["create_app", "serve"]
