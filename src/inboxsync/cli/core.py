"""Core commands: init, company, folder, import, conversations, show, demo."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from inboxsync.api import Inbox
from inboxsync.cli._app import app, settings_of
from inboxsync.cli.render import conversation_detail, conversations_table, report_table
from inboxsync.demo.run import DemoRun, run_demo
from inboxsync.sources.local import open_source

company_app = typer.Typer(help="Companies (tenants) and their own addresses.", no_args_is_help=True)
folder_app = typer.Typer(
    help="A company's folders, with the descriptions the AI files by.", no_args_is_help=True
)
app.add_typer(company_app, name="company")
app.add_typer(folder_app, name="folder")

# Wide enough for the tables when output goes to a file or a pipe.
console = Console() if sys.stdout.isatty() else Console(width=160)


@app.command()
def init(ctx: typer.Context) -> None:
    """Create or upgrade the database schema."""
    inbox = Inbox.initialise(settings_of(ctx))
    console.print(f"database ready: {inbox.engine.url.render_as_string(hide_password=True)}")


@company_app.command("add")
def company_add(
    ctx: typer.Context,
    name: str,
    address: list[str] = typer.Option([], "--address", help="One of the company's own addresses."),
) -> None:
    """Create a company with its own addresses."""
    company_id = Inbox(settings_of(ctx)).add_company(name, address)
    console.print(f"company {name!r} created (id {company_id})")


@company_app.command("list")
def company_list(ctx: typer.Context) -> None:
    """List companies and their own addresses."""
    for company in Inbox(settings_of(ctx)).companies():
        console.print(f"{company.id}\t{company.name}\t{' '.join(sorted(company.addresses))}")


@folder_app.command("add")
def folder_add(
    ctx: typer.Context,
    name: str,
    company: str = typer.Option(..., "--company", help="Company name or id."),
    description: str = typer.Option(..., "--description", help="What belongs in the folder."),
    # --- auto-reply options (cli/jobs.py) ---
    auto_reply_subject: str | None = typer.Option(
        None, "--auto-reply-subject", help="Auto-reply subject ({client_name}, {subject}…)."
    ),
    auto_reply_body_file: Path | None = typer.Option(
        None, "--auto-reply-body-file", help="File holding the auto-reply body template (UTF-8)."
    ),
    # --- end of auto-reply options ---
) -> None:
    """Create a folder that new conversations can be filed into."""
    from inboxsync.cli.jobs import auto_reply_options, set_auto_reply  # auto-reply (cli/jobs.py)

    template = auto_reply_options(auto_reply_subject, auto_reply_body_file)
    folder_id = Inbox(settings_of(ctx)).add_folder(company, name, description)
    if template is not None:
        set_auto_reply(ctx, company, name, template)
    console.print(f"folder {name!r} created (id {folder_id})")


@app.command("import")
def import_(
    ctx: typer.Context,
    path: Path,
    company: str = typer.Option(..., "--company", help="Company name or id."),
    batch_size: int | None = typer.Option(
        None, "--batch-size", min=1, max=1000, help="Messages per batch (1 to 1000)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as one JSON object."),
    run_async: bool = typer.Option(
        False, "--async", help="Return once mail is stored; workers classify and reply."
    ),
) -> None:
    """Import a Maildir, an mbox file or a directory of message files."""
    inbox = Inbox(settings_of(ctx))
    wait = not run_async
    if as_json or not sys.stderr.isatty():
        report = inbox.import_path(company, path, batch_size=batch_size, wait=wait)
    else:
        total = getattr(
            open_source(path, max_message_bytes=inbox.settings.max_message_bytes),
            "count",
            lambda: None,
        )()
        columns = (*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn())
        with Progress(*columns, TimeElapsedColumn(), console=Console(stderr=True)) as bar:
            task = bar.add_task("importing", total=total)
            report = inbox.import_path(
                company,
                path,
                batch_size=batch_size,
                progress=lambda n: bar.advance(task, n),
                wait=wait,
            )
    if as_json:
        print(json.dumps(report.as_dict()))
    else:
        console.print(report_table(report))


@app.command()
def conversations(
    ctx: typer.Context,
    company: str = typer.Option(..., "--company", help="Company name or id."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Show at most this many."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array."),
) -> None:
    """List a company's conversations, most recent first."""
    rows = Inbox(settings_of(ctx)).conversations(company, limit)
    if as_json:
        print(json.dumps([row.as_dict() for row in rows]))
    else:
        console.print(conversations_table(rows))


@app.command()
def show(
    ctx: typer.Context,
    conversation_id: int,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Show one conversation and its messages."""
    detail = Inbox(settings_of(ctx)).conversation(conversation_id)
    if as_json:
        print(json.dumps(detail.as_dict()))
    else:
        console.print(conversation_detail(detail))


@app.command()
def demo(
    directory: Path = typer.Option(
        Path("demo-data"), "--dir", help="Where to write the sample mailboxes and database."
    ),
) -> None:
    """Import the bundled sample mailboxes into a fresh SQLite database, twice."""

    def show_run(run: DemoRun) -> None:
        console.rule(f"[bold]{run.company}[/bold]  ({run.maildir})")
        console.print(report_table(run.first, title="First sync"))
        console.print(conversations_table(run.conversations, title=f"{run.company}: conversations"))
        second = run.second
        console.print(
            f"Second sync of the same mailbox: fetched {second.fetched}, "
            f"duplicates {second.duplicates}, new messages {second.new_messages}, "
            f"new conversations {second.new_conversations}, new clients {second.new_clients}."
        )

    run_demo(directory, on_company=show_run)
    console.print(f"\nDatabase: {directory / 'demo.db'}")
