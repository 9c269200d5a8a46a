"""POST /v1/conversations/{id}/replies over the real server, on both databases: 202 with the
reply's id and Message-ID, the mail sent once to the real SMTP server; the same
Idempotency-Key answers 200 with the same reply, with another body 422; hostile bodies and
keys are 4xx JSON, never a 500 nor a header we did not mean; GET …/replies/{id} shows it."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from inboxsync.jobs import get_queue
from tests.server.conftest import World, error_of
from tests.support.smtp_server import SmtpServer


@pytest.fixture
def acme(world: World, smtp: SmtpServer) -> int:
    """Acme sending through the recording SMTP server; the id of its one conversation."""
    world.inbox.set_smtp("Acme", host="127.0.0.1", port=smtp.port, tls="none")
    [conversation] = world.inbox.conversations("Acme")
    return conversation.id


def settle(world: World) -> None:
    """Wait for the server's inline jobs (the server runs in this process)."""
    assert get_queue(world.inbox.settings).join(timeout=60)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_a_reply_is_accepted_then_sent_once_and_shown(
    world: World, acme: int, smtp: SmtpServer
) -> None:
    body = {
        "text": "Here it is.",
        "attachments": [
            {"filename": "fix.txt", "content_type": "text/plain", "content_base64": b64(b"ok")}
        ],
    }
    with world.client(world.acme_write) as client:
        posted = client.post(f"/v1/conversations/{acme}/replies", json=body)
        assert posted.status_code == 202, posted.text
        receipt = posted.json()
        assert receipt["status"] == "queued" and receipt["replayed"] is False
        settle(world)
        shown = client.get(f"/v1/conversations/{acme}/replies/{receipt['reply_id']}")
    assert shown.status_code == 200 and shown.json()["status"] == "sent"
    [mail] = smtp.received
    assert mail.message["Message-ID"] == f"<{receipt['message_id']}>"
    assert [p.get_content() for p in mail.message.iter_attachments()] == ["ok"]


def test_the_same_key_answers_the_same_reply_and_another_body_is_422(
    world: World, acme: int, smtp: SmtpServer
) -> None:
    path = f"/v1/conversations/{acme}/replies"
    key = {"Idempotency-Key": "ticket-7/answer-1"}
    with world.client(world.acme_write) as client:
        first = client.post(path, json={"text": "Once."}, headers=key)
        settle(world)
        again = client.post(path, json={"text": "Once."}, headers=key)
        other = client.post(path, json={"text": "Twice?"}, headers=key)
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["reply_id"] == first.json()["reply_id"]
    assert again.json()["message_id"] == first.json()["message_id"]
    assert other.status_code == 422 and error_of(other)["code"] == "idempotency_mismatch"
    settle(world)
    assert len(smtp.received) == 1


def _attachment(**fields: Any) -> dict[str, Any]:
    return {"attachments": [{"filename": "a.txt", "content_base64": b64(b"x")} | fields]}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 422, "invalid_reply"),
        ({"text": 5}, 422, "invalid_request"),
        ({"text": "x", "bcc": "victim@example.com"}, 422, "invalid_request"),
        ({"text": "x"} | _attachment(content_base64="not base64!"), 422, "invalid_reply"),
        ({"text": "x"} | _attachment(filename="../../etc/passwd"), 422, "invalid_reply"),
        ({"text": "x"} | _attachment(filename="a.txt\r\nBcc: v@x.example"), 422, "invalid_reply"),
        ({"text": "x"} | _attachment(filename="a*=utf-8''b.exe"), 422, "invalid_reply"),
        (
            {"text": "x"} | _attachment(content_type="text/html\r\nBcc: v@x.example"),
            422,
            "invalid_reply",
        ),
        (
            {"text": "x", "attachments": [_attachment()["attachments"][0]] * 11},
            422,
            "invalid_request",
        ),
        ({"text": "a\u0000b"}, 422, "invalid_reply"),
        ({"text": "x" * 2_000_000}, 413, "too_large"),
    ],
)
def test_a_hostile_reply_is_refused_before_anything_is_written(
    world: World, acme: int, smtp: SmtpServer, body: dict[str, Any], status: int, code: str
) -> None:
    with world.client(world.acme_write) as client:
        answer = client.post(f"/v1/conversations/{acme}/replies", json=body)
    assert (answer.status_code, error_of(answer)["code"]) == (status, code), answer.text
    assert world.inbox.outbox("Acme").rows == ()
    settle(world)
    assert smtp.received == []


@pytest.mark.parametrize("key", [b"k" * 201, "cl\u00e9".encode("latin-1"), b""])
def test_an_idempotency_key_that_is_not_printable_ascii_is_422(
    world: World, acme: int, key: bytes
) -> None:
    with world.client(world.acme_write) as client:
        answer = client.post(
            f"/v1/conversations/{acme}/replies",
            json={"text": "x"},
            headers={"Idempotency-Key": key},
        )
    assert (answer.status_code, error_of(answer)["code"]) == (422, "invalid_reply")


def test_a_read_key_may_not_reply(world: World, acme: int) -> None:
    with world.client(world.acme_read) as client:
        answer = client.post(f"/v1/conversations/{acme}/replies", json={"text": "x"})
    assert answer.status_code == 403


def test_a_company_without_smtp_gets_422(world: World) -> None:
    [conversation] = world.inbox.conversations("Acme")
    with world.client(world.acme_write) as client:
        answer = client.post(f"/v1/conversations/{conversation.id}/replies", json={"text": "x"})
    assert (answer.status_code, error_of(answer)["code"]) == (422, "smtp_not_configured")
