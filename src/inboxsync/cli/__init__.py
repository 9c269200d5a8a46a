"""The `inboxsync` command line: thin commands over the library, one module per area."""

from __future__ import annotations

import sys

import click
import typer

from inboxsync.cli._app import app
from inboxsync.cli import core as _core  # noqa: F401  (registers its commands)
from inboxsync.errors import InboxsyncError

__all__ = ["app", "main"]


def main() -> None:
    """Entry point: run the app, turning errors into one line on stderr and an exit code."""
    try:
        app(standalone_mode=False)
    except click.exceptions.Abort:
        print("aborted", file=sys.stderr)
        sys.exit(130)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.UsageError as exc:
        print(f"error: {exc.format_message()}", file=sys.stderr)
        sys.exit(2)
    except click.ClickException as exc:
        print(f"error: {exc.format_message()}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except InboxsyncError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
