"""People's merges, splits, their undoing and notification marks, through `Inbox`, on both
databases: messages moved, counts and participants right, one event each, tenancy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from inboxsync import Inbox, NotFound, Settings, UsageError
from inboxsync.db.models import Conversation
from tests.factories import make_message, write_files


@pytest.fixture
def inbox(db_url: str) -> Iterator[Inbox]:
    inbox = Inbox(Settings(db=db_url, ai={"provider": "local", "local_model": "hashing"}))
    for company in ("Acme", "Globex"):
        inbox.add_company(company, [f"support@{company.lower()}.example"])
    yield inbox
    inbox.close()


def thread_mail(tag: str, sender: str, replies: int, minutes: int = 0) -> dict[str, bytes]:
    """A message from `sender` with subject `tag` and `replies` replies chained to it."""
    mail = {
        f"{tag}0.eml": make_message(
            msgid=f"<{tag}0@x>", sender=sender, subject=f"About {tag}", minutes=minutes
        )
    }
    for i in range(1, replies + 1):
        mail[f"{tag}{i}.eml"] = make_message(
            msgid=f"<{tag}{i}@x>",
            sender=sender if i % 2 == 0 else "support@acme.example",
            to="support@acme.example" if i % 2 == 0 else sender,
            subject=f"Re: About {tag}",
            in_reply_to=f"<{tag}{i - 1}@x>",
            references=" ".join(f"<{tag}{j}@x>" for j in range(i)),
            minutes=minutes + i,
        )
    return mail


def import_mail(inbox: Inbox, company: str, folder: Path, mail: dict[str, bytes]) -> None:
    inbox.import_path(company, write_files(folder, mail))


def by_subject(inbox: Inbox, company: str) -> dict[str, int]:
    return {c.subject: c.id for c in inbox.conversations(company)}


def message_ids(inbox: Inbox, company: str, conversation_id: int) -> list[int]:
    return [m.id for m in inbox.conversation(company, conversation_id).messages]


def event_types(inbox: Inbox, company: str) -> list[str]:
    return [e.type for e in inbox.events(company, limit=1000).events]


@pytest.fixture
def two(inbox: Inbox, tmp_path: Path) -> tuple[int, int]:
    """Acme's two conversations: "About a" (3 messages, alice) and "About b" (2, bob)."""
    mail = thread_mail("a", "Alice <alice@client.example>", 2)
    mail |= thread_mail("b", "Bob <bob@other.example>", 1, minutes=10)
    import_mail(inbox, "Acme", tmp_path / "two", mail)
    found = by_subject(inbox, "Acme")
    return found["About a"], found["About b"]


def test_merge_moves_every_message_and_recounts_the_survivor(
    inbox: Inbox, two: tuple[int, int]
) -> None:
    a, b = two
    moved = message_ids(inbox, "Acme", b)
    done = inbox.merge_conversations("Acme", a, b)
    assert (done.kind, done.conversation_id, done.source_id) == ("merge", a, b)
    assert done.message_ids == tuple(moved) and done.undoable
    assert [c.id for c in inbox.conversations("Acme")] == [a]
    [row] = inbox.conversations("Acme")
    assert row.messages == 5
    with inbox.sessions() as session:
        survivor = session.get(Conversation, a)
        assert survivor is not None
        assert set(survivor.participants.split()) == {"alice@client.example", "bob@other.example"}
        assert survivor.last_message_at == max(
            m.date for m in inbox.conversation("Acme", a).messages
        )
    assert event_types(inbox, "Acme").count("conversation.merged") == 1
    assert inbox.thread_overrides("Acme", a) == [done]


def test_undoing_a_merge_revives_the_merged_conversation_with_its_messages(
    inbox: Inbox, two: tuple[int, int]
) -> None:
    a, b = two
    before = message_ids(inbox, "Acme", b)
    done = inbox.merge_conversations("Acme", a, b)
    undone = inbox.undo_override("Acme", done.id)
    assert undone.undone_at is not None and not undone.undoable
    revived = by_subject(inbox, "Acme")["About b"]
    assert message_ids(inbox, "Acme", revived) == before
    counts = {c.id: c.messages for c in inbox.conversations("Acme")}
    assert counts == {a: 3, revived: 2}
    assert event_types(inbox, "Acme").count("conversation.override_undone") == 1
    with pytest.raises(UsageError, match="undone already"):
        inbox.undo_override("Acme", done.id)


def test_split_moves_the_message_and_its_replies_into_a_new_pending_conversation(
    inbox: Inbox, two: tuple[int, int]
) -> None:
    a, _ = two
    first, second, third = message_ids(inbox, "Acme", a)
    done = inbox.split_message("Acme", second)
    assert done.kind == "split" and done.source_id == a
    assert done.message_ids == (second, third)
    assert message_ids(inbox, "Acme", a) == [first]
    assert message_ids(inbox, "Acme", done.conversation_id) == [second, third]
    counts = {c.id: c.messages for c in inbox.conversations("Acme")}
    assert counts[a] == 1 and counts[done.conversation_id] == 2
    assert event_types(inbox, "Acme").count("conversation.split") == 1
    assert (
        inbox.thread_overrides("Acme", a)
        == inbox.thread_overrides("Acme", done.conversation_id)
        == [done]
    )


