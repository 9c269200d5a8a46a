"""The web page's accounts on both databases: adding users, signing in, throttling, and the
session versions that end old sessions."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from inboxsync import AuthError, Inbox, NotFound, Settings, SignInThrottled, UsageError
from inboxsync.db.counters import counting

PASSWORD = "correct horse"
LOCKOUT_SECONDS = 1.0


@pytest.fixture
def inbox(db_url: str) -> Iterator[Inbox]:
    settings = Settings(
        db=db_url,
        ai={"provider": "local", "local_model": "hashing"},
        web={"login_max_failures": 3, "login_lockout_seconds": LOCKOUT_SECONDS},
    )
    inbox = Inbox(settings)
    inbox.add_company("Acme", ["support@acme.example"])
    inbox.add_company("Globex", ["support@globex.example"])
    yield inbox
    inbox.close()


def test_a_user_is_added_lower_cased_and_listed(inbox: Inbox) -> None:
    admin = inbox.add_user("Acme", " Ann@Acme.Example ", PASSWORD, admin=True)
    agent = inbox.add_user("Acme", "bob@acme.example", PASSWORD)
    inbox.add_user("Globex", "gil@globex.example", PASSWORD)
    assert (admin.email, admin.role, admin.company) == ("ann@acme.example", "admin", "Acme")
    assert agent.role == "agent" and agent.last_sign_in_at is None
    assert [u.email for u in inbox.users("Acme")] == ["ann@acme.example", "bob@acme.example"]
    assert "hash" not in repr(admin) and PASSWORD not in repr(admin)


def test_an_address_is_unique_over_every_company(inbox: Inbox) -> None:
    inbox.add_user("Acme", "ann@acme.example", PASSWORD)
    with pytest.raises(UsageError, match="already exists"):
        inbox.add_user("Globex", "ANN@acme.example", PASSWORD)
    assert inbox.users("Globex") == []


MALFORMED = ["", "ann", "ann@", "@acme.example", "a b@acme.example", "ann@acme",
             "ann@acme..example", "x" * 250 + "@a.example"]  # fmt: skip


@pytest.mark.parametrize("email", MALFORMED)
def test_a_malformed_address_is_refused(inbox: Inbox, email: str) -> None:
    with pytest.raises(UsageError, match="not an email address"):
        inbox.add_user("Acme", email, PASSWORD)


def test_a_short_password_is_refused(inbox: Inbox) -> None:
    with pytest.raises(UsageError, match="8 to"):
        inbox.add_user("Acme", "ann@acme.example", "1234567")
    inbox.add_user("Acme", "ann@acme.example", "12345678")


def test_sign_in_with_the_right_password(inbox: Inbox) -> None:
    added = inbox.add_user("Acme", "ann@acme.example", PASSWORD)
    signed_in = inbox.sign_in("ANN@acme.example", PASSWORD)
    assert (signed_in.id, signed_in.company) == (added.id, "Acme")
    assert signed_in.last_sign_in_at is not None


def test_a_wrong_password_and_an_unknown_address_are_told_apart_by_nothing(inbox: Inbox) -> None:
    inbox.add_user("Acme", "ann@acme.example", PASSWORD)
    with pytest.raises(AuthError) as wrong:
        inbox.sign_in("ann@acme.example", "not the password")
    with pytest.raises(AuthError) as unknown:
        inbox.sign_in("nobody@acme.example", PASSWORD)
    assert str(wrong.value) == str(unknown.value)
    assert type(wrong.value) is type(unknown.value) is AuthError


def test_both_refusals_take_about_as_long(inbox: Inbox) -> None:
    inbox.add_user("Acme", "ann@acme.example", PASSWORD)

    def duration(email: str) -> float:
        started = time.perf_counter()
        with pytest.raises(AuthError):
            inbox.sign_in(email, "not the password")
        return time.perf_counter() - started

    duration("nobody@acme.example")  # the dummy hash is made once
    # One failure each way, the slower of two tries: well under the lockout's three.
    wrong = min(duration("ann@acme.example"), duration("ann@acme.example"))
    inbox.set_password("Acme", inbox.users("Acme")[0].id, PASSWORD)  # failures start again
    unknown = min(duration("nobody@acme.example"), duration("nobody@acme.example"))
    assert unknown > wrong / 3 and wrong > unknown / 3


def test_too_many_failures_lock_the_address_then_the_lockout_ends(inbox: Inbox) -> None:
    inbox.add_user("Acme", "ann@acme.example", PASSWORD)
    for _ in range(3):
        with pytest.raises(AuthError) as failed:
            inbox.sign_in("ann@acme.example", "not the password")
        assert type(failed.value) is AuthError
    with pytest.raises(SignInThrottled):
        inbox.sign_in("ann@acme.example", PASSWORD)  # even with the right password
    time.sleep(LOCKOUT_SECONDS + 0.1)
    assert inbox.sign_in("ann@acme.example", PASSWORD).email == "ann@acme.example"


def test_a_success_starts_the_failure_count_again(inbox: Inbox) -> None:
    inbox.add_user("Acme", "ann@acme.example", PASSWORD)
    for _ in range(2):
        for _ in range(2):
            with pytest.raises(AuthError):
                inbox.sign_in("ann@acme.example", "not the password")
        inbox.sign_in("ann@acme.example", PASSWORD)


def test_a_session_lives_until_the_password_changes(inbox: Inbox) -> None:
    user = inbox.sign_in(inbox.add_user("Acme", "ann@acme.example", PASSWORD).email, PASSWORD)
    assert inbox.web_user(user.id, user.session_version) == user
    inbox.set_password("Acme", user.id, "another password")
    assert inbox.web_user(user.id, user.session_version) is None
    with pytest.raises(AuthError):
        inbox.sign_in("ann@acme.example", PASSWORD)
    again = inbox.sign_in("ann@acme.example", "another password")
    assert inbox.web_user(again.id, again.session_version) == again


def test_removing_a_user_ends_their_sessions(inbox: Inbox) -> None:
    user = inbox.add_user("Acme", "ann@acme.example", PASSWORD)
    inbox.remove_user("Acme", user.id)
    assert inbox.web_user(user.id, user.session_version) is None
    assert inbox.users("Acme") == []
    with pytest.raises(AuthError):
        inbox.sign_in("ann@acme.example", PASSWORD)


def test_another_companys_user_cannot_be_removed_or_given_a_password(inbox: Inbox) -> None:
    theirs = inbox.add_user("Globex", "gil@globex.example", PASSWORD)
    with pytest.raises(NotFound):
        inbox.remove_user("Acme", theirs.id)
    with pytest.raises(NotFound):
        inbox.set_password("Acme", theirs.id, "another password")
    assert inbox.sign_in("gil@globex.example", PASSWORD).id == theirs.id


def test_a_session_is_resolved_in_one_query(inbox: Inbox) -> None:
    user = inbox.add_user("Acme", "ann@acme.example", PASSWORD)
    with counting() as counter:
        inbox.web_user(user.id, user.session_version)
    assert counter.round_trips == 1


def test_the_web_secret_is_made_once_and_shared(db_url: str, inbox: Inbox) -> None:
    secret = inbox.web_secret()
    other = Inbox(Settings(db=db_url))
    try:
        assert other.web_secret() == secret and len(secret) >= 32
    finally:
        other.close()
    configured = Inbox(Settings(db=db_url, web={"secret_key": "configured key"}))
    try:
        assert configured.web_secret() == b"configured key"
    finally:
        configured.close()
