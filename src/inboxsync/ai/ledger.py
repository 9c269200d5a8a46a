"""The cost ledger: a row per AI call, the usage and spend read back from it, the monthly cap."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, insert, select
from sqlalchemy.orm import Session

from inboxsync.ai.types import CallRecord
from inboxsync.config import Settings
from inboxsync.db.ai_models import AiCall
from inboxsync.db.models import Company, utcnow
from inboxsync.usage import AiUsage


def record_calls(session: Session, company_id: int | None, calls: Sequence[CallRecord]) -> None:
    """Append the calls to the ledger (one statement, in the caller's transaction)."""
    if not calls:
        return
    now = utcnow()
    session.execute(
        insert(AiCall),
        [
            {
                "company_id": company_id,
                "at": now,
                "provider": c.provider,
                "model": c.model,
                "purpose": c.purpose,
                "items": c.items,
                "input_tokens": c.input_tokens,
                "output_tokens": c.output_tokens,
                "cached_tokens": c.cached_tokens,
                "cost_usd": c.cost_usd,
                "latency_ms": c.latency_ms,
                "outcome": c.outcome,
                "detail": c.detail[:500],
            }
            for c in calls
        ],
    )


def usage_of(calls: Sequence[CallRecord]) -> AiUsage:
    """The AiUsage of ledger records (what a SyncReport's `ai_*` fields show)."""
    # The local model costs nothing and is not an AI call.
    paid = [c for c in calls if c.provider != "local"]
    return AiUsage(
        len(paid),
        sum(c.input_tokens for c in paid),
        sum(c.output_tokens for c in paid),
        sum(c.cached_tokens for c in paid),
        round(sum(c.cost_usd for c in paid), 8),
    )


def month_start(now: datetime) -> datetime:
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def cap_for(session: Session, settings: Settings, company_id: int) -> float | None:
    """The company's monthly cap in USD, if any (per-company setting, else the global one)."""
    if settings.ai.monthly_caps:
        name = session.scalar(select(Company.name).where(Company.id == company_id))
        if name is not None and name in settings.ai.monthly_caps:
            return settings.ai.monthly_caps[name]
    return settings.ai.monthly_cap_usd


def spent_this_month(session: Session, company_id: int, now: datetime | None = None) -> float:
    """USD the company's AI calls cost since the first of this month (UTC)."""
    start = month_start(now or utcnow())
    total = session.scalar(
        select(func.coalesce(func.sum(AiCall.cost_usd), 0.0)).where(
            AiCall.company_id == company_id, AiCall.at >= start
        )
    )
    return float(total or 0.0)


def over_cap(session: Session, settings: Settings, company_id: int) -> bool:
    """Whether the company reached its monthly AI spend cap."""
    cap = cap_for(session, settings, company_id)
    return cap is not None and spent_this_month(session, company_id) >= cap


@dataclass(frozen=True, slots=True)
class CostRow:
    """Totals of the ledger for one purpose and model."""

    purpose: str
    provider: str
    model: str
    calls: int
    items: int
    input_tokens: int
    output_tokens: int
    cached_tokens: int
    cost_usd: float
    failed_calls: int


def cost_report(
    session: Session, company_id: int | None = None, since: datetime | None = None
) -> list[CostRow]:
    """Ledger totals per purpose and model, optionally for one company and from a date."""
    failed = func.sum(case((AiCall.outcome.in_(["ok", "partial"]), 0), else_=1))
    q = select(
        AiCall.purpose,
        AiCall.provider,
        AiCall.model,
        func.count(),
        func.coalesce(func.sum(AiCall.items), 0),
        func.coalesce(func.sum(AiCall.input_tokens), 0),
        func.coalesce(func.sum(AiCall.output_tokens), 0),
        func.coalesce(func.sum(AiCall.cached_tokens), 0),
        func.coalesce(func.sum(AiCall.cost_usd), 0.0),
        failed,
    ).group_by(AiCall.purpose, AiCall.provider, AiCall.model)
    if company_id is not None:
        q = q.where(AiCall.company_id == company_id)
    if since is not None:
        q = q.where(AiCall.at >= since)
    rows = session.execute(q.order_by(AiCall.purpose, AiCall.model)).all()
    return [
        CostRow(
            purpose=r[0],
            provider=r[1],
            model=r[2],
            calls=int(r[3]),
            items=int(r[4]),
            input_tokens=int(r[5]),
            output_tokens=int(r[6]),
            cached_tokens=int(r[7]),
            cost_usd=round(float(r[8]), 6),
            failed_calls=int(r[9] or 0),
        )
        for r in rows
    ]


def usage_since(
    session: Session, company_ids: Sequence[int], since: datetime, purpose: str
) -> AiUsage:
    """The AI usage recorded for these companies since `since`, for one purpose (the local
    model's rows are not AI calls and are left out, as in `usage_of`)."""
    row = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(AiCall.input_tokens), 0),
            func.coalesce(func.sum(AiCall.output_tokens), 0),
            func.coalesce(func.sum(AiCall.cached_tokens), 0),
            func.coalesce(func.sum(AiCall.cost_usd), 0.0),
        ).where(
            AiCall.company_id.in_(company_ids),
            AiCall.at >= since,
            AiCall.purpose == purpose,
            AiCall.provider != "local",
        )
    ).one()
    calls, input_tokens, output_tokens, cached_tokens, cost = row
    return AiUsage(calls, input_tokens, output_tokens, cached_tokens, round(float(cost), 8))
