"""Inbox's webhook methods on both databases: what an endpoint starts from, secrets, input
refused, and another company's endpoint id NotFound exactly like an unknown one."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from inboxsync import Inbox, NotFound
from inboxsync.errors import UsageError
from tests.support.webhook_receiver import WebhookReceiver
from tests.webhooks.helpers import record

# Each method that takes an endpoint id, called in Acme's name.
BY_ID: dict[str, Callable[[Inbox, int], object]] = {
    "webhook_deliveries": lambda inbox, i: inbox.webhook_deliveries("Acme", i),
    "redeliver": lambda inbox, i: inbox.redeliver("Acme", i, from_seq=1),
    "remove_webhook": lambda inbox, i: inbox.remove_webhook("Acme", i),
    "deliver_webhooks": lambda inbox, i: inbox.deliver_webhooks("Acme", i),
}


def test_an_endpoint_receives_the_events_recorded_after_it_was_added(
    inbox: Inbox, receiver: WebhookReceiver
) -> None:
    record(inbox, ["message.created"] * 3)
    created = inbox.add_webhook("Acme", receiver.url)
    assert created.webhook.delivered_seq == 3
    record(inbox, ["conversation.created"])
    inbox.deliver_webhooks("Acme")
    assert [r.event["seq"] for r in receiver.accepted()] == [4]


def test_secrets_are_generated_unique_or_taken_as_given(inbox: Inbox) -> None:
    first = inbox.add_webhook("Acme", "https://crm.example/a")
    second = inbox.add_webhook("Acme", "https://crm.example/b")
    assert first.secret != second.secret and len(first.secret) > 40
    given = inbox.add_webhook("Acme", "https://crm.example/c", secret="x" * 16).secret
    assert given == "x" * 16
    for bad in ("short", "x" * 201, "sixteen chars\nxx"):
        with pytest.raises(UsageError, match="secret"):
            inbox.add_webhook("Acme", "https://crm.example/d", secret=bad)
    assert len(inbox.webhooks("Acme")) == 3


def test_bad_event_types_and_seqs_are_refused(inbox: Inbox) -> None:
    with pytest.raises(UsageError, match=r"unknown event types: message\.deleted"):
        inbox.add_webhook("Acme", "https://crm.example/a", event_types=["message.deleted"])
    hook = inbox.add_webhook("Acme", "https://crm.example/a").webhook
    record(inbox, ["message.created"])
    for seq in (0, 3):
        with pytest.raises(UsageError, match="from_seq is between 1 and 2"):
            inbox.redeliver("Acme", hook.id, from_seq=seq)


@pytest.mark.parametrize("method", sorted(BY_ID))
def test_another_companys_endpoint_is_not_found_as_an_unknown_one(
    inbox: Inbox, method: str
) -> None:
    inbox.add_company("Globex", ["support@globex.example"])
    theirs = inbox.add_webhook("Globex", "https://globex.example/in").webhook.id
    with pytest.raises(NotFound) as other:
        BY_ID[method](inbox, theirs)
    with pytest.raises(NotFound) as missing:
        BY_ID[method](inbox, theirs + 10_000)
    assert str(other.value) == f"no webhook {theirs} in this company"
    assert str(missing.value) == f"no webhook {theirs + 10_000} in this company"
    assert [w.id for w in inbox.webhooks("Globex")] == [theirs]
    assert inbox.webhooks("Acme") == ()
