"""The web inbox's list through the library, on both databases: newest activity first with the
last message's preview, unread for one user until they mark it read (and again after a new
message), the folder counts, and a page whose queries do not grow with its rows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from inboxsync import Inbox, NotFound, Settings
from inboxsync.db.counters import counting
from inboxsync.db.inbox_view import PREVIEW_CHARS, preview
from inboxsync.db.listing import ConversationFilter
from inboxsync.jobs import close_queues
from tests.factories import make_message
from tests.server.conftest import import_conversations

PASSWORD = "correct horse battery"


@pytest.fixture
def inbox(db_url: str) -> Iterator[Inbox]:
    inbox = Inbox(Settings(db=db_url, ai={"provider": "local", "local_model": "hashing"}))
    inbox.add_company("Acme", ["support@acme.example"])
    inbox.add_company("Globex", ["support@globex.example"])
    yield inbox
    close_queues()
    inbox.close()


@pytest.fixture
def agent(inbox: Inbox) -> int:
    return inbox.add_user("Acme", "agent@acme.example", PASSWORD).id


def reply_to(inbox: Inbox, i: int, body: str = "Any news?") -> None:
    """A client's reply to conversation number `i` of `import_conversations`."""
    raw = make_message(
        msgid=f"<reply-{i}-{body[:8]!r}@client.example>",
        sender=f"Client {i} <client{i}@client{i}.example>",
        subject=f"Re: Question number {i}",
        body=body,
        minutes=1000 + i,
        in_reply_to=f"<{i}@acme.client.example>",
    )
    inbox.receive("Acme", [raw], wait=True)


def test_newest_activity_first_with_the_last_message(
    inbox: Inbox, agent: int, tmp_path: Path
) -> None:
    import_conversations(inbox, "Acme", tmp_path, 1, 3)
    reply_to(inbox, 1, "Still   broken\n\nafter the update")
    rows = inbox.inbox_page("Acme", agent).rows
    first = rows[0]
    assert first.conversation.subject == "Question number 1"
    assert first.conversation.messages == 2
    assert first.last is not None
    assert (first.last.sender, first.last.preview) == ("Client 1", "Still broken after the update")
    assert {r.conversation.subject for r in rows[1:]} == {"Question number 2", "Question number 3"}


def test_unread_until_marked_read_and_again_after_a_new_message(
    inbox: Inbox, agent: int, tmp_path: Path
) -> None:
    import_conversations(inbox, "Acme", tmp_path, 1, 2)
    other = inbox.add_user("Acme", "other@acme.example", PASSWORD).id
    rows = inbox.inbox_page("Acme", agent).rows
    assert all(r.unread for r in rows)
    one = next(r.conversation.id for r in rows if r.conversation.subject.endswith("1"))
    inbox.mark_read("Acme", agent, one)
    inbox.mark_read("Acme", agent, one)  # again: the same row, later
    unread = {r.conversation.id: r.unread for r in inbox.inbox_page("Acme", agent).rows}
    assert unread[one] is False and list(unread.values()).count(True) == 1
    assert all(r.unread for r in inbox.inbox_page("Acme", other).rows)  # read for me only
    reply_to(inbox, 1)
    unread = {r.conversation.id: r.unread for r in inbox.inbox_page("Acme", agent).rows}
    assert unread[one] is True


def test_another_companys_conversation_or_user_is_not_found(
    inbox: Inbox, agent: int, tmp_path: Path
) -> None:
    import_conversations(inbox, "Globex", tmp_path, 1, 1)
    theirs = inbox.conversations("Globex")[0].id
    their_user = inbox.add_user("Globex", "agent@globex.example", PASSWORD).id
    with pytest.raises(NotFound):
        inbox.mark_read("Acme", agent, theirs)
    with pytest.raises(NotFound):
        inbox.mark_read("Acme", their_user, theirs)
    with pytest.raises(NotFound):
        inbox.inbox_page("Acme", their_user)
    assert inbox.inbox_page("Acme", agent).rows == ()


def test_the_filters_and_the_folder_counts(inbox: Inbox, agent: int, tmp_path: Path) -> None:
    import_conversations(inbox, "Acme", tmp_path, 1, 3)
    inbox.add_folder("Acme", "Billing", "invoices")
    ids = {r.conversation.subject: r.conversation.id for r in inbox.inbox_page("Acme", agent).rows}
    inbox.set_folder("Acme", ids["Question number 2"], "Billing")
    billing = inbox.inbox_page("Acme", agent, ConversationFilter(folder="billing")).rows
    assert [r.conversation.folder for r in billing] == ["Billing"]
    unfiled = inbox.inbox_page("Acme", agent, ConversationFilter(folder="none")).rows
    assert len(unfiled) == 2
    counts = {(f.name, f.conversations) for f in inbox.inbox_folders("Acme")}
    assert counts == {("Billing", 1), (None, 2)}
    notifications = inbox.inbox_page("Acme", agent, ConversationFilter(notification=True))
    assert notifications.rows == ()


def test_pages_follow_each_other_newest_first(inbox: Inbox, agent: int, tmp_path: Path) -> None:
    import_conversations(inbox, "Acme", tmp_path, 1, 5)
    seen: list[int] = []
    cursor = None
    while True:
        page = inbox.inbox_page("Acme", agent, cursor=cursor, limit=2)
        seen += [r.conversation.id for r in page.rows]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert len(seen) == len(set(seen)) == 5
    assert seen == [r.conversation.id for r in inbox.inbox_page("Acme", agent).rows]


def test_a_page_costs_the_same_queries_for_2_and_20_rows(
    inbox: Inbox, agent: int, tmp_path: Path
) -> None:
    """What the web page's render asks of the library: the page and the folder counts."""
    import_conversations(inbox, "Acme", tmp_path, 1, 2)

    def render_queries() -> tuple[int, int]:
        with counting() as page:
            inbox.inbox_page("Acme", agent, ConversationFilter(notification=False))
        with counting() as folders:
            inbox.inbox_folders("Acme")
        return page.round_trips, folders.round_trips

    few = render_queries()
    import_conversations(inbox, "Acme", tmp_path, 100, 18)
    for i in (100, 101):
        reply_to(inbox, i)
    for name in ("Billing", "Sales", "Support"):
        inbox.add_folder("Acme", name, "whatever")
    inbox.mark_read("Acme", agent, inbox.conversations("Acme")[0].id)
    assert len(inbox.inbox_page("Acme", agent).rows) == 20
    # The page: the company, the user, the event position, the rows, their previews and
    # unread flags. The folders: the company, the counts, the names.
    assert render_queries() == few == (5, 3)


def test_a_preview_is_the_texts_start_on_one_line() -> None:
    assert preview("  Hello\n\n\tthere  ") == "Hello there"
    assert preview(None) == ""
    long = preview("word " * 100)
    assert len(long) == PREVIEW_CHARS and long.endswith("…")
