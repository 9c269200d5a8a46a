"""The webhook commands, thin over Inbox: add (the secret shown once), list, deliver,
deliveries, redeliver, remove, and one-line errors for bad input and other companies' ids."""

from __future__ import annotations

import json

from inboxsync import Inbox
from tests.support.cli import invoke, ok
from tests.support.webhook_receiver import WebhookReceiver
from tests.webhooks.helpers import record

# The receivers listen on loopback.
LOOPBACK_ALLOWED = {"INBOXSYNC_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true"}


def acme(db_url: str, *args: str) -> str:
    """The stdout of `inboxsync webhook ARGS… --company Acme`, which must succeed."""
    return ok(invoke("webhook", *args, "--company", "Acme", db=db_url, env=LOOPBACK_ALLOWED))


def test_the_webhook_commands_from_add_to_remove(
    db_url: str, inbox: Inbox, receiver: WebhookReceiver
) -> None:
    created = json.loads(acme(db_url, "add", receiver.url, "--json"))
    hook_id, secret = created["webhook"]["id"], created["secret"]
    assert secret.startswith("whsec_") and created["webhook"]["event_types"] == []
    record(inbox, ["message.created", "conversation.created"])
    assert acme(db_url, "deliver").strip() == f"webhook {hook_id}: 2 delivered, now at seq 2"
    listed = json.loads(acme(db_url, "list", "--json"))
    assert [(w["id"], w["delivered_seq"], w["status"]) for w in listed["webhooks"]] == [
        (hook_id, 2, "active")
    ]
    assert secret not in json.dumps(listed)
    log = acme(db_url, "deliveries", str(hook_id), "--json")
    assert [(d["event_seq"], d["status_code"]) for d in json.loads(log)["deliveries"]] == [
        (2, 200),
        (1, 200),
    ]
    again = acme(db_url, "redeliver", str(hook_id), "--from", "2")
    assert "events after 1 will be sent again" in again
    acme(db_url, "deliver", str(hook_id))
    assert [r.event["seq"] for r in receiver.accepted()] == [1, 2, 2]
    assert acme(db_url, "remove", str(hook_id)).strip() == f"webhook {hook_id} removed"
    assert inbox.webhooks("Acme") == ()


def test_add_prints_the_secret_and_the_type_filter(db_url: str, inbox: Inbox) -> None:
    out = acme(
        db_url, "add", "https://crm.example/in",
        "--type", "conversation.created", "--type", "message.created",
    )  # fmt: skip
    assert "added: https://crm.example/in (conversation.created message.created)" in out
    (hook,) = inbox.webhooks("Acme")
    assert hook.event_types == ("conversation.created", "message.created")
    assert "secret: whsec_" in out


def test_bad_input_and_other_companies_ids_are_one_line_errors(db_url: str, inbox: Inbox) -> None:
    inbox.add_company("Globex", ["support@globex.example"])
    theirs = inbox.add_webhook("Globex", "https://globex.example/in").webhook.id
    cases = {
        ("add", "ftp://crm.example/in"): "http:// or https://",
        ("add", "https://user:pw@crm.example/in"): "no credentials",
        ("add", "https://crm.example/in", "--type", "nope"): "unknown event types: nope",
        ("deliveries", str(theirs)): f"no webhook {theirs} in this company",
        ("redeliver", str(theirs), "--from", "1"): f"no webhook {theirs} in this company",
        ("remove", str(theirs)): f"no webhook {theirs} in this company",
        ("deliver", str(theirs)): f"no webhook {theirs} in this company",
    }
    for args, message in cases.items():
        result = invoke("webhook", *args, "--company", "Acme", db=db_url)
        assert result.exit_code == 2, (args, result.output)
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith("error: ") and message in line, args
    assert len(inbox.webhooks("Globex")) == 1 and inbox.webhooks("Acme") == ()
