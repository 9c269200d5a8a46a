"""Rich renderings of reports and conversations for people (machines get --json)."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table

from inboxsync.db.conversations import ConversationDetail, ConversationRow
from inboxsync.pipeline.report import SyncReport

REPORT_COUNTS = (
    "fetched",
    "duplicates",
    "new_messages",
    "new_conversations",
    "new_clients",
    "notifications",
    "quarantined",
    "skipped",
    "db_round_trips",
    "commits",
    "ai_calls",
)


def report_table(report: SyncReport, title: str = "Sync report") -> Table:
    """The counts and stage timings of a run."""
    table = Table(title=title, show_header=False)
    table.add_column("what")
    table.add_column("value", justify="right")
    for name in REPORT_COUNTS:
        table.add_row(name.replace("_", " "), str(getattr(report, name)))
    if report.ai_cost_usd:
        table.add_row("ai cost (USD)", f"{report.ai_cost_usd:.6f}")
    for entry in report.skipped_entries:
        table.add_row("skipped", entry)
    stages = ", ".join(f"{k} {v:.3f}" for k, v in report.seconds.items() if k != "total")
    table.add_row("seconds", f"{report.seconds.get('total', 0.0):.3f} ({stages})")
    return table


def conversations_table(rows: list[ConversationRow], title: str = "Conversations") -> Table:
    """One line per conversation."""
    table = Table(title=title)
    table.add_column("id", justify="right", no_wrap=True, min_width=3)
    table.add_column("subject", no_wrap=True, overflow="ellipsis", max_width=46)
    table.add_column("client", no_wrap=True, overflow="ellipsis", max_width=34)
    table.add_column("msgs", justify="right", no_wrap=True, min_width=4)
    table.add_column("last message", no_wrap=True)
    for column in ("kind", "status", "folder"):
        table.add_column(column, no_wrap=True)
    for row in rows:
        table.add_row(
            str(row.id),
            row.subject,
            row.client or "",
            str(row.messages),
            row.last_message_at.strftime("%Y-%m-%d"),
            "notification" if row.is_notification else "person",
            row.status,
            row.folder or "",
        )
    return table


def conversation_detail(detail: ConversationDetail) -> Group:
    """A conversation's header line and its messages."""
    c = detail.conversation
    table = Table(title=f"#{c.id} {c.subject}  ({c.client or 'no client'}, {c.status})")
    for column in ("date", "dir", "from", "subject", "preview"):
        table.add_column(column, overflow="fold")
    for m in detail.messages:
        sender = m.from_email + (" [notification]" if m.is_notification else "")
        table.add_row(m.date.strftime("%Y-%m-%d %H:%M"), m.direction, sender, m.subject, m.preview)
    return Group(table)
