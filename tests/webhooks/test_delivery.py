"""Delivery to real receivers on loopback, on both databases: every event once and in order
through failures, signatures, the type filter, independent endpoints, backoff, disabling,
and two deliverers racing for one endpoint."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime

import pytest

from inboxsync import Inbox
from inboxsync.db.models import utcnow
from inboxsync.errors import UsageError
from inboxsync.webhooks import DeliveryPolicy, DeliveryReport, deliver_endpoint, verify
from inboxsync.webhooks.state import release_lease, take_lease
from tests.support.celery import wait_for
from tests.support.webhook_receiver import WebhookReceiver
from tests.webhooks.helpers import accepted_ids, all_ids, deliver_until_caught_up, record

TYPES = ["message.created", "conversation.created", "conversation.classified"]


def deliver(inbox: Inbox, endpoint_id: int, policy: DeliveryPolicy) -> DeliveryReport:
    return deliver_endpoint(inbox.sessions, inbox.settings, endpoint_id, force=True, policy=policy)


def test_every_event_arrives_once_in_order_even_after_three_failures(
    inbox: Inbox, receiver: WebhookReceiver
) -> None:
    hook = inbox.add_webhook("Acme", receiver.url).webhook
    record(inbox, TYPES * 10)
    receiver.fail_next(3)
    assert deliver_until_caught_up(inbox) == 4
    ids = accepted_ids(receiver)
    assert set(ids) == all_ids(inbox) and len(ids) == 30
    assert set(ids.values()) == {1}
    seqs = [r.event["seq"] for r in receiver.accepted()]
    assert seqs == sorted(seqs)
    log = inbox.webhook_deliveries("Acme", hook.id, limit=1000)
    first = sorted((d.attempt, d.status_code) for d in log if d.event_seq == 1)
    assert first == [(1, 500), (2, 500), (3, 500), (4, 200)]
    assert inbox.webhooks("Acme")[0].failures == 0


def test_signature_verifies_and_a_tampered_body_does_not(
    inbox: Inbox, receiver: WebhookReceiver
) -> None:
    created = inbox.add_webhook("Acme", receiver.url, secret="s3cret-of-sixteen-chars")
    record(inbox, ["message.created"])
    inbox.deliver_webhooks("Acme")
    (request,) = receiver.accepted()
    header = request.headers["inboxsync-signature"]
    assert verify(created.secret, header, request.body)
    assert not verify(created.secret, header, request.body.replace(b'"n":0', b'"n":1'))
    assert not verify("another-secret-of-16+", header, request.body)
    assert not verify(created.secret, header, request.body, now=time.time() + 3600)
    company_id = inbox.company_id("Acme")
    assert request.headers["inboxsync-event-id"] == request.event["id"] == f"{company_id}-1"
    assert request.event["type"] == "message.created" and request.event["data"] == {"n": 0}


def test_the_type_filter_sends_its_types_and_moves_past_the_others(
    inbox: Inbox, receiver: WebhookReceiver
) -> None:
    inbox.add_webhook("Acme", receiver.url, event_types=["conversation.created"])
    record(inbox, TYPES * 3 + ["message.created"])
    inbox.deliver_webhooks("Acme")
    assert [r.event["type"] for r in receiver.accepted()] == ["conversation.created"] * 3
    assert inbox.webhooks("Acme")[0].delivered_seq == 10


def test_a_dead_endpoint_never_blocks_another(
    inbox: Inbox, receivers: Callable[[], WebhookReceiver]
) -> None:
    alive, dead = receivers(), receivers()
    dead.fail_always(500)
    inbox.add_webhook("Acme", dead.url)
    inbox.add_webhook("Acme", alive.url)
    record(inbox, TYPES * 4)
    dead_report, alive_report = inbox.deliver_webhooks("Acme")
    assert dead_report.failed and dead_report.delivered == 0 and dead_report.retry_in
    assert not alive_report.failed and alive_report.delivered == 12
    assert set(accepted_ids(alive)) == all_ids(inbox)
    dead_hook, alive_hook = inbox.webhooks("Acme")
    assert (dead_hook.delivered_seq, dead_hook.failures) == (0, 1)
    assert alive_hook.delivered_seq == 12


def waits(hook_next: datetime | None, now: datetime) -> float:
    assert hook_next is not None
    return (hook_next - now).total_seconds()


def test_backoff_grows_with_each_failure(inbox: Inbox, receiver: WebhookReceiver) -> None:
    receiver.fail_always(503)
    hook = inbox.add_webhook("Acme", receiver.url).webhook
    record(inbox, ["message.created"])
    policy = DeliveryPolicy(
        backoff_seconds=2.0, max_backoff_seconds=1000.0, allow_private_targets=True
    )
    delays = []
    for _ in range(5):
        report = deliver(inbox, hook.id, policy)
        assert report.failed and report.retry_in is not None
        delays.append(report.retry_in)
    # Failure n waits between half and all of 2 s × 2ⁿ⁻¹ (less the time since it was set).
    for n, delay in enumerate(delays, 1):
        assert 2.0 * 2 ** (n - 1) / 2 - 1 <= delay <= 2.0 * 2 ** (n - 1)
    assert delays[0] < delays[2] < delays[4]
    assert inbox.webhooks("Acme")[0].failures == 5


def test_an_endpoint_failing_longer_than_the_window_is_disabled(
    inbox: Inbox, receiver: WebhookReceiver
) -> None:
    receiver.fail_always(500)
    hook = inbox.add_webhook("Acme", receiver.url).webhook
    record(inbox, ["message.created"])
    policy = DeliveryPolicy(
        backoff_seconds=0.01, disable_after_seconds=0.3, allow_private_targets=True
    )
    assert deliver(inbox, hook.id, policy).status == "active"
    time.sleep(0.4)
    report = deliver(inbox, hook.id, policy)
    assert report.status == "disabled" and report.retry_in is None
    (disabled,) = inbox.webhooks("Acme")
    assert disabled.disabled_reason.startswith("failing since")
    assert "2 attempts; last: HTTP 500" in disabled.disabled_reason
    assert deliver(inbox, hook.id, policy).delivered == 0
    assert len(receiver.requests) == 2


def test_410_gone_disables_at_once_and_redeliver_enables_again(
    inbox: Inbox, receiver: WebhookReceiver
) -> None:
    receiver.fail_next(1, 410)
    hook = inbox.add_webhook("Acme", receiver.url).webhook
    record(inbox, TYPES)
    (report,) = inbox.deliver_webhooks("Acme")
    assert report.status == "disabled" and report.failed
    assert "410 Gone" in inbox.webhooks("Acme")[0].disabled_reason
    assert inbox.deliver_webhooks("Acme") == ()
    again = inbox.redeliver("Acme", hook.id, from_seq=1)
    assert (again.status, again.delivered_seq, again.failures) == ("active", 0, 0)
    deliver_until_caught_up(inbox)
    assert [r.event["seq"] for r in receiver.accepted()] == [1, 2, 3]
    inbox.redeliver("Acme", hook.id, from_seq=2)
    deliver_until_caught_up(inbox)
    assert [r.event["seq"] for r in receiver.accepted()] == [1, 2, 3, 2, 3]


def test_a_redirect_is_a_failure_and_never_followed(
    inbox: Inbox, receiver: WebhookReceiver
) -> None:
    receiver.fail_next(1, 302)
    inbox.add_webhook("Acme", receiver.url)
    record(inbox, ["message.created"])
    (report,) = inbox.deliver_webhooks("Acme")
    assert report.failed and len(receiver.requests) == 1


def test_an_unreachable_endpoint_is_logged_without_a_status(inbox: Inbox) -> None:
    hook = inbox.add_webhook("Acme", "http://127.0.0.1:9/hook").webhook
    record(inbox, ["message.created"])
    (report,) = inbox.deliver_webhooks("Acme")
    assert report.failed
    (attempt,) = inbox.webhook_deliveries("Acme", hook.id)
    assert attempt.status_code is None and "ConnectError" in attempt.error


def test_two_deliverers_racing_deliver_each_event_once(
    inbox: Inbox, receiver: WebhookReceiver
) -> None:
    receiver.slow(0.01)
    hook = inbox.add_webhook("Acme", receiver.url).webhook
    record(inbox, TYPES * 8)
    start = threading.Barrier(4)
    reports: list[DeliveryReport] = []

    def run() -> None:
        start.wait()
        reports.append(deliver_endpoint(inbox.sessions, inbox.settings, hook.id))

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    ids = accepted_ids(receiver)
    assert set(ids) == all_ids(inbox) and set(ids.values()) == {1}
    assert sum(r.delivered for r in reports) == 24
    assert sum(r.busy for r in reports) >= 1
    assert inbox.webhooks("Acme")[0].delivered_seq == 24


def test_a_waiting_endpoint_is_not_tried_before_its_time(
    inbox: Inbox, receiver: WebhookReceiver
) -> None:
    receiver.fail_next(1)
    hook = inbox.add_webhook("Acme", receiver.url).webhook
    record(inbox, ["message.created"])
    inbox.deliver_webhooks("Acme")
    report = deliver_endpoint(inbox.sessions, inbox.settings, hook.id)
    assert not report.failed and report.delivered == 0
    assert report.retry_in is not None and report.retry_in > 1
    assert len(receiver.requests) == 1
    assert utcnow() < (inbox.webhooks("Acme")[0].next_attempt_at or utcnow())


@pytest.mark.parametrize("limit", [0, 1001])
def test_a_delivery_log_limit_out_of_range_is_refused(inbox: Inbox, limit: int) -> None:
    hook = inbox.add_webhook("Acme", "https://crm.example/hook").webhook
    with pytest.raises(UsageError, match="limit"):
        inbox.webhook_deliveries("Acme", hook.id, limit=limit)


def test_a_live_lease_is_respected_and_a_dead_holders_is_taken_over(
    inbox: Inbox, receiver: WebhookReceiver
) -> None:
    hook = inbox.add_webhook("Acme", receiver.url).webhook
    record(inbox, TYPES)
    with inbox.sessions() as session:
        assert take_lease(session, hook.id, "live worker", utcnow(), 60) is not None
    report = deliver_endpoint(inbox.sessions, inbox.settings, hook.id)
    assert report.busy and report.delivered == 0 and receiver.requests == []
    # A holder that died: its lease ran out a second ago.
    with inbox.sessions() as session:
        release_lease(session, hook.id, "live worker")
        assert take_lease(session, hook.id, "dead worker", utcnow(), -1) is not None
    report = deliver_endpoint(inbox.sessions, inbox.settings, hook.id)
    assert not report.busy and report.delivered == 3
    assert set(accepted_ids(receiver)) == all_ids(inbox)


def test_a_redelivery_during_a_delivery_wins_over_its_position(
    inbox: Inbox, receiver: WebhookReceiver
) -> None:
    hook = inbox.add_webhook("Acme", receiver.url).webhook
    record(inbox, TYPES)
    inbox.deliver_webhooks("Acme")
    record(inbox, TYPES[:2])
    receiver.hold()
    running = threading.Thread(target=inbox.deliver_webhooks, args=("Acme",))
    running.start()
    wait_for(lambda: receiver.arrived == 4, what="event 4 in flight")
    # Event 4 is in flight when the operator asks for everything from 2 on again.
    inbox.redeliver("Acme", hook.id, from_seq=2)
    receiver.release()
    running.join(30)
    assert [r.event["seq"] for r in receiver.accepted()] == [1, 2, 3, 4, 2, 3, 4, 5]
    assert inbox.webhooks("Acme")[0].delivered_seq == 5
