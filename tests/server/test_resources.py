"""The API's other resources on a real server: mailboxes (a secret only as a reference,
edit, pause, resume, remove, a queued sync and its status against Dovecot), folders and their
auto-replies, clients, sync runs, the quarantine; every list paged alike."""

from __future__ import annotations

import base64
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.factories import write_files
from tests.server.conftest import World, error_of, import_conversations
from tests.support.imap import ImapWorld, mails

PAGED = ("/v1/folders", "/v1/mailboxes", "/v1/quarantine", "/v1/clients", "/v1/sync-runs")
NEW_MAILBOX = {"host": "imap.acme.example", "user": "support@acme.example"}


def walk(http: httpx.Client, path: str, /, **params: Any) -> list[dict[str, Any]]:
    """Every item of a paged list, following next_cursor to the end."""
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = http.get(path, params=params | ({"cursor": cursor} if cursor else {}))
        assert page.status_code == 200, page.text
        body = page.json()
        assert set(body) == {"items", "next_cursor"}
        seen += body["items"]
        cursor = body["next_cursor"]
        if cursor is None:
            return seen


def fill(world: World, tmp_path: Path) -> None:
    """Five and more of everything paged in Acme."""
    for first in (100, 200, 300):  # a run each
        import_conversations(world.inbox, "Acme", tmp_path, first, 2)
    junk = {f"{i}.eml": f"\x00 junk {i}".encode() for i in range(5)}
    world.inbox.import_path("Acme", write_files(tmp_path / "junk", junk))
    for i in range(5):
        world.inbox.add_folder("Acme", f"Folder {i}", "whatever")
        world.inbox.add_mailbox("Acme", host=f"imap{i}.acme.example", user=f"u{i}",
                                password_env="ACME_PW")  # fmt: skip


def test_every_list_pages_through_each_item_once(world: World, tmp_path: Path) -> None:
    fill(world, tmp_path)
    with world.client(world.acme_read) as client:
        for path in PAGED:
            whole = [item["id"] for item in walk(client, path, limit=200)]
            paged = [item["id"] for item in walk(client, path, limit=2)]
            assert len(whole) >= 5, path
            assert paged == whole and len(set(paged)) == len(paged), path
        runs = [run["id"] for run in walk(client, "/v1/sync-runs")]
    with world.client(world.admin) as admin:
        companies = walk(admin, "/v1/companies", limit=1)
    assert runs == sorted(runs, reverse=True)  # newest first
    assert [(c["name"], c["addresses"]) for c in companies] == [
        ("Acme", ["support@acme.example"]),
        ("Globex", ["support@globex.example"]),
    ]


def test_bad_cursors_and_limits_are_4xx(world: World) -> None:
    wrong_shape = base64.urlsafe_b64encode(b'["x", "y", 3]').decode().rstrip("=")
    with world.client(world.acme_read) as client:
        for path in PAGED:
            for params, status, code in (
                ({"cursor": "abc"}, 400, "bad_request"),
                ({"cursor": wrong_shape}, 400, "bad_request"),
                ({"cursor": "A" * 300}, 422, "invalid_request"),
                ({"limit": 0}, 422, "invalid_request"),
                ({"limit": 201}, 422, "invalid_request"),
                ({"nope": 1}, 422, "unknown_parameter"),
            ):
                answer = client.get(path, params=params)
                assert (answer.status_code, error_of(answer)["code"]) == (status, code), path


