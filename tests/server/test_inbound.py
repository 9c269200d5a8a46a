"""`POST /v1/messages` on a real server, both databases: a raw message is stored (201), a
repeat is a duplicate with the stored ids (200), bad mail is a 422 naming its quarantine
entry; wrong type, empty and oversized bodies are JSON errors; concurrent posts are written
in a few pipeline batches; a failed batch answers 503; a shutdown stores what it took."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import select

from inboxsync import Inbox
from inboxsync.db.models import SyncRun
from inboxsync.server.inbound_batcher import InboundBatcher, InboundUnavailable
from tests.factories import make_message
from tests.server.conftest import World, error_of, settings_for
from tests.support.http import api_server, run_coroutine

RAW = {"Content-Type": "message/rfc822"}
QUESTION = make_message(msgid="<post-1@client.example>", subject="Posted question")


def post(client: httpx.Client, raw: bytes | Iterator[bytes], **headers: str) -> httpx.Response:
    return client.post("/v1/messages", content=raw, headers=RAW | headers)


def http_runs(inbox: Inbox) -> list[dict[str, Any]]:
    """The reports of the pipeline runs of received mail."""
    with inbox.sessions() as session:
        reports = session.scalars(select(SyncRun.report).where(SyncRun.source == "http"))
        return [json.loads(report) for report in reports]


def test_a_new_message_is_created_then_a_duplicate(world: World) -> None:
    with world.client(world.acme_write) as client:
        created = post(client, QUESTION)
        again = post(client, QUESTION, **{"Content-Type": "Message/RFC822; charset=utf-8"})
        stored = client.get(f"/v1/messages/{created.json()['message_id']}")
    assert created.status_code == 201, created.text
    body = created.json()
    assert body == {
        "status": "created",
        "message_key": "post-1@client.example",
        "message_id": body["message_id"],
        "conversation_id": body["conversation_id"],
    }
    assert again.status_code == 200 and again.json() == body | {"status": "duplicate"}
    assert stored.status_code == 200 and stored.json()["subject"] == "Posted question"
    [conversation] = [
        c for c in world.inbox.conversations("Acme") if c.id == body["conversation_id"]
    ]
    assert conversation.messages == 1


def test_a_message_posted_by_globex_is_globex_s(world: World) -> None:
    with world.client(world.globex_write) as client:
        created = post(client, QUESTION)
    assert created.status_code == 201
    theirs = {c.id for c in world.inbox.conversations("Globex")}
    assert created.json()["conversation_id"] in theirs
    assert all(c.id not in theirs for c in world.inbox.conversations("Acme"))


def test_mail_the_pipeline_quarantines_is_a_422_naming_the_entry(world: World) -> None:
    junk = b"\x00\x01 no headers at all"
    with world.client(world.acme_write) as client:
        answer = post(client, junk)
    assert answer.status_code == 422
    error = error_of(answer)
    entry = max(world.inbox.quarantine("Acme"), key=lambda e: e.id)
    assert entry.size == len(junk) and entry.source_ref.startswith("http:")
    assert error == {
        "code": "quarantined",
        "message": f"quarantined as entry {entry.id}: {entry.reason}",
    }


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({"Content-Type": "application/json"}, 415, "unsupported_media_type"),
        ({"Content-Type": "text/plain"}, 415, "unsupported_media_type"),
        ({}, 415, "unsupported_media_type"),
    ],
)
def test_a_body_that_is_not_raw_mail_is_refused(
    world: World, headers: dict[str, str], status: int, code: str
) -> None:
    with world.client(world.acme_write) as client:
        answer = client.post("/v1/messages", content=QUESTION, headers=headers)
    assert answer.status_code == status and error_of(answer)["code"] == code


@pytest.mark.parametrize("body", [b"", b"\r\n  \r\n"])
def test_an_empty_body_is_a_400(world: World, body: bytes) -> None:
    with world.client(world.acme_write) as client:
        answer = post(client, body)
    assert answer.status_code == 400 and error_of(answer)["code"] == "empty_body"


def test_a_read_key_cannot_post_mail(world: World) -> None:
    with world.client(world.acme_read) as client:
        answer = post(client, QUESTION)
    assert answer.status_code == 403 and error_of(answer)["code"] == "forbidden"


def test_raw_mail_and_json_bodies_have_their_own_limits(db_url: str, world: World) -> None:
    limit = 64 * 1024
    settings = settings_for(db_url).replace(
        api={"max_json_body_bytes": 4096, "max_raw_message_bytes": limit}
    )
    large = make_message(msgid="<large@client.example>", body="many words " * 2000)
    assert 4096 < len(large) < limit

    def streamed() -> Iterator[bytes]:  # no Content-Length: refused while it is read
        yield QUESTION
        for _ in range(4 * limit // 8192):
            yield b"x" * 8192

    [ours] = world.inbox.conversations("Acme")
    with api_server(settings) as small, small.client(world.acme_write) as client:
        stored = post(client, large)
        declared = post(client, b"x" * (limit + 1))
        streaming = post(client, streamed())
        json_body = client.put(f"/v1/conversations/{ours.id}/folder", json={"folder": "B" * 5000})
    assert stored.status_code == 201
    for answer in (declared, streaming, json_body):
        assert answer.status_code == 413 and error_of(answer)["code"] == "too_large"
    assert str(limit) in error_of(streaming)["message"]


def test_a_sender_hanging_up_inside_the_body_logs_no_error(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    url = urlsplit(world.api.url)
    head = (
        f"POST /v1/messages HTTP/1.1\r\nHost: {url.netloc}\r\n"
        f"Authorization: Bearer {world.acme_write}\r\nContent-Type: message/rfc822\r\n"
        "Content-Length: 100000\r\n\r\n"
    )
    with caplog.at_level(logging.ERROR), socket.create_connection((url.hostname, url.port)) as sock:
        sock.sendall(head.encode() + QUESTION[:200])
        time.sleep(0.3)  # the route is reading the body when the connection closes
    time.sleep(0.3)
    with world.client(world.acme_write) as client:
        assert post(client, QUESTION).status_code == 201
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


async def post_concurrently(url: str, key: str, messages: list[bytes]) -> list[httpx.Response]:
    headers = RAW | {"Authorization": f"Bearer {key}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
        return await asyncio.gather(*(client.post("/v1/messages", content=m) for m in messages))


def test_concurrent_posts_are_written_in_a_few_batches(db_url: str, world: World) -> None:
    messages = [
        make_message(msgid=f"<burst-{i}@client.example>", subject=f"Burst {i}", minutes=i)
        for i in range(40)
    ]
    # A window wide enough for 40 posts to arrive within it on a loaded machine.
    settings = settings_for(db_url).replace(api={"inbound_flush_ms": 300})
    with api_server(settings) as api:
        answers = run_coroutine(post_concurrently(api.url, world.acme_write, messages))
    assert [a.status_code for a in answers] == [201] * 40
    assert len({a.json()["message_id"] for a in answers}) == 40
    runs = http_runs(world.inbox)
    assert sum(r["new_messages"] for r in runs) == 40
    # One post per run would be 40 runs and 120 commits.
    assert len(runs) <= 3
    assert sum(r["commits"] for r in runs) <= 3 * len(runs) <= 9


def test_a_failed_batch_answers_each_post_503(db_url: str, world: World) -> None:
    # The job broker is down: the run fails before any mail is read.
    settings = settings_for(db_url).replace(
        jobs={"backend": "celery"}, redis_url="redis://127.0.0.1:9/0"
    )
    messages = [make_message(msgid=f"<down-{i}@client.example>") for i in range(3)]
    with api_server(settings) as api:
        answers = run_coroutine(post_concurrently(api.url, world.acme_write, messages))
    for answer in answers:
        assert answer.status_code == 503 and error_of(answer)["code"] == "unavailable"
    with world.client(world.acme_write) as client:
        later = post(client, messages[0])
    assert later.status_code == 201


def test_closing_stores_the_posts_it_took_and_refuses_new_ones(world: World) -> None:
    async def run() -> tuple[list[str], float]:
        # A window far longer than the test: closing runs the batch at once.
        batcher = InboundBatcher(world.inbox.receive, window_seconds=60, batch_size=100)
        loop = asyncio.get_running_loop()
        started = loop.time()
        posts = [
            asyncio.create_task(
                batcher.submit(
                    world.inbox.company_id("Acme"), make_message(msgid=f"<close-{i}@c.example>")
                )
            )
            for i in range(3)
        ]
        await asyncio.sleep(0.05)
        await batcher.close()
        outcomes = await asyncio.gather(*posts)
        with pytest.raises(InboundUnavailable):
            await batcher.submit(world.inbox.company_id("Acme"), QUESTION)
        return [o.status for o in outcomes], loop.time() - started

    statuses, seconds = run_coroutine(run())
    assert statuses == ["created"] * 3 and seconds < 30
