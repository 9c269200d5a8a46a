"""What the webhook tests share: events recorded straight into the feed, delivery until an
endpoint has caught up, and what a receiver accepted."""

from __future__ import annotations

from collections import Counter

from inboxsync import Inbox
from inboxsync.db.events import NewEvent, record_events
from tests.support.webhook_receiver import WebhookReceiver


def record(inbox: Inbox, types: list[str], company: str = "Acme") -> None:
    """Record one event of each of `types` for the company, in one transaction."""
    company_id = inbox.company_id(company)
    with inbox.sessions.begin() as session:
        record_events(
            session, company_id, [NewEvent(t, data={"n": i}) for i, t in enumerate(types)]
        )


def deliver_until_caught_up(inbox: Inbox, company: str = "Acme", rounds: int = 10) -> int:
    """Run `deliver_webhooks` (as the CLI does) until every active endpoint has delivered the
    company's last event; returns the rounds it took."""
    for round_ in range(1, rounds + 1):
        inbox.deliver_webhooks(company)
        last = inbox.events(company, after=0, limit=1000).next_after
        if all(w.delivered_seq == last for w in inbox.webhooks(company) if w.status == "active"):
            return round_
    raise AssertionError(f"not caught up after {rounds} rounds: {inbox.webhooks(company)}")


def accepted_ids(receiver: WebhookReceiver, path: str | None = None) -> Counter[str]:
    """How often each event id was accepted (answered 2xx) by the receiver."""
    return Counter(r.headers["inboxsync-event-id"] for r in receiver.accepted(path))


def all_ids(inbox: Inbox, company: str = "Acme") -> set[str]:
    """The ids of every event of the company."""
    company_id = inbox.company_id(company)
    return {f"{company_id}-{e.seq}" for e in inbox.events(company, limit=1000).events}
