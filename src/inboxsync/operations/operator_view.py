"""`Inbox`'s reads for the operator pages: the outbox a page at a time, AI spend per day
against the monthly cap, and an auto-reply template previewed on a real conversation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from inboxsync.ai.ledger import cap_for, spent_this_month
from inboxsync.db import companies as company_store
from inboxsync.db import operator_view as view_store
from inboxsync.db.companies import find_folder
from inboxsync.db.listing import Page
from inboxsync.db.models import utcnow
from inboxsync.db.operator_view import DaySpend, RecentConversation
from inboxsync.errors import NotFound, UsageError
from inboxsync.operations._base import InboxBase
from inboxsync.outbound.auto_reply import DEFAULT_SUBJECT, load_case
from inboxsync.outbound.outbox import OutboxRow
from inboxsync.outbound.templates import (
    TemplateValues,
    render,
    render_subject,
    unknown_placeholders,
)

MAX_SPEND_DAYS = 366


@dataclass(frozen=True, slots=True)
class SpendByDay:
    """A company's AI spend: per day from `since` (days with calls), this month's total and
    the monthly cap (None: no cap)."""

    since: datetime
    days: tuple[DaySpend, ...]
    month_to_date_usd: float
    monthly_cap_usd: float | None


@dataclass(frozen=True, slots=True)
class AutoReplyPreview:
    """An auto-reply as the job would write it for conversation `conversation_id`; names in
    braces that are no placeholder are listed in `unknown`."""

    conversation_id: int
    conversation_subject: str
    subject: str
    body: str
    unknown: tuple[str, ...]


class OperatorViewOperations(InboxBase):
    """The reads of the operator pages."""

    def outbox_page(
        self, company: str | int, *, cursor: str | None = None, limit: int = 50
    ) -> Page[OutboxRow]:
        """A page of the company's outbox (auto-replies and replies), newest first; pass its
        `next_cursor` back as `cursor` for the next one."""
        with self.reader_sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
            return view_store.outbox_page(session, company_id, cursor=cursor, limit=limit)

    def spend_by_day(
        self, company: str | int, *, days: int = 30, now: datetime | None = None
    ) -> SpendByDay:
        """The company's AI spend per day over the last `days` days (today included, UTC),
        with this month's total and its monthly cap."""
        if not 1 <= days <= MAX_SPEND_DAYS:
            raise UsageError(f"days is between 1 and {MAX_SPEND_DAYS}, not {days}")
        now = now or utcnow()
        since = now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=days - 1)
        with self.reader_sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
            return SpendByDay(
                since,
                tuple(view_store.daily_spend(session, company_id, since)),
                round(spent_this_month(session, company_id, now), 6),
                cap_for(session, self.settings, company_id),
            )

    def preview_conversations(
        self, company: str | int, folder: str | int, *, limit: int = 10
    ) -> tuple[RecentConversation, ...]:
        """Recent conversations to preview the folder's auto-reply on, the folder's own first."""
        with self.reader_sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
            folder_id = find_folder(session, company_id, folder).id
            return tuple(view_store.recent_conversations(session, company_id, folder_id, limit))

    def preview_auto_reply(
        self, company: str | int, conversation_id: int, *, subject: str, body: str
    ) -> AutoReplyPreview:
        """The auto-reply these templates would give for the conversation, rendered with the
        values the auto-reply job reads (its client, its first incoming subject, the company);
        an empty subject is the job's default. Nothing is stored or sent."""
        with self.reader_sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
            case = load_case(session, self.settings, conversation_id)
        if case is None or case.company_id != company_id:
            raise NotFound(f"no conversation {conversation_id}")
        values = TemplateValues(case.client_name, case.trigger_subject, case.company_name)
        subject_template = subject or DEFAULT_SUBJECT
        return AutoReplyPreview(
            conversation_id,
            case.trigger_subject,
            render_subject(subject_template, values),
            render(body, values),
            tuple(unknown_placeholders(subject_template + "\n" + body)),
        )
