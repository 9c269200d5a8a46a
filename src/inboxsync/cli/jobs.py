"""Background-work commands: worker, schedule, outbox, company set-smtp, folder edit."""

from __future__ import annotations

import json
import os
import socket
import time
from dataclasses import asdict
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from inboxsync.api import Inbox
from inboxsync.cli import core
from inboxsync.cli._app import app, settings_of
from inboxsync.errors import ConfigError, UsageError
from inboxsync.jobs.schedule import schedule_round
from inboxsync.outbound import (
    SmtpSettings,
    list_outbox,
    set_company_smtp,
    set_folder_auto_reply,
    status_counts,
)
from inboxsync.outbound.templates import unknown_placeholders

console = Console()


@app.command()
def worker(
    ctx: typer.Context,
    concurrency: int = typer.Option(2, "--concurrency", "-c", min=1, help="Jobs run at once."),
    pool: str = typer.Option("prefork", "--pool", help="prefork, threads or solo."),
    loglevel: str = typer.Option("INFO", "--loglevel", help="Celery log level."),
) -> None:
    """Run a Celery worker of inboxsync's jobs (needs INBOXSYNC_REDIS_URL)."""
    from inboxsync.jobs.celery_app import make_celery

    settings = settings_of(ctx).replace(jobs={"backend": "celery"})
    if pool not in ("prefork", "threads", "solo"):
        raise UsageError(f"--pool must be prefork, threads or solo, not {pool!r}")
    celery = make_celery(settings)
    name = f"inboxsync-{os.getpid()}@{socket.gethostname()}"
    celery.worker_main(
        [
            "worker",
            f"--queues={settings.jobs.queue}",
            f"--concurrency={concurrency}",
            f"--pool={pool}",
            f"--loglevel={loglevel}",
            f"--hostname={name}",
            "--without-gossip",
            "--without-mingle",
        ]
    )


@app.command()
def schedule(
    ctx: typer.Context,
    every: int | None = typer.Option(
        None,
        "--every",
        min=1,
        help="Seconds between rounds (else INBOXSYNC_JOBS_SCHEDULE_INTERVAL_SECONDS).",
    ),
    once: bool = typer.Option(False, "--once", help="Run one round and exit."),
) -> None:
    """Every N seconds, queue a sync of every mailbox and a sweep of every company's
    pending classification and due auto-replies. With the inline backend, does them here."""
    inbox = Inbox(settings_of(ctx))
    interval = every or inbox.settings.jobs.schedule_interval_seconds
    while True:
        started = time.monotonic()
        queued = schedule_round(inbox.sessions, inbox.settings)
        console.print(f"queued {queued.mailboxes} mailbox sync(s), {queued.jobs} follow-up job(s)")
        if once:
            return
        time.sleep(max(0.0, interval - (time.monotonic() - started)))


@app.command()
def outbox(
    ctx: typer.Context,
    company: str | None = typer.Option(None, "--company", help="Only this company."),
    status: str | None = typer.Option(
        None, "--status", help="claimed, sending, retry, sent, failed or skipped."
    ),
    limit: int = typer.Option(50, "--limit", min=1, help="Show at most this many rows."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """The auto-replies: sent, waiting for a retry, failed or skipped (and why)."""
    inbox = Inbox(settings_of(ctx))
    company_id = inbox.company_id(company) if company else None
    with inbox.sessions() as session:
        rows = list_outbox(session, company_id, status, limit)
        counts = status_counts(session, company_id)
    if as_json:
        print(json.dumps({"counts": counts, "rows": [asdict(r) for r in rows]}, default=str))
        return
    table = Table("id", "conversation", "status", "to", "subject", "attempts", "when", "reason")
    for r in rows:
        when = r.sent_at or r.next_attempt_at or r.created_at
        table.add_row(
            str(r.id),
            str(r.conversation_id),
            r.status,
            r.recipient,
            r.subject,
            str(r.attempts),
            f"{when:%Y-%m-%d %H:%M:%S}",
            r.reason,
        )
    console.print(table)
    console.print(", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "outbox empty")


@core.company_app.command("set-smtp")
def company_set_smtp(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Company name or id."),
    host: str = typer.Option(..., "--host", help="SMTP server."),
    port: int = typer.Option(..., "--port", min=1, max=65535, help="SMTP port."),
    tls: str = typer.Option(..., "--tls", help="none, starttls or ssl."),
    user: str | None = typer.Option(None, "--user", help="Login, if the server wants one."),
    password_env: str | None = typer.Option(
        None, "--password-env", help="Environment variable holding the password (never stored)."
    ),
    from_address: str = typer.Option(
        "", "--from", help="Address auto-replies come from (else the company's first address)."
    ),
) -> None:
    """Set how a company sends its auto-replies."""
    try:
        smtp = SmtpSettings(host, port, tls, user, password_env, from_address)
    except ConfigError as exc:
        raise UsageError(str(exc)) from exc
    inbox = Inbox(settings_of(ctx))
    with inbox.sessions.begin() as session:
        company_id = inbox.company_id(name)
        set_company_smtp(session, company_id, smtp)
    auth = f", user {user} (password from ${password_env})" if user else ""
    console.print(f"SMTP for {name!r}: {host}:{port} {tls}{auth}")


def folder_edit(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Folder name."),
    company: str = typer.Option(..., "--company", help="Company name or id."),
    description: str | None = typer.Option(None, "--description", help="New description."),
    subject: str | None = typer.Option(
        None,
        "--auto-reply-subject",
        help="Subject template: {client_name} {subject} {company_name}.",
    ),
    body_file: Path | None = typer.Option(
        None, "--auto-reply-body-file", help="File holding the body template (UTF-8)."
    ),
    enabled: bool | None = typer.Option(
        None, "--auto-reply/--no-auto-reply", help="Turn the folder's auto-reply on or off."
    ),
) -> None:
    """Change a folder's description or auto-reply."""
    body = read_body(body_file)
    inbox = Inbox(settings_of(ctx))
    with inbox.sessions.begin() as session:
        company_id = inbox.company_id(company)
        folder = set_folder_auto_reply(
            session,
            company_id,
            name,
            enabled=enabled,
            subject=subject,
            body=body,
            description=description,
        )
    state = "on" if folder.enabled else "off"
    console.print(f"folder {name!r}: auto-reply {state}")


def read_body(path: Path | None) -> str | None:
    """The body template in `path` (UTF-8), or None."""
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {path}: {exc}") from exc


def auto_reply_options(subject: str | None, body_file: Path | None) -> tuple[str, str] | None:
    """`folder add`'s `--auto-reply-subject S --auto-reply-body-file F`, checked and read
    before the folder is created; None when neither is given."""
    if subject is None and body_file is None:
        return None
    if subject is None or body_file is None:
        raise UsageError("--auto-reply-subject and --auto-reply-body-file go together")
    body = read_body(body_file)
    assert body is not None
    unknown = unknown_placeholders(subject) + unknown_placeholders(body)
    if unknown:
        names = ", ".join("{" + n + "}" for n in sorted(set(unknown)))
        raise UsageError(f"unknown placeholder(s) {names}: use {{client_name}}, {{subject}}, …")
    return subject, body


def set_auto_reply(ctx: typer.Context, company: str, name: str, template: tuple[str, str]) -> None:
    """Turn on the auto-reply of a folder just created by `folder add`."""
    inbox = Inbox(settings_of(ctx))
    with inbox.sessions.begin() as session:
        set_folder_auto_reply(
            session,
            inbox.company_id(company),
            name,
            enabled=True,
            subject=template[0],
            body=template[1],
        )


core.folder_app.command("edit")(folder_edit)
