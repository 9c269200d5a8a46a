"""Where a delivery may connect: by default not to this machine or a private network — at
registration for an address literal, at delivery for a name, checked on the address the request
then uses — and, where allowed, to the checked address under the endpoint's own Host."""

from __future__ import annotations

import re

import pytest

from inboxsync import Inbox, Settings
from inboxsync.errors import UsageError
from inboxsync.webhooks import DeliveryPolicy, deliver_endpoint, validate_url
from inboxsync.webhooks.targets import TargetRefused, pin_targets
from tests.support.webhook_receiver import WebhookReceiver
from tests.webhooks.helpers import record

INSIDE = [
    "http://127.0.0.1:8080/in",
    "http://localhost/in",
    "http://api.localhost/in",
    "https://[::1]:8443/h",
    "http://10.1.2.3/in",
    "http://192.168.0.10/in",
    "http://172.16.5.4/in",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/in",
    "http://0.0.0.0/in",
    "http://[fd00::1]/in",
    "http://[::ffff:127.0.0.1]/in",
    "http://224.0.0.1/in",
]


@pytest.mark.parametrize("url", INSIDE)
def test_an_address_inside_is_refused_at_registration_unless_allowed(url: str) -> None:
    with pytest.raises(UsageError, match=r"must not lead inside.*ALLOW_PRIVATE_TARGETS"):
        validate_url(url)
    assert validate_url(url, allow_private=True) == url


@pytest.mark.parametrize("url", INSIDE)
def test_an_address_inside_is_refused_at_delivery_too(url: str) -> None:
    with pytest.raises(TargetRefused, match="ALLOW_PRIVATE_TARGETS"):
        pin_targets(url, allow_private=False)


def test_a_public_address_is_pinned_with_the_hosts_name_kept() -> None:
    [target] = pin_targets("https://93.184.215.14:8443/hooks?x=1", allow_private=False)
    assert target.url == "https://93.184.215.14:8443/hooks?x=1"
    assert target.headers == {"Host": "93.184.215.14:8443"}
    assert target.extensions == {"sni_hostname": "93.184.215.14"}


def test_a_name_that_resolves_inside_is_refused_at_delivery() -> None:
    # A name, not a literal: only its lookup can tell (here: this machine's own name).
    with pytest.raises(TargetRefused, match=r"localhost\. resolves to|is this machine"):
        pin_targets("http://localhost./in", allow_private=False)
    with pytest.raises(TargetRefused, match="does not resolve"):
        pin_targets("http://no-such-host.invalid/in", allow_private=False)


def test_a_name_is_requested_at_its_checked_address_under_its_own_host(
    inbox: Inbox, receiver: WebhookReceiver
) -> None:
    port = receiver.url.split(":")[2].split("/")[0]
    hook = inbox.add_webhook("Acme", f"http://localhost:{port}/named").webhook
    record(inbox, ["message.created"])
    report = deliver_endpoint(inbox.sessions, inbox.settings, hook.id)
    assert report.delivered == 1
    [request] = receiver.requests
    assert request.path == "/named" and request.headers["host"] == f"localhost:{port}"


def test_by_default_a_receiver_on_loopback_gets_nothing(
    db_url: str, inbox: Inbox, receiver: WebhookReceiver
) -> None:
    hook = inbox.add_webhook("Acme", receiver.url).webhook  # registered while allowed
    record(inbox, ["message.created"])
    guarded = Settings(db=db_url)
    report = deliver_endpoint(inbox.sessions, guarded, hook.id, policy=DeliveryPolicy.of(guarded))
    assert report.failed and report.delivered == 0 and receiver.arrived == 0
    [attempt] = inbox.webhook_deliveries("Acme", hook.id)
    assert re.match(r"refused: 127\.0\.0\.1, a private", attempt.error), attempt.error
