"""Mail commands: import, conversations, show, demo."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from inboxsync.cli._app import AsJson, Company, RunAsync, inbox_of
from inboxsync.cli.render import (
    console,
    conversation_detail,
    conversations_table,
    present,
    print_lines,
    report_table,
)

if TYPE_CHECKING:
    from inboxsync.demo.run import DemoRun

commands = typer.Typer()


class ProgressBar:
    """`Inbox.import_path`'s progress as a bar on stderr."""

    def __init__(self, bar: Progress) -> None:
        self.bar = bar
        self.task = bar.add_task("importing", total=None)

    def start(self, total: int | None) -> None:
        self.bar.update(self.task, total=total)

    def advance(self, messages: int) -> None:
        self.bar.advance(self.task, messages)


@commands.command("import")
def import_(
    ctx: typer.Context,
    path: Path,
    company: Company,
    batch_size: int | None = typer.Option(
        None, "--batch-size", min=1, max=1000, help="Messages per batch (1 to 1000)."
    ),
    as_json: AsJson = False,
    run_async: RunAsync = False,
) -> None:
    """Import a Maildir, an mbox file or a directory of message files."""
    inbox = inbox_of(ctx)
    if as_json or not sys.stderr.isatty():
        report = inbox.import_path(company, path, batch_size=batch_size, wait=not run_async)
    else:
        columns = (*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn())
        with Progress(*columns, TimeElapsedColumn(), console=Console(stderr=True)) as bar:
            report = inbox.import_path(
                company, path, batch_size=batch_size, progress=ProgressBar(bar), wait=not run_async
            )
    present(report, as_json, report_table)


@commands.command()
def conversations(
    ctx: typer.Context,
    company: Company,
    limit: int | None = typer.Option(None, "--limit", min=1, help="Show at most this many."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array."),
) -> None:
    """List a company's conversations, most recent first."""
    present(inbox_of(ctx).conversations(company, limit), as_json, conversations_table)


@commands.command()
def show(
    ctx: typer.Context, conversation_id: int, company: Company, as_json: AsJson = False
) -> None:
    """Show one of a company's conversations and its messages."""
    present(inbox_of(ctx).conversation(company, conversation_id), as_json, conversation_detail)


@commands.command()
def demo(
    directory: Path = typer.Option(
        Path("demo-data"), "--dir", help="Where to write the sample mailboxes and database."
    ),
) -> None:
    """Import the bundled sample mailboxes into a fresh SQLite database, twice."""
    from inboxsync.api import Inbox
    from inboxsync.demo.run import DEMO_PASSWORD  # the demo's modules: for this command only

    def show_run(run: DemoRun) -> None:
        console.rule(f"[bold]{run.company}[/bold]  ({run.maildir})")
        console.print(report_table(run.first, title="First sync"))
        console.print(conversations_table(run.conversations, title=f"{run.company}: conversations"))
        second = run.second
        print_lines(
            [
                f"Second sync of the same mailbox: fetched {second.fetched}, "
                f"duplicates {second.duplicates}, new messages {second.new_messages}, "
                f"new conversations {second.new_conversations}, new clients {second.new_clients}."
            ]
        )

    runs = Inbox.run_demo(directory, on_company=show_run)
    database = directory / "demo.db"
    users = " or ".join(run.user for run in runs)
    print_lines(
        [
            f"\nDatabase: {database}",
            f"Web page: inboxsync --db sqlite:///{database} serve, then http://127.0.0.1:8000/",
            f"Sign in as {users}, password {DEMO_PASSWORD}",
        ]
    )
