"""The event feed over HTTP: a long poll that answers as soon as an event is recorded, and
an SSE stream that resumes from Last-Event-ID, missing nothing and repeating nothing."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.db.events import NewEvent, record_events
from tests.server.conftest import World

STREAM_SECONDS = 20


def record(sessions: sessionmaker[Session], world: World, company: str, *types: str) -> None:
    """Record one event of each type for the company, in one transaction."""
    with sessions.begin() as session:
        events = [NewEvent(t, data={"n": i}) for i, t in enumerate(types)]
        record_events(session, world.inbox.company_id(company), events)


def last_seq(client: httpx.Client) -> int:
    """The seq of the key's company's last event."""
    after = 0
    while page := client.get("/v1/events", params={"after": after, "limit": 1000}).json()["events"]:
        after = page[-1]["seq"]
    return after


def test_a_long_poll_answers_as_soon_as_an_event_is_recorded(
    world: World, sessions: sessionmaker[Session]
) -> None:
    answers: list[tuple[float, dict[str, Any]]] = []
    with world.client(world.acme_read) as client:
        after = last_seq(client)

        def poll() -> None:
            answer = client.get("/v1/events", params={"after": after, "wait": 20})
            answers.append((time.monotonic(), answer.json()))

        waiter = threading.Thread(target=poll)
        waiter.start()
        time.sleep(0.5)
        assert answers == []  # still waiting
        written = time.monotonic()
        record(sessions, world, "Acme", "conversation.classified")
        waiter.join(timeout=20)
    [(answered, page)] = answers
    assert answered - written < 2.0
    [event] = page["events"]
    assert (event["seq"], event["type"], event["data"]) == (
        after + 1,
        "conversation.classified",
        {"n": 0},
    )
    assert page["next_after"] == after + 1


def test_an_idle_long_poll_ends_empty_after_its_wait(world: World) -> None:
    with world.client(world.acme_read) as client:
        after = last_seq(client)
        started = time.monotonic()
        page = client.get("/v1/events", params={"after": after, "wait": 0.5}).json()
    assert page == {"events": [], "next_after": after}
    assert 0.5 <= time.monotonic() - started < 5


def test_types_and_companies_filter_the_feed(world: World, sessions: sessionmaker[Session]) -> None:
    with world.client(world.acme_read) as acme, world.client(world.globex_write) as globex:
        ours, theirs = last_seq(acme), last_seq(globex)
        record(
            sessions, world, "Acme", "message.created", "conversation.created", "message.created"
        )
        record(sessions, world, "Globex", "message.quarantined")
        mine = acme.get("/v1/events", params={"after": ours, "types": "message.created"}).json()
        assert [e["seq"] for e in mine["events"]] == [ours + 1, ours + 3]
        assert [
            e["type"] for e in globex.get("/v1/events", params={"after": theirs}).json()["events"]
        ] == ["message.quarantined"]


def sse_events(lines: Iterator[str], count: int) -> list[dict[str, str]]:
    """The next `count` events of an SSE stream, each as its fields (comments skipped);
    fails after STREAM_SECONDS without them (keep-alive comments keep the loop turning)."""
    events: list[dict[str, str]] = []
    fields: dict[str, str] = {}
    deadline = time.monotonic() + STREAM_SECONDS
    for line in lines:
        assert time.monotonic() < deadline, f"only {events} after {STREAM_SECONDS} s"
        if line == "":
            if fields:
                events.append(fields)
                fields = {}
            if len(events) == count:
                return events
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
    raise AssertionError(f"the stream ended after {events}")


def test_the_stream_resumes_from_last_event_id(
    world: World, sessions: sessionmaker[Session]
) -> None:
    with world.client(world.acme_read) as client:
        start = last_seq(client)
        record(sessions, world, "Acme", "message.created", "conversation.created")
        with client.stream("GET", "/v1/events/stream", params={"after": start}) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.iter_lines()
            first = sse_events(lines, 2)
            record(sessions, world, "Acme", "conversation.classified")  # while connected
            first += sse_events(lines, 1)
        record(sessions, world, "Acme", "auto_reply.sent", "auto_reply.skipped")  # while away
        resume = {"Last-Event-ID": first[-1]["id"]}
        with client.stream("GET", "/v1/events/stream", headers=resume) as stream:
            second = sse_events(stream.iter_lines(), 2)
    assert [int(e["id"]) for e in first + second] == list(range(start + 1, start + 6))
    assert [e["event"] for e in second] == ["auto_reply.sent", "auto_reply.skipped"]
    payload = json.loads(second[-1]["data"])
    assert (payload["seq"], payload["type"], payload["data"]) == (
        start + 5,
        "auto_reply.skipped",
        {"n": 1},
    )
