"""How results are shown: one JSON object for machines (`--json`), Rich tables for people.
Text from mail (subjects, file names, reasons) is shown as text, never read as Rich markup."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TypeVar

from pydantic_core import to_jsonable_python
from rich import box
from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

if TYPE_CHECKING:  # annotations only: the results' modules load with the commands
    from inboxsync import (
        ClassifyReport,
        ConversationDetail,
        ConversationRow,
        CostReport,
        EvalReport,
        MailboxSummary,
        MailboxSyncReport,
        OutboxReport,
        QuarantineEntry,
        RetryReport,
        SyncReport,
    )
    from inboxsync.ai.evaluate import LearningCurve

T = TypeVar("T")

# Wide enough for the tables when output goes to a file or a pipe.
console = Console() if sys.stdout.isatty() else Console(width=160)
err_console = Console(stderr=True)

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


def present(result: T, as_json: bool, draw: Callable[[T], RenderableType]) -> None:
    """Print a result: as JSON, else as `draw` renders it for people."""
    if as_json:
        print_json(result)
    else:
        console.print(draw(result))


def print_json(result: object, *, flush: bool = False) -> None:
    """Print a result as one JSON object (or array) on one line: its fields as they are."""
    print(json.dumps(to_jsonable_python(result)), flush=flush)


def field_lines(result: object) -> list[str]:
    """`name: value` for each field of a result, its values as its JSON has them."""
    return [f"{name}: {value}" for name, value in to_jsonable_python(result).items()]


def print_lines(lines: Iterable[str]) -> None:
    """Print plain lines of text, none read as markup."""
    for line in lines:
        console.print(line, markup=False, highlight=False)


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
        table.add_row("skipped", Text(entry))
    stages = ", ".join(f"{k} {v:.3f}" for k, v in report.seconds.items() if k != "total")
    table.add_row("seconds", f"{report.seconds.get('total', 0.0):.3f} ({stages})")
    return table


def sync_table(report: MailboxSyncReport) -> Table:
    """An IMAP sync's report: the run's counts, then what only IMAP has."""
    table = report_table(report, title="IMAP sync")
    table.add_row("bytes downloaded", str(report.bytes_downloaded))
    table.add_row("imap round trips", str(report.imap_round_trips))
    for folder in report.rescanned_folders:
        table.add_row("rescanned (UIDVALIDITY changed)", folder)
    return table


def sync_summary(report: MailboxSyncReport) -> str:
    """One line per sync, as `watch` prints them."""
    return (
        f"fetched {report.fetched}, new {report.new_messages}, duplicates {report.duplicates}, "
        f"quarantined {report.quarantined}, {report.bytes_downloaded} bytes downloaded"
    )


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
            Text(row.subject),
            row.client or "",
            str(row.messages),
            row.last_message_at.strftime("%Y-%m-%d"),
            "notification" if row.is_notification else "person",
            row.status,
            Text(row.folder or ""),
        )
    return table


def conversation_detail(c: ConversationDetail) -> Group:
    """A conversation's header line and its messages."""
    table = Table(title=Text(f"#{c.id} {c.subject}  ({c.client or 'no client'}, {c.status})"))
    for column in ("date", "dir", "from", "subject", "preview"):
        table.add_column(column, overflow="fold")
    for m in c.messages:
        sender = m.from_email + (" [notification]" if m.is_notification else "")
        table.add_row(
            m.date.strftime("%Y-%m-%d %H:%M"),
            m.direction,
            Text(sender),
            Text(m.subject),
            Text(m.preview),
        )
    return Group(table)


def quarantine_table(entries: list[QuarantineEntry]) -> Table:
    """One line per quarantined message."""
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


def retry_table(report: RetryReport) -> Table:
    """What a quarantine retry did with each entry."""
    table = Table(title=f"Retry: {len(report.stored)} now stored as messages")
    table.add_column("id", justify="right", no_wrap=True)
    table.add_column("outcome", no_wrap=True)
    table.add_column("reason", overflow="fold")
    rows = [(i, "stored", "") for i in report.stored]
    rows += [(n.id, "failed again", n.reason) for n in report.failed]
    rows += [(n.id, "not retried", n.reason) for n in report.not_retryable]
    for entry_id, outcome, reason in sorted(rows):
        table.add_row(str(entry_id), outcome, Text(reason))
    return table


