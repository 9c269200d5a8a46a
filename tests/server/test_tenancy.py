"""The tenancy walk: every `/v1` route of the route table, without a key (401), and with
Acme's key on Globex's ids (404, answered exactly as an id that exists nowhere). The routes
are read from the app, so a new one cannot be left out: a path parameter this file does not
know fails the walk until it is given one of Globex's ids below."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.factories import make_message
from tests.server.conftest import World, error_of

# Which of Globex's ids each path parameter is given.
THEIR_ID: dict[str, Callable[[World], int]] = {
    "conversation_id": lambda w: w.globex_conversation,
    "message_id": lambda w: w.globex_message,
    "attachment_id": lambda w: w.globex_attachment,
    "reply_id": lambda w: w.globex_reply,
    "mailbox_id": lambda w: w.globex_mailbox,
    "run_id": lambda w: w.globex_sync_run,
    "client_id": lambda w: w.globex_client,
    "folder_id": lambda w: w.globex_folder,
    "entry_id": lambda w: w.globex_quarantine,
    "override_id": lambda w: their_override(w),
}
# A body each write route accepts, so that only the ids in its path decide the answer.
BODIES: dict[str, dict[str, Any]] = {
    "/v1/conversations/{conversation_id}/folder": {"folder": None},
    "/v1/conversations/{conversation_id}/replies": {"text": "Hello"},
    "/v1/mailboxes/{mailbox_id}": {"host": "imap.elsewhere.example"},
    "/v1/mailboxes/{mailbox_id}/mapping": {"imap_folder": "INBOX", "folder": None},
    "/v1/folders/{folder_id}": {"description": "anything"},
    "/v1/conversations/{conversation_id}/merge": {"conversation_id": 2**31 - 1},
    "/v1/conversations/{conversation_id}/notification": {"is_notification": True},
}
UNKNOWN_OFFSET = 100_000


@functools.cache
def their_override(world: World) -> int:
    """A merge of two new conversations of Globex's, made once per world."""
    raws = [make_message(msgid=f"<o{i}@globex.example>", subject=f"Pair {i}") for i in (1, 2)]
    into, merged = (r.conversation_id for r in world.inbox.receive("Globex", raws))
    assert into is not None and merged is not None
    return world.inbox.merge_conversations("Globex", into, merged).id


def v1_routes(world: World) -> list[tuple[str, str]]:
    """(method, path template) of every `/v1` route the app serves."""
    paths = world.api.app.openapi()["paths"]
    return sorted(
        (method.upper(), path)
        for path, operations in paths.items()
        if path.startswith("/v1/")
        for method in operations
    )


def call(client: httpx.Client, method: str, template: str, ids: dict[str, int]) -> httpx.Response:
    path = template.format(**ids)
    return client.request(method, path, json=BODIES.get(template))


def test_the_walk_covers_the_routes_it_must(world: World) -> None:
    walked = {path for _, path in v1_routes(world)}
    assert {"/v1/conversations", "/v1/conversations/{conversation_id}", "/v1/events"} <= walked
    assert {
        "/v1/events/stream",
        "/v1/companies",
        "/v1/conversations/{conversation_id}/folder",
    } <= walked


def test_every_v1_route_without_a_key_is_401(world: World) -> None:
    answers = {}
    with world.client() as client:
        for method, template in v1_routes(world):
            ids = {name: THEIR_ID[name](world) for name in re.findall(r"{(\w+)}", template)}
            answer = call(client, method, template, ids)
            answers[method, template] = (answer.status_code, error_of(answer)["code"])
    assert set(answers.values()) == {(401, "unauthorized")}, answers


def test_every_id_of_another_company_is_404_as_an_unknown_one(world: World) -> None:
    with world.client(world.acme_write) as client:
        for method, template in v1_routes(world):
            names = re.findall(r"{(\w+)}", template)
            for name in names:
                theirs = {n: THEIR_ID[n](world) for n in names}
                unknown = theirs | {name: theirs[name] + UNKNOWN_OFFSET}
                other = call(client, method, template, theirs)
                missing = call(client, method, template, unknown)
                assert other.status_code == missing.status_code == 404, (template, other.text)
                expected = missing.text.replace(str(unknown[name]), str(theirs[name]))
                assert other.text == expected and str(theirs[name]) in other.text


@pytest.mark.parametrize("where", ["filter", "body"])
def test_another_companys_folder_is_404_as_an_unknown_one(world: World, where: str) -> None:
    [ours] = world.inbox.conversations("Acme")

    def ask(client: httpx.Client, folder: int) -> httpx.Response:
        if where == "filter":
            return client.get("/v1/conversations", params={"folder": folder})
        return client.put(f"/v1/conversations/{ours.id}/folder", json={"folder": folder})

    theirs = world.globex_folder
    with world.client(world.acme_write) as client:
        other, missing = ask(client, theirs), ask(client, theirs + UNKNOWN_OFFSET)
    assert other.status_code == missing.status_code == 404
    assert error_of(other) == {
        "code": "not_found",
        "message": error_of(missing)["message"].replace(str(theirs + UNKNOWN_OFFSET), str(theirs)),
    }


def test_globex_reaches_its_own_ids(world: World) -> None:
    """The walk's ids are real: in Globex's name, the same calls find them."""
    with world.client(world.globex_write) as client:
        conversation = client.get(f"/v1/conversations/{world.globex_conversation}")
        listed = client.get("/v1/conversations", params={"folder": world.globex_folder})
    assert conversation.json()["messages"][0]["id"] == world.globex_message
    assert listed.status_code == 200 and listed.json()["conversations"] == []
