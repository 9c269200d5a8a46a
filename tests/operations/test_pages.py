"""The keyset pages of the Inbox's lists on both databases: the queries a page costs do not
grow with its items, and any cursor text is either one of ours or a UsageError."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inboxsync import Inbox, Settings, UsageError
from inboxsync.db.counters import counting
from inboxsync.db.listing import encode_cursor
from tests.server.conftest import import_conversations


@pytest.fixture
def inbox(db_url: str) -> Iterator[Inbox]:
    inbox = Inbox(Settings(db=db_url, ai={"provider": "local", "local_model": "hashing"}))
    inbox.add_company("Acme", ["support@acme.example"])
    yield inbox
    inbox.close()


def round_trips(call: Callable[[], object]) -> int:
    with counting() as counter:
        call()
    return counter.round_trips


def add_some(inbox: Inbox, tmp_path: Path, first: int, n: int) -> None:
    import_conversations(inbox, "Acme", tmp_path, first, n)
    for i in range(first, first + n):
        inbox.add_folder("Acme", f"Folder {i}", "whatever")
        inbox.add_mailbox("Acme", host=f"imap{i}.acme.example", user=f"u{i}", password_env="PW")


def test_a_page_costs_the_same_queries_for_2_and_20_items(inbox: Inbox, tmp_path: Path) -> None:
    pages: list[Callable[[], object]] = [
        lambda: inbox.mailbox_page("Acme"),
        lambda: inbox.client_page("Acme"),
        lambda: inbox.folder_page("Acme"),
        lambda: inbox.quarantine_page("Acme"),
        lambda: inbox.sync_run_page("Acme"),
    ]
    add_some(inbox, tmp_path, 100, 2)
    few = [round_trips(page) for page in pages]
    add_some(inbox, tmp_path, 200, 18)
    many = [round_trips(page) for page in pages]
    assert few == many
    assert len(inbox.mailbox_page("Acme").items) == len(inbox.client_page("Acme").items) == 20


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cursor=st.text(max_size=80) | st.binary(max_size=60).map(lambda b: b.hex()))
def test_any_cursor_is_a_page_or_a_usage_error(inbox: Inbox, cursor: str) -> None:
    for page in (inbox.mailbox_page, inbox.folder_page, inbox.quarantine_page):
        try:
            page("Acme", cursor=cursor)
        except UsageError as exc:
            assert "cursor" in str(exc)


@pytest.mark.parametrize("key", [(2**63,), (-(2**64),), (True,), ("1",), (1, 2), ()])
def test_a_cursor_of_another_shape_or_range_is_a_usage_error(inbox: Inbox, key: tuple) -> None:
    with pytest.raises(UsageError, match="bad cursor"):
        inbox.mailbox_page("Acme", cursor=encode_cursor(*key))
