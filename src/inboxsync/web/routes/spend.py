"""The operator page of AI spend: the last 30 days as a bar chart the server draws, against
the monthly cap (its daily share as a line), this month's total and the figures."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from markupsafe import Markup
from starlette.requests import Request

from inboxsync.db.models import utcnow
from inboxsync.operations.operator_view import SpendByDay
from inboxsync.server.auth import inbox_of
from inboxsync.web.charts import Bar, Line, bar_chart
from inboxsync.web.i18n import Translate, choose_language, translator
from inboxsync.web.pages import render
from inboxsync.web.session import AdminUser

router = APIRouter(include_in_schema=False)

DAYS = 30
# One label under every this many bars: 30 labels do not fit at 390 px.
LABEL_EVERY = 5


@router.get("/admin/spend", response_class=HTMLResponse)
def spend_page(request: Request, user: AdminUser) -> HTMLResponse:
    """The company's AI spend per day for the last 30 days, this month's and the cap."""
    now = utcnow()
    spend = inbox_of(request).spend_by_day(user.company_id, days=DAYS, now=now)
    t = translator(choose_language(request))
    days_in_month = calendar.monthrange(now.year, now.month)[1]
    daily_cap = spend.monthly_cap_usd / days_in_month if spend.monthly_cap_usd else None
    context = {
        "spend": spend,
        "chart": spend_chart(spend, t, daily_cap),
        "daily_cap": daily_cap,
        "share": (
            min(1.0, spend.month_to_date_usd / spend.monthly_cap_usd)
            if spend.monthly_cap_usd
            else None
        ),
    }
    return render(request, "admin/spend.html", context)


def spend_chart(spend: SpendByDay, t: Translate, daily_cap: float | None) -> Markup:
    """The chart of `spend`: one slot per day from its first, a bar where there was spend."""
    by_day = {d.day: d for d in spend.days}
    first = spend.since.date()
    bars: list[Bar] = []
    for i in range(DAYS):
        day: date = first + timedelta(days=i)
        spent = by_day.get(day)
        cost = spent.cost_usd if spent else 0.0
        calls = spent.calls if spent else 0
        label = str(day.day) if i % LABEL_EVERY == 0 or i == DAYS - 1 else ""
        bars.append(
            Bar(
                label,
                cost,
                t("admin.spend.bar", day=day.isoformat(), cost=f"{cost:.4f}", calls=calls),
            )
        )
    line = (
        Line(daily_cap, t("admin.spend.daily_cap", cost=f"{daily_cap:.2f}")) if daily_cap else None
    )
    return bar_chart(bars, title=t("admin.spend.chart"), line=line, unit="$")
