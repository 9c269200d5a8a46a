"""The web page's accounts on both databases: adding users, signing in, throttling (known and
unknown addresses alike, stored by keyed hash only, pruned), and the session versions that end
old sessions."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from inboxsync import AuthError, Inbox, NotFound, Settings, SignInThrottled, UsageError
from inboxsync.db.counters import counting
from inboxsync.db.models import utcnow
from inboxsync.db.user_models import SignInThrottle
from inboxsync.db.users import PRUNE_BATCH

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

    duration("someone@acme.example")  # the dummy hash and the web secret are made once
    # Two failures of each address, the faster of the two: under the lockout's three.
    wrong = min(duration("ann@acme.example"), duration("ann@acme.example"))
    unknown = min(duration("nobody@acme.example"), duration("nobody@acme.example"))
    assert unknown > wrong / 3 and wrong > unknown / 3


def test_a_failure_costs_the_same_statements_known_or_not(inbox: Inbox) -> None:
    inbox.add_user("Acme", "ann@acme.example", PASSWORD)
    with pytest.raises(AuthError):
        inbox.sign_in("someone@acme.example", "not the password")  # the web secret, once
    counters = []
    for email in ("ann@acme.example", "nobody@acme.example"):
        with counting() as counter, pytest.raises(AuthError):
            inbox.sign_in(email, "not the password")
        counters.append((counter.round_trips, counter.commits))
    assert counters[0] == counters[1] and counters[0][1] == 1  # both write


def outcomes(inbox: Inbox, email: str, passwords: list[str]) -> list[tuple[str, str]]:
    """What each sign-in with `passwords` in turn answered: the exception's type and text."""
    answers = []
    for password in passwords:
        try:
            answers.append(("signed in", inbox.sign_in(email, password).email))
        except AuthError as refused:
            answers.append((type(refused).__name__, str(refused)))
    return answers


def test_an_unknown_address_is_throttled_exactly_like_a_known_one(inbox: Inbox) -> None:
    inbox.add_user("Acme", "ann@acme.example", PASSWORD)
    tries = ["not the password"] * 3 + [PASSWORD]  # the last even with the right password
    known = outcomes(inbox, "ann@acme.example", tries)
    unknown = outcomes(inbox, "nobody@acme.example", tries)
    assert known == unknown
    assert [kind for kind, _ in known] == ["AuthError"] * 3 + ["SignInThrottled"]
    time.sleep(LOCKOUT_SECONDS + 0.1)
    assert outcomes(inbox, "ann@acme.example", [PASSWORD]) == [("signed in", "ann@acme.example")]
    assert outcomes(inbox, "nobody@acme.example", [PASSWORD]) == [known[0]]  # refused, not locked


def test_too_many_failures_lock_the_address_then_the_lockout_ends(inbox: Inbox) -> None:
    inbox.add_user("Acme", "ann@acme.example", PASSWORD)
    for _ in range(3):
        with pytest.raises(AuthError) as failed:
            inbox.sign_in("ann@acme.example", "not the password")
        assert type(failed.value) is AuthError
    with pytest.raises(SignInThrottled):
        inbox.sign_in("ANN@acme.example ", PASSWORD)  # the same address, as typed otherwise
    time.sleep(LOCKOUT_SECONDS + 0.1)
    assert inbox.sign_in("ann@acme.example", PASSWORD).email == "ann@acme.example"


def test_a_success_starts_the_failure_count_again(inbox: Inbox) -> None:
    inbox.add_user("Acme", "ann@acme.example", PASSWORD)
    for _ in range(2):
        for _ in range(2):
            with pytest.raises(AuthError):
                inbox.sign_in("ann@acme.example", "not the password")
        inbox.sign_in("ann@acme.example", PASSWORD)


def test_a_new_password_ends_a_lockout(inbox: Inbox) -> None:
    ann = inbox.add_user("Acme", "ann@acme.example", PASSWORD)
    outcomes(inbox, "ann@acme.example", ["not the password"] * 3)
    with pytest.raises(SignInThrottled):
        inbox.sign_in("ann@acme.example", PASSWORD)
    inbox.set_password("Acme", ann.id, "another password")
    assert inbox.sign_in("ann@acme.example", "another password").id == ann.id


def throttle_rows(inbox: Inbox) -> list[tuple[str, int, object, object]]:
    with inbox.sessions() as session:
        rows = session.execute(
            select(
                SignInThrottle.key,
                SignInThrottle.failures,
                SignInThrottle.expires_at,
                SignInThrottle.locked_until,
            )
        )
        return [tuple(row) for row in rows]


def test_the_throttle_holds_no_typed_address(inbox: Inbox) -> None:
    inbox.add_user("Acme", "ann@acme.example", PASSWORD)
    typed = [" Ann@Acme.Example", "ann@acme.example", "nobody@acme.example"]
    for email in typed:
        with pytest.raises(AuthError):
            inbox.sign_in(email, "not the password")
    rows = throttle_rows(inbox)
    assert sorted(failures for _, failures, _, _ in rows) == [1, 2]  # Ann's two spellings: one
    stored = repr(rows).lower()
    for email in typed:
        assert email.strip().lower() not in stored and email.split("@")[0].lower() not in stored
    assert "acme" not in stored


def test_expired_throttle_rows_are_pruned_a_batch_at_a_time(inbox: Inbox) -> None:
    hour_ago = utcnow() - timedelta(hours=1)
    with inbox.sessions.begin() as session:
        session.add_all(
            SignInThrottle(key=f"old{n}", failures=1, expires_at=hour_ago, locked_until=hour_ago)
            for n in range(PRUNE_BATCH + 5)
        )
        session.add(
            SignInThrottle(key="live", failures=1, expires_at=utcnow() + timedelta(hours=1))
        )
    with pytest.raises(AuthError):
        inbox.sign_in("nobody@acme.example", "not the password")
    keys = [key for key, *_ in throttle_rows(inbox)]
    assert len([key for key in keys if key.startswith("old")]) == 5 and "live" in keys
    assert len(keys) == 5 + 2  # the live row and the new failure's
    with pytest.raises(AuthError):
        inbox.sign_in("someone@acme.example", "not the password")
    assert len([key for key, *_ in throttle_rows(inbox) if not key.startswith("old")]) == 3
    assert not [key for key, *_ in throttle_rows(inbox) if key.startswith("old")]


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
