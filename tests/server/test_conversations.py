"""Listing conversations: keyset pages that visit each one exactly once while new ones
arrive, `updated_since` for mirrors, the filters, and one conversation with its messages."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from inboxsync.db.models import utcnow
from inboxsync.db.search import MAX_QUERY_CHARS
from tests.server.conftest import World, error_of, import_conversations


def page_through(http: httpx.Client, /, **params: Any) -> list[dict[str, Any]]:
    """Every conversation the listing gives, following next_cursor to the end."""
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = http.get("/v1/conversations", params=params | ({"cursor": cursor} if cursor else {}))
        assert page.status_code == 200, page.text
        seen += page.json()["conversations"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return seen


def test_pages_visit_every_conversation_once_while_new_ones_arrive(
    world: World, tmp_path: Path
) -> None:
    import_conversations(world.inbox, "Acme", tmp_path, 100, 20)
    seen: list[int] = []
    with world.client(world.acme_read) as client:
        first = client.get("/v1/conversations", params={"limit": 7}).json()
        seen += [c["id"] for c in first["conversations"]]
        import_conversations(world.inbox, "Acme", tmp_path, 200, 10)
        cursor = first["next_cursor"]
        while cursor:
            page = client.get("/v1/conversations", params={"limit": 7, "cursor": cursor}).json()
            seen += [c["id"] for c in page["conversations"]]
            cursor = page["next_cursor"]
            if len(seen) == 14:  # mail keeps arriving between pages
                import_conversations(world.inbox, "Acme", tmp_path, 300, 5)
    every = {c.id for c in world.inbox.conversations("Acme")}
    assert len(every) == 36
    assert sorted(seen) == sorted(every)


def test_the_order_is_updated_at_then_id(world: World, tmp_path: Path) -> None:
    import_conversations(world.inbox, "Acme", tmp_path, 100, 12)
    with world.client(world.acme_read) as client:
        listed = page_through(client, limit=5)
    keys = [(c["updated_at"], c["id"]) for c in listed]
    assert keys == sorted(keys) and len(keys) == 13


def test_updated_since_gives_what_changed_since(world: World, tmp_path: Path) -> None:
    import_conversations(world.inbox, "Acme", tmp_path, 100, 5)
    old = {c.subject: c.id for c in world.inbox.conversations("Acme")}["Question number 101"]
    time.sleep(0.01)
    since = utcnow()
    import_conversations(world.inbox, "Acme", tmp_path, 200, 3)
    world.inbox.set_folder("Acme", old, "none")  # a change to an older conversation
    with world.client(world.acme_read) as client:
        changed = page_through(client, updated_since=since.isoformat() + "Z", limit=2)
        offset = page_through(client, updated_since=since.isoformat() + "+02:00")
    subjects = sorted(c["subject"] for c in changed)
    assert subjects == ["Question number 101"] + [f"Question number {i}" for i in range(200, 203)]
    assert changed[-1]["id"] == old  # changed last, listed last
    assert len(offset) == 8 + 1  # two hours earlier: everything


def test_filters(world: World, tmp_path: Path) -> None:
    import_conversations(world.inbox, "Acme", tmp_path, 100, 3)
    listed = {c.subject: c for c in world.inbox.conversations("Acme")}
    filed = listed["Question number 101"]
    world.inbox.add_folder("Acme", "Urgent", "fires")  # after the import: only filed by hand
    world.inbox.set_folder("Acme", filed.id, "Urgent")
    unfiled = listed["Question number 102"]
    world.inbox.set_folder("Acme", unfiled.id, "none")
    with world.client(world.acme_read) as client:

        def ids(**params: Any) -> set[int]:
            return {c["id"] for c in page_through(client, **params)}

        assert ids(folder="Urgent") == ids(folder="urgent") == {filed.id}
        assert unfiled.id in ids(folder="none") and filed.id not in ids(folder="none")
        assert ids(client="CLIENT102@client102.example") == {listed["Question number 102"].id}
        assert ids(notification=True) == set()
        assert len(ids(notification=False)) == 4
        assert filed.id in ids(status="classified") and unfiled.id in ids(status="unclassified")
        assert ids(since="2026-06-01T10:41:00", until="2026-06-01T10:42:00") == {
            listed["Question number 101"].id
        }
        assert ids(until="2000-01-01") == set()


def test_a_conversation_with_its_messages(world: World) -> None:
    [ours] = world.inbox.conversations("Acme")
    with world.client(world.acme_read) as client:
        detail = client.get(f"/v1/conversations/{ours.id}").json()
    [message] = detail["messages"]
    assert detail["id"] == ours.id and detail["subject"] == "Broken invoice export"
    assert message["from_email"] == "alice@client.example"
    assert "export fails" in message["preview"]


def test_q_searches_the_companys_mail(world: World, tmp_path: Path) -> None:
    import_conversations(world.inbox, "Acme", tmp_path, 100, 5)
    listed = {c.subject: c.id for c in world.inbox.conversations("Acme")}
    world.inbox.add_folder("Acme", "Urgent", "fires")
    world.inbox.set_folder("Acme", listed["Question number 103"], "Urgent")
    with world.client(world.acme_read) as client:

        def ids(**params: Any) -> set[int]:
            return {c["id"] for c in page_through(client, limit=2, **params)}

        # Globex holds the same invoice message: only Acme's is found.
        assert ids(q="invoices") == {listed["Broken invoice export"]}
        assert ids(q="question") == {listed[f"Question number {i}"] for i in range(100, 105)}
        assert ids(q='"number 102"') == {listed["Question number 102"]}
        assert ids(q="question", folder="Urgent") == {listed["Question number 103"]}
        assert ids(q="question -102 -103") == {
            listed[f"Question number {i}"] for i in (100, 101, 104)
        }
        for hostile in ('"', "NEAR(", "AND OR", "*", "\x00", "🧾", "-"):
            assert ids(q=hostile) <= set(listed.values()), hostile
        too_long = client.get("/v1/conversations", params={"q": "x" * (MAX_QUERY_CHARS + 1)})
    assert too_long.status_code == 422
    assert error_of(too_long)["code"]