def test_a_mailbox_is_added_edited_paused_resumed_and_removed(world: World) -> None:
    with world.client(world.acme_write) as client:
        made = client.post(
            "/v1/mailboxes", json=NEW_MAILBOX | {"password_env": "ACME_PW", "folders": ["INBOX"]}
        )
        assert made.status_code == 201, made.text
        box = made.json()
        assert (box["port"], box["tls"], box["secret_ref"]) == (993, "ssl", "env:ACME_PW")
        assert box["status"] | {"folders": []} == {
            "paused": False,
            "last_sync_at": None,
            "last_error": None,
            "last_error_at": None,
            "lag": 0,
            "quarantined": 0,
            "folders": [],
        }
        path = f"/v1/mailboxes/{box['id']}"
        assert client.get(path).json() == box

        edited = client.patch(
            path,
            json={"tls": "starttls", "folders": ["Archive", "INBOX"], "password_file": "/run/pw"},
        ).json()
        assert (edited["port"], edited["tls"], edited["secret_ref"]) == (
            143,
            "starttls",
            "file:/run/pw",
        )
        assert [f["name"] for f in edited["status"]["folders"]] == ["INBOX", "Archive"]

        assert client.post(f"{path}/pause").json()["paused"] is True
        assert client.get(f"{path}/status").json()["paused"] is True
        listed = {b["id"]: b for b in walk(client, "/v1/mailboxes")}
        assert listed[box["id"]]["status"]["paused"] is True
        refused = client.post(f"{path}/sync")
        assert (refused.status_code, error_of(refused)["code"]) == (400, "bad_request")
        assert client.post(f"{path}/resume").json()["paused"] is False

        removed = client.delete(path)
        assert removed.json() == {
            "id": box["id"],
            "deleted_messages": 0,
            "deleted_conversations": 0,
            "deleted_quarantine": 0,
        }
        assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (NEW_MAILBOX | {"password": "hunter2"}, 422),
        (NEW_MAILBOX | {"password_env": "hunter2 is my password"}, 422),
        (NEW_MAILBOX | {"password_file": "hunter2"}, 422),
        (NEW_MAILBOX | {"secret_ref": "env:X", "password_env": "X"}, 422),
        (NEW_MAILBOX, 400),
        (NEW_MAILBOX | {"password_env": "A", "oauth2_token_env": "B"}, 400),
        (NEW_MAILBOX | {"password_env": "A", "tls": "tls1.3"}, 422),
        (NEW_MAILBOX | {"password_env": "A", "port": 0}, 422),
        (NEW_MAILBOX | {"password_env": "A", "port": "993"}, 422),
        (NEW_MAILBOX | {"password_env": "A", "host": ""}, 422),
        (NEW_MAILBOX | {"password_env": "A", "host": "imap\nevil"}, 422),
        (NEW_MAILBOX | {"password_env": "A", "folders": []}, 422),
        (NEW_MAILBOX | {"password_env": "A", "host": "imap.acme.example/x"}, 400),
        ({"password_env": "A"}, 422),
    ],
)
def test_a_mailbox_takes_only_a_secret_reference_and_sane_values(
    world: World, body: dict[str, Any], status: int
) -> None:
    with world.client(world.acme_write) as client:
        answer = client.post("/v1/mailboxes", json=body)
    assert answer.status_code == status, answer.text
    assert "hunter2" not in answer.text
    assert world.inbox.mailboxes("Acme") == []


def test_an_edit_is_checked_as_an_add_and_changes_nothing_when_refused(world: World) -> None:
    box = world.inbox.add_mailbox("Acme", host="imap.acme.example", user="u", password_env="PW")
    path = f"/v1/mailboxes/{box.id}"
    with world.client(world.acme_write) as client:
        before = client.get(path).json()
        answers = [
            client.patch(path, json=body).status_code
            for body in (
                {"password": "hunter2"},
                {"password_env": "hunter2 is my password"},
                {"password_env": "A", "password_file": "/run/pw"},
                {"port": 70000},
                {"folders": []},
                {"host": "imap.acme.example/x"},
                {"tls": "starttls", "host": "imap\nevil"},
            )
        ]
        after = client.get(path).json()
    assert answers == [422, 422, 400, 422, 422, 400, 422]
    assert after == before


def test_writing_mailboxes_and_folders_needs_a_write_key(world: World) -> None:
    with world.client(world.acme_read) as client:
        answers = [
            client.post("/v1/mailboxes", json=NEW_MAILBOX | {"password_env": "A"}),
            client.post("/v1/folders", json={"name": "X", "description": "x"}),
            client.post("/v1/quarantine/retry"),
        ]
    assert [(a.status_code, error_of(a)["code"]) for a in answers] == [(403, "forbidden")] * 3


def test_a_folder_is_created_edited_and_removed_leaving_its_conversations_unfiled(
    world: World,
) -> None:
    template = TEMPLATE
    [ours] = world.inbox.conversations("Acme")
    with world.client(world.acme_write) as client:
        made = client.post(
            "/v1/folders", json={"name": "Refunds", "description": "money back"} | template
        )
        assert made.status_code == 201, made.text
        folder = made.json()
        assert (folder["auto_reply"], folder["auto_reply_subject"]) == (True, "Re: {subject}")
        path = f"/v1/folders/{folder['id']}"
        assert client.get(path).json() == folder
        off = client.patch(path, json={"auto_reply": False, "description": "refunds"}).json()
        assert (off["auto_reply"], off["description"]) == (False, "refunds")
        assert off["auto_reply_body"] == template["auto_reply_body"]

        world.inbox.set_folder("Acme", ours.id, folder["id"])
        assert client.delete(path).json() == {"id": folder["id"], "unfiled": 1}
        assert client.get(path).status_code == 404
        after = client.get(f"/v1/conversations/{ours.id}").json()
    assert after["folder"] is None


