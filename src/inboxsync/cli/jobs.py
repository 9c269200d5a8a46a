"""Background-work commands: worker, schedule, outbox."""

from __future__ import annotations

import time

import typer

from inboxsync.cli._app import AnyCompany, AsJson, inbox_of
from inboxsync.cli.render import outbox_table, present, print_lines

commands = typer.Typer()


@commands.command()
def worker(
    ctx: typer.Context,
    concurrency: int = typer.Option(2, "--concurrency", "-c", min=1, help="Jobs run at once."),
    pool: str = typer.Option("prefork", "--pool", help="prefork, threads or solo."),
    loglevel: str = typer.Option("INFO", "--loglevel", help="Celery log level."),
) -> None:
    """Run a Celery worker of inboxsync's jobs (needs INBOXSYNC_REDIS_URL)."""
    inbox_of(ctx).run_worker(concurrency=concurrency, pool=pool, loglevel=loglevel)


@commands.command()
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
    inbox = inbox_of(ctx)
    interval = every or inbox.settings.jobs.schedule_interval_seconds
    while True:
        started = time.monotonic()
        queued = inbox.schedule_round()
        print_lines([f"queued {queued.mailboxes} mailbox sync(s), {queued.jobs} follow-up job(s)"])
        if once:
            return
        time.sleep(max(0.0, interval - (time.monotonic() - started)))


@commands.command()
def outbox(
    ctx: typer.Context,
    company: AnyCompany = None,
    status: str | None = typer.Option(
        None, "--status", help="claimed, sending, retry, sent, failed or skipped."
    ),
    limit: int = typer.Option(50, "--limit", min=1, help="Show at most this many rows."),
    as_json: AsJson = False,
) -> None:
    """The auto-replies: sent, waiting for a retry, failed or skipped (and why)."""
    present(inbox_of(ctx).outbox(company, status=status, limit=limit), as_json, outbox_table)