def mailboxes_table(boxes: list[MailboxSummary]) -> Table:
    """One line per mailbox, with each folder's last synced UID."""
    table = Table(title="Mailboxes")
    for column in ("id", "company", "account", "tls", "secret", "folders (last UID)"):
        table.add_column(column, overflow="fold")
    for b in boxes:
        folders = ", ".join(f"{f.name} ({f.last_uid})" for f in b.folders)
        account = f"{b.user}@{b.host}:{b.port}"
        table.add_row(str(b.id), Text(b.company), account, b.tls, b.secret_ref, Text(folders))
    return table


def classify_summary(report: ClassifyReport) -> Text:
    """What classifying cost, and where the conversations stand."""
    usage = report.ai
    states = ", ".join(f"{k} {v}" for k, v in sorted(report.conversations.items()))
    return Text(
        f"AI calls {usage.calls}, tokens in {usage.input_tokens} (cached {usage.cached_tokens})"
        f" out {usage.output_tokens}, cost ${usage.cost_usd:.6f}\n{states or 'no conversations'}"
    )


def costs_table(report: CostReport) -> Table:
    """AI spend per purpose and model, with the total."""
    table = Table(title="AI costs", box=box.SIMPLE, pad_edge=False, collapse_padding=True)
    for col in ("purpose", "model", "calls", "failed", "items", "in", "cached", "out", "USD"):
        table.add_column(
            col, justify="left" if col in ("purpose", "model") else "right", no_wrap=col == "model"
        )
    for r in report.rows:
        table.add_row(
            r.purpose,
            f"{r.provider}/{r.model}",
            str(r.calls),
            str(r.failed_calls),
            str(r.items),
            str(r.input_tokens),
            str(r.cached_tokens),
            str(r.output_tokens),
            f"{r.cost_usd:.6f}",
        )
    table.add_row("total", "", "", "", "", "", "", "", f"{report.total_usd:.6f}")
    return table


def eval_summary(report: EvalReport) -> Text:
    """A classifier's score: overall, per language, and its most confused folder pairs."""
    lines = [
        f"{report.set}: accuracy {report.accuracy:.1%} on {report.n} ({report.provider}/"
        f"{report.model}), abstained {report.abstained}, filed {report.coverage:.1%} of which "
        f"{report.precision:.1%} right, {report.per_second:.1f} conversations/s"
    ]
    lines += [
        f"  {lang}: {v['accuracy']:.1%} of {int(v['n'])}, filed {v['coverage']:.1%} of which "
        f"{v['precision']:.1%} right"
        for lang, v in report.by_language.items()
    ]
    lines += [f"  {c['expected']} → {c['predicted']}: {c['count']}" for c in report.confused]
    return Text("\n".join(lines))


def curve_table(curve: LearningCurve) -> Group:
    """The learning curve: accuracy and abstentions per examples learnt, per language."""
    first = curve.points[0].report if curve.points else None
    langs = list(first.by_language) if first else []
    table = Table("per folder", "learnt", "accuracy", "abstained", *langs, box=box.SIMPLE)
    for p in curve.points:
        r = p.report
        table.add_row(
            str(p.per_folder),
            f"{p.examples:g}",
            f"{r.accuracy:.1%}",
            str(r.abstained),
            *(f"{r.by_language[lang]['accuracy']:.1%}" for lang in langs),
        )
    scored = f"{first.n} answers" if first else "nothing"
    title = (
        f"{curve.set}: learning curve ({curve.provider}/{curve.model}), {scored} scored at each "
        f"point ({curve.draws} draws from seed {curve.seed})"
    )
    return Group(Text(title), table)


def outbox_table(report: OutboxReport) -> Group:
    """The auto-replies, newest first, and how many are in each status."""
    table = Table("id", "conversation", "status", "to", "subject", "attempts", "when", "reason")
    for r in report.rows:
        when = r.sent_at or r.next_attempt_at or r.created_at
        table.add_row(
            str(r.id),
            str(r.conversation_id),
            r.status,
            r.recipient,
            Text(r.subject),
            str(r.attempts),
            f"{when:%Y-%m-%d %H:%M:%S}",
            Text(r.reason),
        )
    counts = ", ".join(f"{k} {v}" for k, v in sorted(report.counts.items()))
    return Group(table, Text(counts or "outbox empty"))
