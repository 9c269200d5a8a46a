"""The `inboxsync` command line: thin commands over the library, one module per area."""

from __future__ import annotations

import sys

import typer

# Typer vendors its own click; its exceptions are not `click`'s.
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError

from inboxsync.cli import ai as _ai  # noqa: F401  (registers its commands)
from inboxsync.cli import core as _core  # noqa: F401  (registers its commands)
from inboxsync.cli import imap as _imap  # noqa: F401  (registers its commands)
from inboxsync.cli import jobs as _jobs  # noqa: F401  (registers its commands)
from inboxsync.cli import quarantine as _quarantine  # noqa: F401  (registers its commands)
from inboxsync.cli._app import app, print_error

__all__ = ["app", "main"]


def main() -> None:
    """Entry point: run the app, turning usage errors into one line on stderr and exit 2
    (a command's own failures are reported by the app, see `cli._app`)."""
    try:
        # Without standalone mode click returns a command's exit code instead of exiting.
        code = app(standalone_mode=False)
    except NoArgsIsHelpError as exc:
        print(exc.format_message())
        sys.exit(0)
    except (typer.Abort, KeyboardInterrupt):
        print("aborted", file=sys.stderr)
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except UsageError as exc:
        _fail(exc.format_message(), 2)
    except ClickException as exc:
        _fail(exc.format_message(), exc.exit_code)
    sys.exit(code if isinstance(code, int) else 0)


def _fail(message: str, exit_code: int) -> None:
    print_error(message)
    sys.exit(exit_code)
