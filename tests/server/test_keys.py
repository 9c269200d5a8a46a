"""API keys: created and shown once, listed by prefix only, checked on every request."""

from __future__ import annotations

import re

import pytest

from inboxsync import AuthError, Inbox, NotFound, UsageError
from tests.server.conftest import World, error_of
from tests.support.cli import invoke, ok

KEY = re.compile(r"isk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}")


def test_create_prints_the_key_alone_and_list_never_shows_it(db_url: str, inbox: Inbox) -> None:
    inbox.add_company("Acme", ["support@acme.example"])
    out = ok(invoke("apikey", "create", "--company", "Acme", "--scope", "write", db=db_url))
    key = out.strip()
    assert out == key + "\n" and KEY.fullmatch(key)
    assert KEY.fullmatch(ok(invoke("apikey", "create", "--admin", db=db_url)).strip())
    listed = ok(invoke("apikey", "list", db=db_url)) + ok(
        invoke("apikey", "list", "--json", db=db_url)
    )
    assert key not in listed and key.rsplit("_", 1)[1] not in listed
    assert key.split("_")[1] in listed  # the public prefix
    principal = inbox.authenticate(key)
    assert (principal.company_id, principal.scope) == (inbox.company_id("Acme"), "write")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--admin", "--company", "Acme"), "either --company or --admin"),
        ((), "either --company or --admin"),
        (("--admin", "--scope", "write"), "no --scope"),
        (("--company", "Acme", "--scope", "admin"), "read or write"),
        (("--company", "Nobody"), "unknown company"),
    ],
)
def test_create_refuses_what_makes_no_key(
    db_url: str, inbox: Inbox, args: tuple[str, ...], needle: str
) -> None:
    inbox.add_company("Acme", ["support@acme.example"])
    result = invoke("apikey", "create", *args, db=db_url)
    assert result.exit_code == 2 and needle in result.stderr
    assert inbox.api_keys() == ()


def test_a_revoked_key_is_refused(world: World) -> None:
    [key] = [k for k in world.inbox.api_keys("Acme") if k.name == "crm"]
    with world.client(world.acme_read) as client:
        assert client.get("/v1/conversations").status_code == 200
        ok(invoke("apikey", "revoke", str(key.id), "--company", "Acme", db=world.inbox.settings.db))
        refused = client.get("/v1/conversations")
    assert refused.status_code == 401 and error_of(refused)["code"] == "unauthorized"
    assert refused.headers["www-authenticate"] == "Bearer"
    with pytest.raises(AuthError):
        world.inbox.authenticate(world.acme_read)


def test_a_company_revokes_only_its_own_keys(world: World) -> None:
    [theirs] = world.inbox.api_keys("Globex")
    with pytest.raises(NotFound, match=f"no API key {theirs.id} in this company"):
        world.inbox.revoke_api_key("Acme", theirs.id)
    assert world.inbox.authenticate(world.globex_write).key_id == theirs.id


@pytest.mark.parametrize(
    "header",
    [
        "",
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Bearer isk_000000000000_" + "a" * 43,
        "Bearer isk_" + "x" * 300,
        b"Bearer \xe9t\xe9",  # latin-1 bytes: not a key's alphabet
    ],
)
def test_no_live_key_is_401(world: World, header: str | bytes) -> None:
    value = header.encode() if isinstance(header, str) else header
    with world.client() as client:
        answer = client.get("/v1/conversations", headers={b"Authorization": value} if value else {})
    assert answer.status_code == 401 and error_of(answer)["code"] == "unauthorized"


def test_a_forged_secret_behind_a_real_prefix_is_refused(world: World) -> None:
    prefix = world.acme_read.split("_")[1]
    forged = f"isk_{prefix}_{'A' * 43}"
    with pytest.raises(AuthError, match="invalid API key"):
        world.inbox.authenticate(forged)


def test_scopes(world: World) -> None:
    folder = {"folder": "Billing"}
    [ours] = world.inbox.conversations("Acme")
    path = f"/v1/conversations/{ours.id}/folder"
    with world.client(world.acme_read) as read, world.client(world.acme_write) as write:
        assert error_of(read.put(path, json=folder))["code"] == "forbidden"
        assert write.put(path, json=folder).json()["folder_name"] == "Billing"
        assert read.get(path.removesuffix("/folder")).json()["folder"] == "Billing"
        assert error_of(write.get("/v1/companies"))["code"] == "forbidden"
    with world.client(world.admin) as admin:
        names = [c["name"] for c in admin.get("/v1/companies").json()["items"]]
        assert names == ["Acme", "Globex"]
        assert admin.get("/v1/conversations").status_code == 403


def test_last_used_is_written_at_most_once_a_minute(world: World) -> None:
    def last_used() -> object:
        [key] = [k for k in world.inbox.api_keys("Acme") if k.name == "crm"]
        return key.last_used_at

    assert last_used() is None
    with world.client(world.acme_read) as client:
        client.get("/v1/folders")
        first = last_used()
        client.get("/v1/folders")
    assert first is not None and last_used() == first


def test_a_key_name_must_be_plain_text(inbox: Inbox) -> None:
    inbox.add_company("Acme", ["support@acme.example"])
    with pytest.raises(UsageError, match="printable"):
        inbox.create_api_key("Acme", name="crm\r\nX-Injected: 1")
