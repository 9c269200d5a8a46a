"""AI commands: classify, folder set, costs, eval-classifier."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from inboxsync.api import Inbox
from inboxsync.cli import core
from inboxsync.cli._app import app, settings_of
from inboxsync.errors import UsageError

console = Console()


def _inbox(ctx: typer.Context) -> Inbox:
    return Inbox(settings_of(ctx))


@app.command()
def classify(
    ctx: typer.Context,
    company: str | None = typer.Option(None, "--company", help="Company name or id (else all)."),
    refile_stale: bool = typer.Option(
        False, "--refile-stale", help="First re-queue what was filed against older folders."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """File the pending conversations into folders (AI or the local model)."""
    from inboxsync.ai import classify_pending
    from inboxsync.ai.classifier import requeue_stale, status_counts
    from inboxsync.usage import AiUsage

    inbox = _inbox(ctx)
    ids = [inbox.company_id(company)] if company else [c.id for c in inbox.companies()]
    usage = AiUsage()
    states: dict[str, int] = {}
    requeued = 0
    for company_id in ids:
        if refile_stale:
            requeued += requeue_stale(inbox.sessions, company_id)
        usage.add(classify_pending(inbox.sessions, inbox.settings, company_id))
        with inbox.sessions() as session:
            for status, n in status_counts(session, company_id).items():
                states[status] = states.get(status, 0) + n
    result = {"ai": asdict(usage), "conversations": states, "requeued": requeued}
    if as_json:
        print(json.dumps(result))
        return
    console.print(
        f"AI calls {usage.calls}, tokens in {usage.input_tokens} (cached {usage.cached_tokens})"
        f" out {usage.output_tokens}, cost ${usage.cost_usd:.6f}"
    )
    console.print(", ".join(f"{k} {v}" for k, v in sorted(states.items())) or "no conversations")


def folder_set(
    ctx: typer.Context,
    conversation_id: int = typer.Argument(..., help="The conversation to file."),
    folder: str = typer.Argument(..., help="Folder name or id, or `none` to unfile."),
) -> None:
    """File a conversation by hand: a user's decision is never overwritten."""
    from inboxsync.ai import set_folder

    done = set_folder(_inbox(ctx).sessions, conversation_id, folder)
    console.print(f"conversation {done.conversation_id} filed in {done.folder_name!r}")


def register_folder_commands(folder_app: typer.Typer) -> None:
    """Add `folder set` to the `folder` command group."""
    folder_app.command("set")(folder_set)


register_folder_commands(core.folder_app)


@app.command()
def costs(
    ctx: typer.Context,
    company: str | None = typer.Option(None, "--company", help="Company name or id."),
    since: datetime | None = typer.Option(
        None, "--since", formats=["%Y-%m-%d"], help="From this day (UTC), e.g. 2026-11-01."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """AI spend from the ledger: totals per purpose and model."""
    from inboxsync.ai import cost_report

    inbox = _inbox(ctx)
    company_id = inbox.company_id(company) if company else None
    with inbox.sessions() as session:
        rows = cost_report(session, company_id, since)
    total = round(sum(r.cost_usd for r in rows), 6)
    if as_json:
        print(json.dumps({"rows": [asdict(r) for r in rows], "total_usd": total}))
        return
    table = Table(title="AI costs", box=box.SIMPLE, pad_edge=False, collapse_padding=True)
    for col in ("purpose", "model", "calls", "failed", "items", "in", "cached", "out", "USD"):
        table.add_column(
            col, justify="left" if col in ("purpose", "model") else "right", no_wrap=col == "model"
        )
    for r in rows:
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
    table.add_row("total", "", "", "", "", "", "", "", f"{total:.6f}")
    console.print(table)


@app.command("eval-classifier")
def eval_classifier(
    ctx: typer.Context,
    data: Path = typer.Argument(..., help="Labeled JSON-lines file."),
    folders: Path = typer.Option(..., "--folders", help="JSON file of folder sets."),
    set_name: str = typer.Option(..., "--set", help="Which folder set of --folders."),
    provider: str | None = typer.Option(
        None, "--provider", help="local or openai (default: as configured)."
    ),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Score the first N rows."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Score a classifier on a labeled set.

    Prints the accuracy (abstentions count as wrong), per language, the abstentions and the
    most confused folder pairs."""
    from inboxsync.ai.evaluate import evaluate, load_folder_set, load_rows
    from inboxsync.ai.factory import make_provider

    if provider not in (None, "local", "openai"):
        raise UsageError("--provider is local or openai")
    settings = settings_of(ctx)
    rows = load_rows(data)[:limit]
    chosen = make_provider(settings, provider)  # type: ignore[arg-type]
    report = evaluate(
        chosen,
        load_folder_set(folders, set_name),
        rows,
        set_name=set_name,
        text_chars=settings.ai.text_chars,
    )
    if as_json:
        print(json.dumps(report.as_dict()))
        return
    console.print(
        f"{report.set}: accuracy {report.accuracy:.1%} on {report.n} ({report.provider}/"
        f"{report.model}), abstained {report.abstained}, {report.per_second:.1f} conversations/s"
    )
    for lang, v in report.by_language.items():
        console.print(f"  {lang}: {v['accuracy']:.1%} of {int(v['n'])}")
    for c in report.confused:
        console.print(f"  {c['expected']} → {c['predicted']}: {c['count']}")
