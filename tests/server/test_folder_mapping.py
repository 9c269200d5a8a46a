"""A mailbox's IMAP folders mapped onto the company's folders over HTTP: listed, mapped,
refused when the mailbox does not sync the folder, removed."""

from __future__ import annotations

from tests.server.conftest import World, error_of


def test_an_imap_folder_is_mapped_listed_and_unmapped(world: World) -> None:
    folder_id = world.inbox.add_folder("Acme", "Potager", "vegetables")
    with world.client(world.acme_write) as client:
        made = client.post(
            "/v1/mailboxes",
            json={
                "host": "imap.acme.example",
                "user": "garden@acme.example",
                "password_env": "ACME_PW",
                "folders": ["INBOX", "Jardin"],
            },
        )
        path = f"/v1/mailboxes/{made.json()['id']}"
        mapped = client.put(f"{path}/mapping", json={"imap_folder": "Jardin", "folder": folder_id})
        assert mapped.status_code == 200, mapped.text
        assert mapped.json() == {
            "mapping": {
                "mailbox_id": made.json()["id"],
                "imap_folder": "Jardin",
                "folder_id": folder_id,
                "folder_name": "Potager",
            },
            "filed": 0,
            "released": [],
        }
        assert client.get(f"{path}/folders").json() == [
            {"name": "INBOX", "synced": True, "folder_id": None, "folder": None},
            {"name": "Jardin", "synced": True, "folder_id": folder_id, "folder": "Potager"},
        ]
        refused = client.put(f"{path}/mapping", json={"imap_folder": "Spam", "folder": "Potager"})
        assert (refused.status_code, error_of(refused)["code"]) == (400, "bad_request")
        removed = client.put(f"{path}/mapping", json={"imap_folder": "Jardin", "folder": None})
        assert removed.status_code == 200 and removed.json()["released"] == []
        assert [f["folder"] for f in client.get(f"{path}/folders").json()] == [None, None]
        again = client.put(f"{path}/mapping", json={"imap_folder": "Jardin", "folder": None})
        assert again.status_code == 404
        client.delete(path)
    world.inbox.remove_folder("Acme", folder_id)
