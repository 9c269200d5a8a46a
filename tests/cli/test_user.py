"""`inboxsync user …` end to end on both databases: adding users with a password from a
variable or a hidden prompt, listing, removing, changing a password."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from inboxsync import AuthError, Inbox, Settings
from inboxsync.cli import app
from tests.support.cli import invoke, ok

PASSWORD = "correct horse"


@pytest.fixture
def db(db_url: str) -> str:
    ok(invoke("company", "add", "Acme", "--address", "support@acme.example", db=db_url))
    return db_url


def signed_in(db: str, email: str, password: str) -> bool:
    inbox = Inbox(Settings(db=db))
    try:
        inbox.sign_in(email, password)
        return True
    except AuthError:
        return False
    finally:
        inbox.close()


def add(db: str, email: str, *extra: str) -> str:
    args = ["user", "add", "--company", "Acme", "--email", email, "--password-env", "PW"]
    return ok(invoke(*args, *extra, db=db, env={"PW": PASSWORD}))


def test_add_with_the_password_from_a_variable_then_list(db: str) -> None:
    out = add(db, "Ann@acme.example", "--admin")
    assert "ann@acme.example" in out and "admin" in out
    add(db, "bob@acme.example")
    listed = json.loads(ok(invoke("user", "list", "--company", "Acme", "--json", db=db)))
    assert [(u["email"], u["role"]) for u in listed] == [
        ("ann@acme.example", "admin"),
        ("bob@acme.example", "agent"),
    ]
    assert not any("hash" in key or "password" in key for key in listed[0])
    assert "bob@acme.example" in ok(invoke("user", "list", "--company", "Acme", db=db))
    assert signed_in(db, "ann@acme.example", PASSWORD)


def test_add_with_the_password_typed_twice(db: str) -> None:
    args = ["--db", db, "user", "add", "--company", "Acme", "--email", "ann@acme.example"]
    result = CliRunner().invoke(app, args, input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output  # never echoed
    assert signed_in(db, "ann@acme.example", PASSWORD)


def test_an_unset_variable_is_a_one_line_usage_error(db: str) -> None:
    args = ["user", "add", "--company", "Acme", "--email", "ann@acme.example"]
    result = invoke(*args, "--password-env", "NOT_SET", db=db)
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: --password-env: the variable NOT_SET is not set"


def test_a_taken_address_is_a_one_line_error(db: str) -> None:
    add(db, "ann@acme.example")
    args = ["user", "add", "--company", "Acme", "--email", "ANN@acme.example"]
    result = invoke(*args, "--password-env", "PW", db=db, env={"PW": PASSWORD})
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "already exists" in result.stderr


def test_remove_and_set_password(db: str) -> None:
    add(db, "ann@acme.example")
    [ann] = json.loads(ok(invoke("user", "list", "--company", "Acme", "--json", db=db)))
    args = ["user", "set-password", "--company", "Acme", str(ann["id"]), "--password-env", "PW"]
    ok(invoke(*args, db=db, env={"PW": "a new password"}))
    assert not signed_in(db, "ann@acme.example", PASSWORD)
    assert signed_in(db, "ann@acme.example", "a new password")
    ok(invoke("user", "remove", "--company", "Acme", str(ann["id"]), db=db))
    assert json.loads(ok(invoke("user", "list", "--company", "Acme", "--json", db=db))) == []
    again = invoke("user", "remove", "--company", "Acme", str(ann["id"]), db=db)
    assert again.exit_code == 2 and f"no user {ann['id']}" in again.stderr
