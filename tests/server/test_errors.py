"""Hostile requests: every one answered with a 4xx in the one JSON error shape, never a 500."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.server.conftest import World, error_of, settings_for
from tests.support.http import api_server

LIMIT = 1024 * 1024
JSON = {"content-type": "application/json"}


@dataclass(frozen=True)
class Bad:
    """A request and the status and error code it must get."""

    method: str
    path: str
    status: int
    code: str
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


def folder_path(world: World) -> str:
    [ours] = world.inbox.conversations("Acme")
    return f"/v1/conversations/{ours.id}/folder"


def cursor_of(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def bad_requests(world: World) -> list[Bad]:
    put = folder_path(world)
    return [
        Bad("PUT", put, 400, "bad_json", b'{"folder": ', JSON),
        Bad("PUT", put, 400, "bad_json", b"\xff\xfe{}", JSON),
        Bad("PUT", put, 422, "invalid_request", b'{"folder": "Billing", "x": 1}', JSON),
        Bad("PUT", put, 422, "invalid_request", b'{"folder": [1]}', JSON),
        Bad("PUT", put, 422, "invalid_request", b'{"folder": true}', JSON),
        Bad("PUT", put, 422, "invalid_request", b'{"folder": ""}', JSON),
        Bad("PUT", put, 422, "invalid_request", b'{"folder": "a\\u0000b"}', JSON),
        Bad("PUT", put, 422, "invalid_request", b'{"folder": 99999999999}', JSON),
        Bad("PUT", put, 422, "invalid_request", b"[]", JSON),
        Bad(
            "PUT", put, 422, "invalid_request", b'{"folder": null}', {"content-type": "text/plain"}
        ),
        Bad("PUT", put, 413, "too_large", b"{" + b" " * LIMIT + b"}", JSON),
        Bad("GET", "/v1/conversations?cursor=abc", 400, "bad_request"),
        Bad("GET", f"/v1/conversations?cursor={cursor_of(b'[1, 2]')}", 400, "bad_request"),
        Bad("GET", "/v1/conversations?cursor=" + cursor_of(b'["x", 2]'), 400, "bad_request"),
        Bad("GET", f"/v1/conversations?cursor={'A' * 300}", 422, "invalid_request"),
        Bad("GET", "/v1/conversations?nope=1", 422, "unknown_parameter"),
        Bad("GET", "/v1/folders?nope=3", 422, "unknown_parameter"),
        Bad("GET", "/v1/conversations?limit=abc", 422, "invalid_request"),
        Bad("GET", "/v1/conversations?limit=0", 422, "invalid_request"),
        Bad("GET", "/v1/conversations?limit=201", 422, "invalid_request"),
        Bad("GET", "/v1/conversations?notification=maybe", 422, "invalid_request"),
        Bad("GET", "/v1/conversations?updated_since=yesterday", 422, "invalid_request"),
        Bad("GET", "/v1/conversations?since=99999-01-01", 422, "invalid_request"),
        Bad("GET", "/v1/conversations?status=lost", 400, "bad_request"),
        Bad("GET", "/v1/conversations?client=a%00b", 422, "invalid_request"),
        Bad("GET", "/v1/conversations?folder=%0A", 422, "invalid_request"),
        Bad("GET", "/v1/conversations/abc", 422, "invalid_request"),
        Bad("GET", "/v1/conversations/0", 422, "invalid_request"),
        Bad("GET", "/v1/conversations/99999999999999999999", 422, "invalid_request"),
        Bad("GET", "/v1/events?after=-1", 422, "invalid_request"),
        Bad("GET", "/v1/events?after=99999999999999999999", 422, "invalid_request"),
        Bad("GET", "/v1/events?wait=31", 422, "invalid_request"),
        Bad("GET", "/v1/events?wait=nan", 422, "invalid_request"),
        Bad("GET", "/v1/events?types=message.created,nope", 400, "bad_request"),
        Bad("GET", "/v1/events/stream", 422, "invalid_request", headers={"Last-Event-ID": "x"}),
        Bad("GET", "/v1/outbox?limit=-5", 422, "invalid_request"),
        Bad("GET", "/v1/outbox?status=a%00", 422, "invalid_request"),
        Bad("GET", "/v1/costs?since=0001-01-01T00:00:00%2B05:00", 422, "invalid_request"),
        Bad("GET", "/v1/conversations?until=9999-12-31T23:00:00-05:00", 422, "invalid_request"),
        Bad("GET", "/v1/nothing-here", 404, "not_found"),
        Bad("DELETE", "/v1/conversations", 405, "method_not_allowed"),
        Bad("POST", put, 405, "method_not_allowed"),
    ]


def test_bad_requests_get_4xx_json_errors(world: World) -> None:
    wrong = []
    with world.client(world.acme_write) as client:
        for bad in bad_requests(world):
            answer = client.request(bad.method, bad.path, content=bad.content, headers=bad.headers)
            got = (answer.status_code, error_of(answer)["code"])
            if got != (bad.status, bad.code):
                wrong.append((bad.method, bad.path[:80], got, answer.text[:200]))
    assert wrong == []


def test_a_streamed_body_past_the_limit_is_413(world: World) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: the server counts as it reads
        yield b'{"folder": "'
        for _ in range(LIMIT // 65536 + 1):
            yield b"x" * 65536
        yield b'"}'

    with world.client(world.acme_write) as client:
        answer = client.put(folder_path(world), content=chunks(), headers=JSON)
    assert answer.status_code == 413 and error_of(answer)["code"] == "too_large"


def test_a_smaller_limit_is_kept(db_url: str, world: World) -> None:
    path = folder_path(world)
    with (
        api_server(settings_for(db_url), max_body_bytes=64) as small,
        small.client(world.acme_write) as client,
    ):
        answer = client.put(path, json={"folder": "B" * 100})
        fine = client.put(path, json={"folder": "Billing"})
    assert answer.status_code == 413 and fine.status_code == 200


QUERY = st.dictionaries(
    st.sampled_from(
        ["cursor", "limit", "folder", "status", "client", "notification", "since", "until"]
    ),
    st.text(max_size=40),
    max_size=4,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(params=QUERY)
def test_any_query_of_the_listing_is_answered_without_a_500(
    world: World, params: dict[str, Any]
) -> None:
    with world.client(world.acme_read) as client:
        answer = client.get("/v1/conversations", params=params)
    assert answer.status_code < 500, answer.text
    if answer.status_code >= 400:
        error_of(answer)
