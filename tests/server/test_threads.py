"""The threading routes on a real server, both databases: merge, split, the overrides of a
conversation, undo, the notification mark; 404 for another company's ids, 403 for a read
key, 400 for an undo done twice."""

from __future__ import annotations

import httpx

from inboxsync import Inbox
from tests.factories import make_message
from tests.server.conftest import World, error_of


def two_of_acme(inbox: Inbox) -> tuple[int, int, int]:
    """Two new Acme conversations, the first of two messages: (first, second, its reply)."""
    raws = [
        make_message(msgid="<t1@x>", subject="Printer on fire", minutes=5),
        make_message(msgid="<t2@x>", subject="Lost password", minutes=6),
        make_message(
            msgid="<t3@x>", subject="Re: Printer on fire", in_reply_to="<t1@x>", minutes=7
        ),
    ]
    first, second, answer = inbox.receive("Acme", raws)
    assert first.conversation_id == answer.conversation_id and answer.message_id is not None
    assert first.conversation_id is not None and second.conversation_id is not None
    return first.conversation_id, second.conversation_id, answer.message_id


def test_merge_list_and_undo(world: World) -> None:
    into, merged, _ = two_of_acme(world.inbox)
    with world.client(world.acme_write) as client:
        done = client.post(f"/v1/conversations/{into}/merge", json={"conversation_id": merged})
        assert done.status_code == 201, done.text
        body = done.json()
        assert (body["kind"], body["conversation_id"], body["source_id"]) == (
            "merge",
            into,
            merged,
        )
        assert client.get(f"/v1/conversations/{merged}").status_code == 404
        listed = client.get(f"/v1/conversations/{into}/overrides")
        assert [o["id"] for o in listed.json()] == [body["id"]]
        undone = client.post(f"/v1/overrides/{body['id']}/undo")
        assert undone.status_code == 200 and undone.json()["undone_at"] is not None
        again = client.post(f"/v1/overrides/{body['id']}/undo")
    assert again.status_code == 400 and "undone already" in error_of(again)["message"]


def test_split_makes_a_new_conversation(world: World) -> None:
    into, _, answer = two_of_acme(world.inbox)
    with world.client(world.acme_write) as client:
        done = client.post(f"/v1/messages/{answer}/split")
        assert done.status_code == 201, done.text
        new = done.json()["conversation_id"]
        detail = client.get(f"/v1/conversations/{new}").json()
        source = client.get(f"/v1/conversations/{into}").json()
    assert [m["id"] for m in detail["messages"]] == [answer]
    assert answer not in [m["id"] for m in source["messages"]]


def test_notification_mark(world: World) -> None:
    conversation, _, _ = two_of_acme(world.inbox)
    path = f"/v1/conversations/{conversation}/notification"
    with world.client(world.acme_write) as client:
        marked = client.put(path, json={"is_notification": True})
        assert marked.status_code == 200, marked.text
        assert marked.json()["conversation_id"] == conversation
        assert marked.json()["is_notification"] is True
        assert client.get(f"/v1/conversations/{conversation}").json()["is_notification"]
        wrong = client.put(path, json={"is_notification": "yes"})
    assert wrong.status_code == 422


def test_another_companys_conversation_as_the_merged_one_is_404(world: World) -> None:
    into, _, _ = two_of_acme(world.inbox)
    with world.client(world.acme_write) as client:
        answer = client.post(
            f"/v1/conversations/{into}/merge",
            json={"conversation_id": world.globex_conversation},
        )
    assert answer.status_code == 404
    assert error_of(answer)["code"] == "not_found"
    assert world.inbox.conversation("Globex", world.globex_conversation).messages


def test_a_read_key_may_not_change_threads(world: World) -> None:
    into, merged, answer = two_of_acme(world.inbox)
    calls: list[tuple[str, str, object]] = [
        ("POST", f"/v1/conversations/{into}/merge", {"conversation_id": merged}),
        ("POST", f"/v1/messages/{answer}/split", None),
        ("POST", "/v1/overrides/1/undo", None),
        ("PUT", f"/v1/conversations/{into}/notification", {"is_notification": True}),
    ]
    with world.client(world.acme_read) as client:
        answers = [client.request(method, path, json=body) for method, path, body in calls]
        readable = client.get(f"/v1/conversations/{into}/overrides")
    assert [a.status_code for a in answers] == [403] * 4
    assert readable.status_code == 200 and readable.json() == []
    assert len(world.inbox.conversation("Acme", into).messages) == 2


def test_the_routes_need_a_key(world: World) -> None:
    with httpx.Client(base_url=world.api.url) as client:
        answer = client.post("/v1/messages/1/split")
    assert answer.status_code == 401
