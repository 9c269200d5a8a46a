"""Webhook commands: webhook add|list|deliveries|redeliver|remove|deliver."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import typer
from rich.table import Table
from rich.text import Text

from inboxsync.cli._app import AsJson, Company, group, inbox_of
from inboxsync.cli.render import console, print_json, print_lines

if TYPE_CHECKING:  # annotations only: its module loads with the commands
    from inboxsync.webhooks import DeliveryAttempt, DeliveryReport, Webhook

commands: typer.Typer = typer.Typer()
webhook = group(
    commands, "webhook", "Endpoints the company's events are POSTed to, signed, and their log."
)


@webhook.command("add")
def webhook_add(
    ctx: typer.Context,
    url: str,
    company: Company,
    event_type: list[str] = typer.Option(
        [], "--type", help="Only events of this type (repeatable; default: every type)."
    ),
    as_json: AsJson = False,
) -> None:
    """Add an endpoint for the events recorded from now on; prints its secret, once."""
    created = inbox_of(ctx).add_webhook(company, url, event_types=event_type)
    if as_json:
        print_json(created)
        return
    hook = created.webhook
    print_lines(
        [
            f"webhook {hook.id} added: {hook.url} ({' '.join(hook.event_types) or 'every event'})",
            f"secret: {created.secret}",
            "(shown this once: keep it to verify the Inboxsync-Signature header)",
        ]
    )


@webhook.command("list")
def webhook_list(ctx: typer.Context, company: Company, as_json: AsJson = False) -> None:
    """List the company's endpoints: status, position in the event feed, failures."""
    hooks = inbox_of(ctx).webhooks(company)
    if as_json:
        print_json({"webhooks": hooks})
    else:
        console.print(_webhook_table(hooks))


@webhook.command("deliveries")
def webhook_deliveries(
    ctx: typer.Context,
    endpoint_id: int,
    company: Company,
    limit: int = typer.Option(50, "--limit", min=1, max=1000, help="Attempts to show."),
    as_json: AsJson = False,
) -> None:
    """Show an endpoint's last delivery attempts, newest first."""
    attempts = inbox_of(ctx).webhook_deliveries(company, endpoint_id, limit=limit)
    if as_json:
        print_json({"deliveries": attempts})
    else:
        console.print(_delivery_table(attempts))


@webhook.command("redeliver")
def webhook_redeliver(
    ctx: typer.Context,
    endpoint_id: int,
    company: Company,
    from_seq: int = typer.Option(..., "--from", min=1, help="First event seq to send again."),
) -> None:
    """Send an endpoint's events again from a seq on (and enable it if it was disabled)."""
    hook = inbox_of(ctx).redeliver(company, endpoint_id, from_seq=from_seq)
    print_lines([f"webhook {hook.id}: events after {hook.delivered_seq} will be sent again"])


@webhook.command("remove")
def webhook_remove(ctx: typer.Context, endpoint_id: int, company: Company) -> None:
    """Delete an endpoint and its delivery log."""
    inbox_of(ctx).remove_webhook(company, endpoint_id)
    print_lines([f"webhook {endpoint_id} removed"])


@webhook.command("deliver")
def webhook_deliver(
    ctx: typer.Context,
    company: Company,
    endpoint_id: int | None = typer.Argument(None, help="One endpoint (default: all active)."),
    as_json: AsJson = False,
) -> None:
    """Deliver pending events now, without waiting for a retry's time."""
    reports = inbox_of(ctx).deliver_webhooks(company, endpoint_id)
    if as_json:
        print_json({"reports": reports})
    else:
        print_lines(_report_line(r) for r in reports)


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def _webhook_table(hooks: Sequence[Webhook]) -> Table:
    table = Table(title="Webhooks")
    for name in ("id", "status", "url", "types", "delivered", "failures", "next try", "reason"):
        table.add_column(name, overflow="fold")
    for h in hooks:
        table.add_row(
            str(h.id),
            h.status,
            Text(h.url),
            " ".join(h.event_types) or "all",
            str(h.delivered_seq),
            str(h.failures),
            _when(h.next_attempt_at),
            Text(h.disabled_reason),
        )
    return table


def _delivery_table(attempts: Sequence[DeliveryAttempt]) -> Table:
    table = Table(title="Deliveries")
    for name in ("at", "seq", "type", "attempt", "status", "ms", "error"):
        table.add_column(name, overflow="fold")
    for a in attempts:
        table.add_row(
            _when(a.created_at),
            str(a.event_seq),
            a.event_type,
            str(a.attempt),
            str(a.status_code or "-"),
            str(a.duration_ms),
            Text(a.error),
        )
    return table


def _report_line(report: DeliveryReport) -> str:
    line = f"webhook {report.endpoint_id}: {report.delivered} delivered"
    line += f", now at seq {report.delivered_seq}"
    if report.status != "active":
        return f"{line}, {report.status}"
    if report.busy:
        return f"{line}, busy (another deliverer holds it)"
    if report.failed:
        return f"{line}, failed (next try in {report.retry_in or 0:.0f}s)"
    return line
