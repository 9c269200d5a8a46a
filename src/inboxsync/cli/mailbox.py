"""IMAP commands: mailbox add|list|edit|pause|resume|remove|folders|map-folder, sync,
watch."""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from inboxsync.cli._app import AnyCompany, AsJson, Company, RunAsync, group, inbox_of
from inboxsync.cli.render import (
    err_console,
    mailboxes_table,
    present,
    print_json,
    print_lines,
    sync_summary,
    sync_table,
)
from inboxsync.errors import UsageError

if TYPE_CHECKING:  # annotations only: its module loads with the commands
    from inboxsync import MailboxSyncReport

commands = typer.Typer()
mailbox = group(commands, "mailbox", "IMAP mailboxes a company's mail is synced from.")

MailboxId = Annotated[int | None, typer.Option("--mailbox", help="Only this mailbox (id).")]


@mailbox.command("add")
def mailbox_add(
    ctx: typer.Context,
    company: Company,
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
    box = inbox_of(ctx).add_mailbox(
        company,
        host=imap_host,
        port=port,
        tls=tls,
        user=user,
        password_env=password_env,
        password_file=password_file,
        oauth2_token_env=oauth2_token_env,
        oauth2_token_file=oauth2_token_file,
        folders=folder or ["INBOX"],
    )
    print_lines(
        [f"mailbox {box.id} added: {box.user}@{box.host}:{box.port} (secret from {box.secret_ref})"]
    )


MailboxArg = Annotated[int, typer.Argument(help="The mailbox (id).")]


@mailbox.command("edit")
def mailbox_edit(
    ctx: typer.Context,
    mailbox_id: MailboxArg,
    company: Company,
    imap_host: str | None = typer.Option(None, "--imap-host", help="New IMAP server host."),
    port: int | None = typer.Option(None, "--port", help="New port."),
    tls: str | None = typer.Option(None, "--tls", help="ssl, starttls or none."),
    user: str | None = typer.Option(None, "--user", help="New login name."),
    password_env: str | None = typer.Option(None, "--password-env", help="New password variable."),
    password_file: str | None = typer.Option(None, "--password-file", help="New password file."),
    oauth2_token_env: str | None = typer.Option(
        None, "--oauth2-token-env", help="New XOAUTH2 token variable."
    ),
    oauth2_token_file: str | None = typer.Option(
        None, "--oauth2-token-file", help="New XOAUTH2 token file."
    ),
    folder: Annotated[
        list[str] | None,
        typer.Option("--folder", help="The folders to sync from now on (repeatable; replaces)."),
    ] = None,
) -> None:
    """Change a mailbox's account, secret reference or folders (a folder left out loses its
    cursor)."""
    box = inbox_of(ctx).edit_mailbox(
        company,
        mailbox_id,
        host=imap_host,
        port=port,
        tls=tls,
        user=user,
        password_env=password_env,
        password_file=password_file,
        oauth2_token_env=oauth2_token_env,
        oauth2_token_file=oauth2_token_file,
        folders=folder,
    )
    folders = ", ".join(f.name for f in box.status.folders)
    print_lines([f"mailbox {box.id}: {box.user}@{box.host}:{box.port} ({box.tls}), {folders}"])


@mailbox.command("pause")
def mailbox_pause(ctx: typer.Context, mailbox_id: MailboxArg, company: Company) -> None:
    """Pause a mailbox: no sync touches it (one running stops before its next batch)."""
    inbox_of(ctx).pause_mailbox(company, mailbox_id)
    print_lines([f"mailbox {mailbox_id} paused"])


@mailbox.command("resume")
def mailbox_resume(ctx: typer.Context, mailbox_id: MailboxArg, company: Company) -> None:
    """Resume a paused mailbox."""
    inbox_of(ctx).resume_mailbox(company, mailbox_id)
    print_lines([f"mailbox {mailbox_id} resumed"])


@mailbox.command("remove")
def mailbox_remove(
    ctx: typer.Context,
    mailbox_id: MailboxArg,
    company: Company,
    delete_mail: bool = typer.Option(
        False, "--delete-mail", help="Delete its messages too (else they stay, without mailbox)."
    ),
) -> None:
    """Remove a mailbox and its folder cursors; its mail stays unless --delete-mail."""
    done = inbox_of(ctx).remove_mailbox(company, mailbox_id, delete_mail=delete_mail)
    print_lines(
        [
            f"mailbox {done.id} removed; deleted {done.deleted_messages} messages, "
            f"{done.deleted_conversations} conversations, {done.deleted_quarantine} quarantined"
        ]
    )


@mailbox.command("list")
def mailbox_list(
    ctx: typer.Context,
    company: AnyCompany = None,
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array."),
) -> None:
    """List mailboxes, their folders and how far each folder is synced."""
    present(inbox_of(ctx).mailboxes(company), as_json, mailboxes_table)


@mailbox.command("folders")
def mailbox_folders(
    ctx: typer.Context,
    mailbox_id: MailboxArg,
    company: Company,
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array."),
) -> None:
    """List a mailbox's IMAP folders and the company folder each is mapped onto."""
    folders = inbox_of(ctx).mailbox_folders(company, mailbox_id)
    if as_json:
        print_json(folders)
        return
    print_lines(
        f"{f.name}{'' if f.synced else ' (not synced)'}"
        + (f" -> {f.folder}" if f.folder is not None else "")
        for f in folders
    )


@mailbox.command("map-folder")
def mailbox_map_folder(
    ctx: typer.Context,
    mailbox_id: MailboxArg,
    imap_folder: Annotated[str, typer.Argument(help="The IMAP folder, as the mailbox syncs it.")],
    company: Company,
    folder: Annotated[
        str | None, typer.Argument(help="The company folder (name or id) its mail goes to.")
    ] = None,
    remove: bool = typer.Option(False, "--remove", help="Remove the IMAP folder's mapping."),
) -> None:
    """Map an IMAP folder onto a company folder: its mail is filed there as a person's
    decision (a user's correction still wins) and teaches the local model."""
    inbox = inbox_of(ctx)
    if remove:
        change = inbox.unmap_folder(company, mailbox_id, imap_folder)
        print_lines(
            [
                f"IMAP folder {imap_folder!r} of mailbox {mailbox_id} no longer mapped; "
                f"{len(change.released)} conversations classified again, {change.filed} refiled"
            ]
        )
        return
    if folder is None:
        raise UsageError("name the company folder to map onto, or pass --remove")
    change = inbox.map_folder(company, mailbox_id, imap_folder, folder)
    print_lines(
        [
            f"IMAP folder {imap_folder!r} of mailbox {mailbox_id} mapped onto "
            f"{change.mapping.folder_name!r}; {change.filed} conversations filed"
        ]
    )


@commands.command()
def sync(
    ctx: typer.Context,
    company: AnyCompany = None,
    mailbox_id: MailboxId = None,
    as_json: AsJson = False,
    run_async: RunAsync = False,
) -> None:
    """Fetch new mail from IMAP mailboxes (all by default). Exit 1 when any mailbox failed."""
    report = inbox_of(ctx).sync(company, mailbox_id, wait=not run_async)
    present(report, as_json, sync_table)
    for line in report.errors:
        print(f"error: {line}", file=sys.stderr)
    if report.errors:
        raise typer.Exit(1)


@commands.command()
def watch(
    ctx: typer.Context,
    company: AnyCompany = None,
    mailbox_id: MailboxId = None,
    poll_seconds: float | None = typer.Option(
        None, "--poll-seconds", min=0.1, help="Longest wait between syncs (IDLE wakes earlier)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print each sync's report as a JSON line."),
) -> None:
    """Sync, then wait for new mail (IMAP IDLE, else polling) and sync again, until Ctrl-C."""
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    lock = threading.Lock()  # mailboxes report from their own threads

    def on_report(report: MailboxSyncReport) -> None:
        with lock:
            if as_json:
                print_json(report, flush=True)
            else:
                print_lines([sync_summary(report)])
            for line in report.errors:
                print(f"error: {line}", file=sys.stderr, flush=True)

    inbox_of(ctx).watch(stop, company, mailbox_id, on_report=on_report, poll_seconds=poll_seconds)
    err_console.print("stopped")
