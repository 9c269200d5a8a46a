"""Quarantine commands: `quarantine list`, `quarantine show ID` and `quarantine retry [ID…]`."""

from __future__ import annotations

import json
import sys

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from inboxsync.api import Inbox, RetryReport
from inboxsync.cli._app import app, settings_of
from inboxsync.db.quarantine import QuarantineEntry

quarantine_app = typer.Typer(
    help="Messages that could not be stored: inspect them, retry them.", no_args_is_help=True
)
app.add_typer(quarantine_app, name="quarantine")

# Wide enough for the tables when output goes to a file or a pipe.
console = Console() if sys.stdout.isatty() else Console(width=160)

COMPANY = typer.Option(..., "--company", help="Company name or id.")


@quarantine_app.command("list")
def quarantine_list(
    ctx: typer.Context,
    company: str = COMPANY,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """List a company's quarantined messages, oldest first."""
    entries = Inbox(settings_of(ctx)).quarantine(company)
    if as_json:
        print(json.dumps({"entries": [entry.as_dict() for entry in entries]}))
    else:
        console.print(_entries_table(entries))


@quarantine_app.command("show")
def quarantine_show(
    ctx: typer.Context,
    entry_id: int,
    company: str = COMPANY,
    raw: bool = typer.Option(False, "--raw", help="Write the kept raw bytes to stdout."),
) -> None:
    """Show why a message is quarantined, or (--raw) its bytes."""
    inbox = Inbox(settings_of(ctx))
    if raw:
        sys.stdout.buffer.write(inbox.quarantine_raw(company, entry_id))
        sys.stdout.flush()
        return
    entry = inbox.quarantine_entry(company, entry_id)
    for name, value in entry.as_dict().items():
        console.print(f"{name}: {value}", markup=False, highlight=False)


@quarantine_app.command("retry")
def quarantine_retry(
    ctx: typer.Context,
    entry_ids: list[int] | None = typer.Argument(None, help="Entries to retry (default: all)."),
    company: str = COMPANY,
    as_json: bool = typer.Option(False, "--json", help="Print the result as one JSON object."),
) -> None:
    """Parse quarantined messages again: what parses now becomes a message."""
    report = Inbox(settings_of(ctx)).retry_quarantine(company, entry_ids or None)
    if as_json:
        print(json.dumps(report.as_dict()))
    else:
        console.print(_retry_table(report))


# Sources and reasons are the mail's own text: shown as text, never read as Rich markup.
def _entries_table(entries: list[QuarantineEntry]) -> Table:
    table = Table(title="Quarantine")
    table.add_column("id", justify="right", no_wrap=True)
    table.add_column("quarantined", no_wrap=True)
    table.add_column("bytes", justify="right", no_wrap=True)
    table.add_column("source", overflow="fold", max_width=40)
    table.add_column("reason", overflow="fold")
    table.add_column("retry", overflow="fold", max_width=24)
    for e in entries:
        table.add_row(
            str(e.id),
            e.created_at.strftime("%Y-%m-%d %H:%M"),
            str(e.size),
            Text(e.source_ref),
            Text(e.reason),
            e.cannot_retry or "yes",
        )
    return table


def _retry_table(report: RetryReport) -> Table:
    table = Table(title=f"Retry: {len(report.stored)} now stored as messages")
    table.add_column("id", justify="right", no_wrap=True)
    table.add_column("outcome", no_wrap=True)
    table.add_column("reason", overflow="fold")
    rows = [(i, "stored", "") for i in report.stored]
    rows += [(i, "failed again", r) for i, r in report.failed.items()]
    rows += [(i, "not retried", r) for i, r in report.not_retryable.items()]
    for entry_id, outcome, reason in sorted(rows):
        table.add_row(str(entry_id), outcome, Text(reason))
    return table
