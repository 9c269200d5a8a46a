"""The Typer app and the options every command shares (database URL, settings)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import typer
from pydantic import ValidationError

from inboxsync.config import Settings
from inboxsync.errors import ConfigError

app = typer.Typer(
    name="inboxsync",
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
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress to stderr."),
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
