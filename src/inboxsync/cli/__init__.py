"""The `inboxsync` command line: thin commands over `Inbox`, one module per command group,
each holding its commands in `commands`, mounted here on the app of `cli._app`."""

from __future__ import annotations

from inboxsync.cli import (
    ai,
    company,
    folder,
    jobs,
    mail,
    mailbox,
    quarantine,
    receive,
    reply,
    server,
    threads,
    user,
    webhook,
)
from inboxsync.cli._app import app

for module in (
    company,
    folder,
    mail,
    receive,
    reply,
    quarantine,
    mailbox,
    ai,
    jobs,
    server,
    webhook,
    user,
    threads,
):
    app.add_typer(module.commands)

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the console script: run the app and exit with its code."""
    app()
