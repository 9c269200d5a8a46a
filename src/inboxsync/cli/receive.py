"""`inboxsync receive`: one raw message delivered to a company, from a file or piped in by an
MTA (`| inboxsync receive --company Acme`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.text import Text

from inboxsync.cli._app import AsJson, Company, RunAsync, inbox_of, settings_of
from inboxsync.cli.render import present
from inboxsync.errors import UsageError

if TYPE_CHECKING:  # annotations only: its module loads with the commands
    from inboxsync.operations.inbound import Received

commands = typer.Typer()


@commands.command()
def receive(
    ctx: typer.Context,
    company: Company,
    source: str = typer.Argument("-", help="A raw RFC 822 message file, or - for stdin."),
    as_json: AsJson = False,
    run_async: RunAsync = False,
) -> None:
    """Store one raw message as mail delivered to the company: created, a duplicate, or
    quarantined (kept, with the reason)."""
    raw = read_message(source, settings_of(ctx).raw_message_limit())
    [outcome] = inbox_of(ctx).receive(company, [raw], wait=not run_async, source_name="receive")
    present(outcome, as_json, outcome_line)


def read_message(source: str, limit: int) -> bytes:
    """The bytes of `source` (a path, or - for stdin), refused past `limit` or when empty."""
    if source == "-":
        raw = sys.stdin.buffer.read(limit + 1)
    else:
        with Path(source).open("rb") as handle:
            raw = handle.read(limit + 1)
    if len(raw) > limit:
        raise UsageError(f"the message is larger than {limit} bytes")
    if not raw.strip():
        raise UsageError("no message: the input is empty")
    return raw


def outcome_line(outcome: Received) -> Text:
    """What became of the message, in one line."""
    if outcome.status == "quarantined":
        return Text(f"quarantined as entry {outcome.quarantine_id}: {outcome.reason}")
    return Text(
        f"{outcome.status}: message {outcome.message_id} in conversation "
        f"{outcome.conversation_id} ({outcome.message_key})"
    )
