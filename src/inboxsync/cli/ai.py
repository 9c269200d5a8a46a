"""AI commands: classify, costs, eval-classifier."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer

from inboxsync.cli._app import AnyCompany, AsJson, inbox_of, settings_of
from inboxsync.cli.render import (
    classify_summary,
    costs_table,
    curve_table,
    eval_summary,
    present,
)

commands = typer.Typer()


@commands.command()
def classify(
    ctx: typer.Context,
    company: AnyCompany = None,
    refile_stale: bool = typer.Option(
        False, "--refile-stale", help="First re-queue what was filed against older folders."
    ),
    as_json: AsJson = False,
) -> None:
    """File the pending conversations into folders (AI or the local model)."""
    present(inbox_of(ctx).classify(company, refile_stale=refile_stale), as_json, classify_summary)


@commands.command()
def costs(
    ctx: typer.Context,
    company: AnyCompany = None,
    since: datetime | None = typer.Option(
        None, "--since", formats=["%Y-%m-%d"], help="From this day (UTC), e.g. 2026-11-01."
    ),
    as_json: AsJson = False,
) -> None:
    """AI spend from the ledger: totals per purpose and model."""
    present(inbox_of(ctx).costs(company, since=since), as_json, costs_table)


@commands.command("eval-classifier")
def eval_classifier(
    ctx: typer.Context,
    data: Path = typer.Argument(..., help="Labeled JSON-lines file."),
    folders: Path = typer.Option(..., "--folders", help="JSON file of folder sets."),
    set_name: str = typer.Option(..., "--set", help="Which folder set of --folders."),
    provider: str | None = typer.Option(
        None, "--provider", help="local or openai (default: as configured)."
    ),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Score the first N rows."),
    learning_curve: bool = typer.Option(
        False,
        "--learning-curve",
        help="Replay 0, 5, 10, 20 corrections per folder into the local model, scoring the rest.",
    ),
    seed: int = typer.Option(0, "--seed", help="First seed of the learning curve's draws."),
    as_json: AsJson = False,
) -> None:
    """Score a classifier on a labeled set.

    Prints the accuracy (abstentions count as wrong), per language, the abstentions and the
    most confused folder pairs; with --learning-curve, those as the local model learns."""
    from inboxsync.ai.evaluate import EvalReport
    from inboxsync.api import Inbox

    report = Inbox.evaluate_classifier(
        settings_of(ctx),
        data,
        folders,
        set_name,
        provider=provider,
        limit=limit,
        learning_curve=learning_curve,
        seed=seed,
    )
    if isinstance(report, EvalReport):
        present(report, as_json, eval_summary)
    else:
        present(report, as_json, curve_table)
