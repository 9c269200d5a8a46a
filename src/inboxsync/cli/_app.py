"""The Typer app, the options commands share (`--db`, `--company`, `--json`), how a module
makes a command group, and the one place where a failure becomes one line on stderr and an
exit code."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from inboxsync.errors import ConfigError, InboxsyncError

# Declaring the commands needs none of these: `Inbox` (with the database layer) and the settings
# load when a command runs, so that `--help` and a mistyped command line start fast.
if TYPE_CHECKING:
    from inboxsync.api import Inbox
    from inboxsync.config import Settings

# The options several commands take, declared once.
Company = Annotated[str, typer.Option("--company", help="Company name or id.")]
AnyCompany = Annotated[
    str | None, typer.Option("--company", help="Only this company (default: every company).")
]
AsJson = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
RunAsync = Annotated[
    bool, typer.Option("--async", help="Return once mail is stored; workers classify and reply.")
]


# `Any` for click's context and parameters: their classes live in typer's private, vendored
# click, which the CLI does not import.
class Group(TyperGroup):
    """A command group that prints its help when called without arguments (exit 0)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args and self.no_args_is_help and not ctx.resilient_parsing:
            print(ctx.get_help())
            raise typer.Exit(0)
        return super().parse_args(ctx, args)


class Commands(Group):
    """The root group: any failure, of a command or of the command line, is one line on
    stderr with an exit code (2 for usage errors); `--verbose` adds a command's traceback."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (typer.TyperException, typer.Exit, typer.Abort, BrokenPipeError):
            raise  # usage errors, exits, a closed pipe: `main` below handles them
        except Exception as exc:
            if ctx.params.get("verbose"):
                traceback.print_exception(exc, file=sys.stderr)
            print_error(describe(exc))
            raise typer.Exit(exc.exit_code if isinstance(exc, InboxsyncError) else 1) from exc

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command line and exit with its code (the console script and the tests'
        `CliRunner` both come through here)."""
        try:
            # Without standalone mode click returns a command's exit code instead of exiting.
            code = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except (typer.Abort, KeyboardInterrupt):
            print("aborted", file=sys.stderr)
            sys.exit(130)
        except typer.TyperException as exc:  # click's usage errors and its own failures
            print_error(exc.format_message())
            sys.exit(exc.exit_code)
        sys.exit(code if isinstance(code, int) else 0)


def describe(exc: Exception) -> str:
    """What went wrong, for one line: our own errors and the system's as they are, a
    database's refusal by the driver's first line (later lines may quote stored values),
    anything else as a bug."""
    if isinstance(exc, InboxsyncError | OSError):
        return str(exc)
    from sqlalchemy.exc import DBAPIError  # loaded already when a database refused

    if isinstance(exc, DBAPIError):
        first_line = str(exc.orig).strip().partition("\n")[0]
        return f"database error: {first_line or type(exc.orig).__name__}"
    return f"unexpected {type(exc).__name__}: {exc} (a bug; --verbose shows the traceback)"


def print_error(message: str) -> None:
    """Print `message` as one `error:` line on stderr."""
    print("error: " + " ".join(message.split()), file=sys.stderr)


def group(parent: typer.Typer, name: str, help: str) -> typer.Typer:
    """A command group `name` under `parent`; its commands register on what it returns."""
    commands = typer.Typer(cls=Group, help=help, no_args_is_help=True)
    parent.add_typer(commands, name=name)
    return commands


app = typer.Typer(
    name="inboxsync",
    cls=Commands,
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
    from pydantic import ValidationError

    from inboxsync.config import Settings

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
        settings = settings.replace(db=db)
    ctx.obj = CliState(settings=settings)


def settings_of(ctx: typer.Context) -> Settings:
    """The settings for this invocation (with --db applied)."""
    state = ctx.find_root().obj
    assert isinstance(state, CliState)
    return state.settings


def inbox_of(ctx: typer.Context) -> Inbox:
    """The database of this invocation, opened (it must be initialised)."""
    from inboxsync.api import Inbox

    return Inbox(settings_of(ctx))
