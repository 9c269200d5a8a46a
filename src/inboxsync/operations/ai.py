"""`Inbox`'s AI operations: classify, what it cost, scoring a classifier."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import cast

from inboxsync.ai import classify_pending, cost_report, make_provider
from inboxsync.ai.evaluate import (
    EvalReport,
    LearningCurve,
    evaluate,
    load_folder_set,
    load_rows,
)
from inboxsync.ai.evaluate import learning_curve as replay_curve
from inboxsync.ai.factory import ProviderKind
from inboxsync.ai.states import requeue_stale, status_counts
from inboxsync.config import Settings
from inboxsync.errors import UsageError
from inboxsync.operations._base import InboxBase
from inboxsync.results import (
    ClassifyReport,
    CostReport,
)
from inboxsync.usage import AiUsage


class AiOperations(InboxBase):
    """The AI operations."""

    def classify(
        self, company: str | int | None = None, *, refile_stale: bool = False
    ) -> ClassifyReport:
        """File the pending conversations (of one company, else of every company) into
        folders; with `refile_stale`, first re-queue what was filed against older folders."""
        with self.reader_sessions() as session:
            company_ids = self._company_ids(session, company)
        usage = AiUsage()
        states: dict[str, int] = {}
        requeued = 0
        for company_id in company_ids:
            if refile_stale:
                requeued += requeue_stale(self.sessions, company_id)
            usage += classify_pending(self.sessions, self.settings, company_id)
            with self.reader_sessions() as session:
                for status, n in status_counts(session, company_id).items():
                    states[status] = states.get(status, 0) + n
        return ClassifyReport(ai=usage, conversations=states, requeued=requeued)

    def costs(
        self, company: str | int | None = None, *, since: datetime | None = None
    ) -> CostReport:
        """AI spend from the ledger (of one company, else all; from `since`, naive UTC), per
        purpose and model."""
        with self.reader_sessions() as session:
            rows = cost_report(session, self._company_or_all(session, company), since)
        return CostReport(tuple(rows), round(sum(r.cost_usd for r in rows), 6))

    @staticmethod
    def evaluate_classifier(
        settings: Settings,
        data: Path,
        folders: Path,
        folder_set: str,
        *,
        provider: str | None = None,
        limit: int | None = None,
        learning_curve: bool = False,
        seed: int = 0,
    ) -> EvalReport | LearningCurve:
        """Score a classifier (`provider` local or openai, else as configured) on the first
        `limit` rows of a labeled JSON-lines file, against the folder set `folder_set` of a
        JSON file. With `learning_curve`, the local model's accuracy as it learns 0, 5, 10
        and 20 corrections per folder (draws seeded from `seed`). Needs no database."""
        if provider not in (None, "local", "openai"):
            raise UsageError(f"provider is local or openai, not {provider!r}")
        folder_defs = load_folder_set(folders, folder_set)
        rows = load_rows(data)[:limit]
        if learning_curve:
            if provider == "openai":
                raise UsageError("the learning curve replays corrections: local provider only")
            from inboxsync.ai.local_provider import LocalProvider

            return replay_curve(
                LocalProvider(settings),
                folder_defs,
                rows,
                seed=seed,
                set_name=folder_set,
                text_chars=settings.ai.text_chars,
            )
        return evaluate(
            make_provider(settings, cast(ProviderKind | None, provider)),
            folder_defs,
            rows,
            set_name=folder_set,
            text_chars=settings.ai.text_chars,
        )