TEMPLATE = {"auto_reply_subject": "Re: {subject}", "auto_reply_body": "Hi {client_name},\n"}
NEW_FOLDER = {"name": "X", "description": "x"}


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"name": "Billing", "description": "again"}, 400),
        (NEW_FOLDER | TEMPLATE | {"auto_reply_subject": "{nope}"}, 400),
        (NEW_FOLDER | {"auto_reply_subject": "only a subject"}, 400),
        (NEW_FOLDER | TEMPLATE | {"auto_reply_subject": "a\r\nBcc: x@evil.example"}, 422),
        (NEW_FOLDER | {"description": "x\x00"}, 422),
        (NEW_FOLDER | {"name": ""}, 422),
        (NEW_FOLDER | {"colour": "red"}, 422),
        ({"name": "X"}, 422),
    ],
)
def test_bad_folders_are_refused(world: World, body: dict[str, Any], status: int) -> None:
    with world.client(world.acme_write) as client:
        answer = client.post("/v1/folders", json=body)
        edit = client.patch(f"/v1/folders/{world.globex_folder}", json={"auto_reply": "yes"})
    assert answer.status_code == status, answer.text
    assert edit.status_code == 422
    assert [f.name for f in world.inbox.folders("Acme")] == ["Billing"]


def test_clients_by_prefix_and_since_with_their_conversations(world: World, tmp_path: Path) -> None:
    import_conversations(world.inbox, "Acme", tmp_path, 100, 3)
    with world.client(world.acme_read) as client:
        by_prefix = walk(client, "/v1/clients", q="CLIENT10")
        by_name = walk(client, "/v1/clients", q="client 10")
        wildcard = walk(client, "/v1/clients", q="%")
        future = walk(client, "/v1/clients", created_since="2999-01-01T00:00:00Z")
        one = client.get(f"/v1/clients/{by_prefix[0]['id']}").json()
    assert [c["email"] for c in by_prefix] == [f"client10{i}@client10{i}.example" for i in range(3)]
    assert by_name == by_prefix
    assert wildcard == future == []
    assert one == by_prefix[0] and one["conversations"] == 1


def test_sync_runs_with_their_reports(world: World) -> None:
    with world.client(world.acme_read) as client:
        [run] = walk(client, "/v1/sync-runs", status="finished")
        detail = client.get(f"/v1/sync-runs/{run['id']}").json()
        lost = client.get("/v1/sync-runs", params={"status": "lost"})
        theirs = client.get("/v1/sync-runs", params={"mailbox": world.globex_mailbox})
    assert detail | {"report": None} == run | {"report": None}
    assert detail["report"]["new_messages"] == 1 and detail["report"]["quarantined"] == 1
    assert (lost.status_code, theirs.status_code) == (400, 404)


def test_a_quarantined_message_its_bytes_and_retries(world: World) -> None:
    [entry] = world.inbox.quarantine("Acme")
    path = f"/v1/quarantine/{entry.id}"
    with world.client(world.acme_write) as client:
        one = client.get(path).json()
        raw = client.get(f"{path}/raw")
        retried = client.post(f"{path}/retry").json()
        every = client.post("/v1/quarantine/retry").json()
        chosen = client.post("/v1/quarantine/retry", json={"ids": [entry.id]})
        theirs = client.post("/v1/quarantine/retry", json={"ids": [world.globex_quarantine]})
        zero = client.post("/v1/quarantine/retry", json={"ids": [0]})
    assert (one["id"], one["size"], one["cannot_retry"]) == (entry.id, entry.size, None)
    assert raw.content == world.inbox.quarantine_raw("Acme", entry.id) and len(raw.content) > 0
    assert raw.headers["content-type"] == "message/rfc822"
    assert raw.headers["content-disposition"] == f'attachment; filename="quarantine-{entry.id}.eml"'
    assert raw.headers["x-content-type-options"] == "nosniff"
    for report in (retried, every, chosen.json()):
        assert report["stored"] == [] and [f["id"] for f in report["failed"]] == [entry.id]
    assert (theirs.status_code, zero.status_code) == (404, 422)


def test_a_queued_sync_runs_and_its_status_follows(world: World, imap: ImapWorld) -> None:
    account = imap.account(company_id=world.inbox.company_id("Acme"))
    imap.append(mails(3))
    path = f"/v1/mailboxes/{account.mailbox_id}"
    with world.client(world.acme_write) as client:
        queued = client.post(f"{path}/sync")
        assert queued.status_code == 202, queued.text
        deadline = time.monotonic() + 30
        while (status := client.get(f"{path}/status").json())["last_sync_at"] is None:
            assert time.monotonic() < deadline, status
            time.sleep(0.1)
        runs = walk(client, "/v1/sync-runs", mailbox=account.mailbox_id)
    [folder] = status["folders"]
    assert (folder["last_uid"], folder["uidnext"], folder["lag"]) == (3, 4, 0)
    assert (status["lag"], status["last_error"], status["paused"]) == (0, None, False)
    assert [run["status"] for run in runs] == ["finished"]