def test_a_split_conversation_is_classified(inbox: Inbox, two: tuple[int, int]) -> None:
    a, _ = two
    inbox.add_folder("Acme", "Billing", "Invoices, exports and payments")
    done = inbox.split_message("Acme", message_ids(inbox, "Acme", a)[1], wait=True)
    [row] = [c for c in inbox.conversations("Acme") if c.id == done.conversation_id]
    assert row.status != "pending"


def test_undoing_a_split_moves_the_messages_back_and_removes_the_split_conversation(
    inbox: Inbox, two: tuple[int, int]
) -> None:
    a, b = two
    before = message_ids(inbox, "Acme", a)
    done = inbox.split_message("Acme", before[2])
    inbox.undo_override("Acme", done.id)
    assert message_ids(inbox, "Acme", a) == before
    assert {c.id for c in inbox.conversations("Acme")} == {a, b}
    with pytest.raises(UsageError):
        inbox.undo_override("Acme", done.id)


def test_splitting_the_root_of_every_message_is_refused(inbox: Inbox, two: tuple[int, int]) -> None:
    a, _ = two
    with pytest.raises(UsageError, match="every message"):
        inbox.split_message("Acme", message_ids(inbox, "Acme", a)[0])


def test_merging_a_conversation_into_itself_is_refused(inbox: Inbox, two: tuple[int, int]) -> None:
    with pytest.raises(UsageError, match="itself"):
        inbox.merge_conversations("Acme", two[0], two[0])


def test_another_companys_ids_are_not_found(
    inbox: Inbox, two: tuple[int, int], tmp_path: Path
) -> None:
    a, b = two
    import_mail(inbox, "Globex", tmp_path / "g", thread_mail("g", "G <g@g.example>", 1))
    [theirs] = [c.id for c in inbox.conversations("Globex")]
    their_message = message_ids(inbox, "Globex", theirs)[1]
    done = inbox.split_message("Acme", message_ids(inbox, "Acme", a)[1])
    for call in (
        lambda: inbox.merge_conversations("Acme", a, theirs),
        lambda: inbox.merge_conversations("Acme", theirs, b),
        lambda: inbox.split_message("Acme", their_message),
        lambda: inbox.thread_overrides("Acme", theirs),
        lambda: inbox.set_notification("Acme", theirs, True),
        lambda: inbox.undo_override("Globex", done.id),
    ):
        with pytest.raises(NotFound):
            call()
    assert message_ids(inbox, "Globex", theirs) != []


def test_a_notification_mark_sets_the_conversation_and_records_an_event(
    inbox: Inbox, two: tuple[int, int]
) -> None:
    a, _ = two
    marked = inbox.set_notification("Acme", a, True)
    assert marked.is_notification
    [row] = [c for c in inbox.conversations("Acme") if c.id == a]
    assert row.is_notification
    unmarked = inbox.set_notification("Acme", a, False)
    assert not unmarked.is_notification
    assert event_types(inbox, "Acme").count("conversation.notification_set") == 2


def test_a_merge_takes_the_merged_conversations_outbox_rows_and_gives_them_back(
    inbox: Inbox, two: tuple[int, int]
) -> None:
    from inboxsync.db.outbox_models import OutboxEntry

    a, b = two
    with inbox.sessions.begin() as session:
        row = OutboxEntry(
            company_id=inbox.company_id("Acme"),
            conversation_id=b,
            kind="reply",
            dedup_key="reply:test",
            status="sent",
        )
        session.add(row)
        session.flush()
        outbox_id = row.id
    done = inbox.merge_conversations("Acme", a, b)
    with inbox.sessions() as session:
        assert (
            session.scalar(select(OutboxEntry.conversation_id).where(OutboxEntry.id == outbox_id))
            == a
        )
    inbox.undo_override("Acme", done.id)
    revived = by_subject(inbox, "Acme")["About b"]
    with inbox.sessions() as session:
        assert (
            session.scalar(select(OutboxEntry.conversation_id).where(OutboxEntry.id == outbox_id))
            == revived
        )


def test_an_undone_merge_comes_back_when_a_newer_conversation_took_its_id(
    inbox: Inbox, two: tuple[int, int], tmp_path: Path
) -> None:
    a, b = two
    done = inbox.merge_conversations("Acme", a, b)
    # SQLite hands the highest id, freed by the merge, to the next conversation.
    import_mail(inbox, "Acme", tmp_path / "c", thread_mail("c", "Carol <c@c.example>", 0, 60))
    inbox.undo_override("Acme", done.id)
    counts = {c.subject: c.messages for c in inbox.conversations("Acme")}
    assert counts == {"About a": 3, "About b": 2, "About c": 1}


def test_a_split_whose_conversation_was_merged_away_asks_to_undo_that_first(
    inbox: Inbox, two: tuple[int, int]
) -> None:
    a, b = two
    split = inbox.split_message("Acme", message_ids(inbox, "Acme", a)[1])
    merge = inbox.merge_conversations("Acme", b, a)
    with pytest.raises(UsageError, match="undo that first"):
        inbox.undo_override("Acme", split.id)
    inbox.undo_override("Acme", merge.id)
    inbox.undo_override("Acme", split.id)
    counts = {c.subject: c.messages for c in inbox.conversations("Acme")}
    assert counts == {"About a": 3, "About b": 2}
