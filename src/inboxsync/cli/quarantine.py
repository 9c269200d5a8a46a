"""Quarantine commands: quarantine list|show|retry."""

from __future__ import annotations

import sys

import typer

from inboxsync.cli._app import AsJson, Company, group, inbox_of
from inboxsync.cli.render import (
    console,
    field_lines,
    present,
    print_json,
    print_lines,
    quarantine_table,
    retry_table,
)

commands = typer.Typer()
quarantine = group(
    commands, "quarantine", "Messages that could not be stored: inspect them, retry them."
)


@quarantine.command("list")
def quarantine_list(ctx: typer.Context, company: Company, as_json: AsJson = False) -> None:
    """List a company's quarantined messages, oldest first."""
    entries = inbox_of(ctx).quarantine(company)
    if as_json:
        print_json({"entries": entries})
    else:
        console.print(quarantine_table(entries))


@quarantine.command("show")
def quarantine_show(
    ctx: typer.Context,
    entry_id: int,
    company: Company,
    raw: bool = typer.Option(False, "--raw", help="Write the kept raw bytes to stdout."),
) -> None:
    """Show why a message is quarantined, or (--raw) its bytes."""
    inbox = inbox_of(ctx)
    if raw:
        sys.stdout.buffer.write(inbox.quarantine_raw(company, entry_id))
        sys.stdout.flush()
        return
    entry = inbox.quarantine_entry(company, entry_id)
    print_lines(field_lines(entry))


@quarantine.command("retry")
def quarantine_retry(
    ctx: typer.Context,
    company: Company,
    entry_ids: list[int] | None = typer.Argument(None, help="Entries to retry (default: all)."),
    as_json: AsJson = False,
) -> None:
    """Parse quarantined messages again: what parses now becomes a message."""
    present(inbox_of(ctx).retry_quarantine(company, entry_ids or None), as_json, retry_table)
