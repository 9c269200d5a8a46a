"""IMAP commands: `mailbox add`, `mailbox list`, `sync` and `watch`."""

from __future__ import annotations

import json
import signal
import sys
import threading
from types import FrameType
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from inboxsync import mailboxes as mailbox_sync
from inboxsync.api import Inbox
from inboxsync.cli._app import app, settings_of
from inboxsync.cli.render import report_table
from inboxsync.db import mailboxes
from inboxsync.mailboxes import MailboxSyncReport
from inboxsync.sources.secrets import make_ref

mailbox_app = typer.Typer(
    help="IMAP mailboxes a company's mail is synced from.", no_args_is_help=True
)
app.add_typer(mailbox_app, name="mailbox")

console = Console()
err_console = Console(stderr=True)


@mailbox_app.command("add")
def mailbox_add(
    ctx: typer.Context,
    company: str = typer.Option(..., "--company", help="Company name or id."),
    imap_host: str = typer.Option(..., "--imap-host", help="IMAP server host name."),
    port: int | None = typer.Option(None, "--port", help="Port (993 for ssl, else 143)."),
    tls: str = typer.Option("ssl", "--tls", help="ssl (implicit TLS), starttls or none."),
    user: str = typer.Option(..., "--user", help="Login name (usually the address)."),
    password_env: str | None = typer.Option(
        None, "--password-env", help="Environment variable holding the password."
    ),
    password_file: str | None = typer.Option(
        None, "--password-file", help="File holding the password."
    ),
    oauth2_token_env: str | None = typer.Option(
        None, "--oauth2-token-env", help="Environment variable holding an XOAUTH2 access token."
    ),
    oauth2_token_file: str | None = typer.Option(
        None, "--oauth2-token-file", help="File holding an XOAUTH2 access token."
    ),
    folder: Annotated[
        list[str] | None,
        typer.Option("--folder", help="Folder to sync (repeatable; default INBOX). Add Sent too."),
    ] = None,
) -> None:
    """Add an IMAP mailbox to a company; only a reference to its secret is stored."""
    ref = make_ref(
        password_env=password_env,
        password_file=password_file,
        oauth2_token_env=oauth2_token_env,
        oauth2_token_file=oauth2_token_file,
    )
    inbox = Inbox(settings_of(ctx))
    with inbox.sessions.begin() as session:
        mailbox_id = mailboxes.add_mailbox(
            session,
            inbox.company_id(company),
            host=imap_host,
            port=port,
            tls=tls,
            username=user,
            secret_kind=ref.kind,
            secret_ref=str(ref),
            folders=folder or ["INBOX"],
        )
    console.print(f"mailbox {mailbox_id} added: {user}@{imap_host} ({ref.kind} from {ref})")


@mailbox_app.command("list")
def mailbox_list(
    ctx: typer.Context,
    company: str | None = typer.Option(None, "--company", help="Only this company's."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array."),
) -> None:
    """List mailboxes, their folders and how far each folder is synced."""
    inbox = Inbox(settings_of(ctx))
    company_id = inbox.company_id(company) if company else None
    with inbox.sessions() as session:
        boxes = mailboxes.list_mailboxes(session, company_id)
    if as_json:
        rows = [
            {
                "id": b.id,
                "company": b.company_name,
                "host": b.imap_host,
                "port": b.imap_port,
                "tls": b.imap_tls,
                "user": b.username,
                "secret_ref": b.secret_ref,
                "folders": [
                    {"name": f.name, "uidvalidity": f.uidvalidity, "last_uid": f.last_uid}
                    for f in b.folders
                ],
            }
            for b in boxes
        ]
        print(json.dumps(rows))
        return
    table = Table(title="Mailboxes")
    for column in ("id", "company", "account", "tls", "secret", "folders (last UID)"):
        table.add_column(column, overflow="fold")
    for b in boxes:
        folders = ", ".join(f"{f.name} ({f.last_uid})" for f in b.folders)
        account = f"{b.username}@{b.imap_host}:{b.imap_port}"
        table.add_row(str(b.id), b.company_name, account, b.imap_tls, b.secret_ref, folders)
    console.print(table)


@app.command()
def sync(
    ctx: typer.Context,
    company: str | None = typer.Option(None, "--company", help="Only this company's mailboxes."),
    mailbox: int | None = typer.Option(None, "--mailbox", help="Only this mailbox (id)."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as one JSON object."),
    run_async: bool = typer.Option(
        False, "--async", help="Return once mail is stored; workers classify and reply."
    ),
) -> None:
    """Fetch new mail from IMAP mailboxes (all by default). Exit 1 when any mailbox failed."""
    inbox = Inbox(settings_of(ctx))
    report = inbox.sync(company, mailbox, wait=not run_async)
    _print_report(report, as_json)
    if report.errors:
        # Not typer.Exit: with standalone_mode=False click returns its code instead of exiting.
        sys.exit(1)


@app.command()
def watch(
    ctx: typer.Context,
    company: str | None = typer.Option(None, "--company", help="Only this company's mailboxes."),
    mailbox: int | None = typer.Option(None, "--mailbox", help="Only this mailbox (id)."),
    poll_seconds: float | None = typer.Option(
        None, "--poll-seconds", min=0.1, help="Longest wait between syncs (IDLE wakes earlier)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print each sync's report as a JSON line."),
) -> None:
    """Sync, then wait for new mail (IMAP IDLE, else polling) and sync again, until Ctrl-C."""
    settings = settings_of(ctx)
    if poll_seconds is not None:
        settings = settings.replace(imap={"poll_seconds": poll_seconds})
    inbox = Inbox(settings)
    company_id = inbox.company_id(company) if company else None
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    lock = threading.Lock()

    def on_report(report: MailboxSyncReport) -> None:
        with lock:
            if as_json:
                print(json.dumps(report.as_dict()), flush=True)
            else:
                console.print(_summary(report))
            for line in report.errors:
                print(f"error: {line}", file=sys.stderr, flush=True)

    mailbox_sync.watch(
        inbox.sessions,
        settings,
        stop,
        company_id=company_id,
        mailbox_id=mailbox,
        on_report=on_report,
    )
    err_console.print("stopped")


def _summary(report: MailboxSyncReport) -> str:
    return (
        f"fetched {report.fetched}, new {report.new_messages}, duplicates {report.duplicates}, "
        f"quarantined {report.quarantined}, {report.bytes_downloaded} bytes downloaded"
    )


def _print_report(report: MailboxSyncReport, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report.as_dict()))
    else:
        table = report_table(report, title="IMAP sync")
        table.add_row("bytes downloaded", str(report.bytes_downloaded))
        table.add_row("imap round trips", str(report.imap_round_trips))
        for folder in report.rescanned_folders:
            table.add_row("rescanned (UIDVALIDITY changed)", folder)
        console.print(table)
    for line in report.errors:
        print(f"error: {line}", file=sys.stderr)
