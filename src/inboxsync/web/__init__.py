"""The web page for agents and operators: server-rendered pages over `Inbox`, served by the
same FastAPI app as the HTTP API (`inboxsync serve`)."""

from inboxsync.web.app import install_web

__all__ = ["install_web"]
