"""The Typer app, the options every command shares (database URL, settings) and the one
place where a failed command becomes one line on stderr and an exit code."""

from __future__ import annotations

import logging
import sys
import traceback
from dataclasses import dataclass
from typing import Any

import typer
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError
from typer.core import TyperGroup

from inboxsync.config import Settings
from inboxsync.errors import ConfigError, InboxsyncError


class _Commands(TyperGroup):
    """The root command group: any exception a command raises is reported in one line."""

    # `Any`: the supertype's context class lives in typer's private, vendored click.
    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.TyperException, typer.Exit, typer.Abort, BrokenPipeError):
            raise  # usage errors, --help, exits, a closed pipe: `main` and typer handle them
        except Exception as exc:
            if ctx.params.get("verbose"):
                traceback.print_exception(exc, file=sys.stderr)
            print_error(describe(exc))
            raise typer.Exit(exc.exit_code if isinstance(exc, InboxsyncError) else 1) from exc


def describe(exc: Exception) -> str:
    """What went wrong, for one line: our own errors and the system's as they are, a
    database's refusal by the driver's first line (later lines may quote stored values),
    anything else as a bug."""
    if isinstance(exc, InboxsyncError | OSError):
        return str(exc)
    if isinstance(exc, DBAPIError):
        first_line = str(exc.orig).strip().partition("\n")[0]
        return f"database error: {first_line or type(exc.orig).__name__}"
    return f"unexpected {type(exc).__name__}: {exc} (a bug; --verbose shows the traceback)"


def print_error(message: str) -> None:
    """Print `message` as one `error:` line on stderr."""
    print("error: " + " ".join(message.split()), file=sys.stderr)


app = typer.Typer(
    name="inboxsync",
    cls=_Commands,
    help="Keep a company's shared inbox in sync.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@dataclass
class CliState:
    settings: Settings


@app.callback()
def _root(
    ctx: typer.Context,
    db: str | None = typer.Option(
        None, "--db", help="Database URL (else INBOXSYNC_DB, else sqlite:///inboxsync.db)."
    ),
    verbose: bool = typer.Option(
        False, "--verbose", "-v", help="Log progress to stderr; a failure shows its traceback."
    ),
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        settings = Settings()
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"bad setting: {problems}") from exc
    if db:
        settings = settings.model_copy(update={"db": db})
    ctx.obj = CliState(settings=settings)


def settings_of(ctx: typer.Context) -> Settings:
    """The settings for this invocation (with --db applied)."""
    state = ctx.find_root().obj
    assert isinstance(state, CliState)
    return state.settings
