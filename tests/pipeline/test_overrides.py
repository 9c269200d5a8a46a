"""Later mail obeys people's threading decisions, on both databases: a reply to a split
message joins the split conversation, a late parent does not join the two again, a reply
after a merge joins the survivor, a notification mark stays; round trips stay constant."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from inboxsync import Inbox, Settings
from inboxsync.db.models import InboxMessage
from tests.factories import make_message, write_files

ALICE = "Alice <alice@client.example>"


@pytest.fixture
def inbox(db_url: str) -> Iterator[Inbox]:
    inbox = Inbox(Settings(db=db_url))
    for company in ("Acme", "Globex"):
        inbox.add_company(company, [f"support@{company.lower()}.example"])
    yield inbox
    inbox.close()


def reply(key: str, parent: str | None, refs: list[str], minutes: int, subject: str) -> bytes:
    return make_message(
        msgid=f"<{key}@x>",
        sender=ALICE,
        subject=subject,
        in_reply_to=f"<{parent}@x>" if parent else None,
        references=" ".join(f"<{r}@x>" for r in refs) or None,
        minutes=minutes,
    )


class Mail:
    """Imports into a company, one folder per call, and finds messages' conversations."""

    def __init__(self, inbox: Inbox, tmp_path: Path) -> None:
        self.inbox, self.tmp_path, self.calls = inbox, tmp_path, 0

    def add(self, company: str, **mail: bytes) -> int:
        """Import the messages (named by key); the batch's round trips."""
        self.calls += 1
        folder = write_files(
            self.tmp_path / str(self.calls), {f"{k}.eml": raw for k, raw in mail.items()}
        )
        return self.inbox.import_path(company, folder).db_round_trips

    def rows(self, company: str) -> list[tuple[str, int, int]]:
        """(key, message id, conversation id) of the company's messages; the key is the
        left part of the Message-ID."""
        with self.inbox.sessions() as session:
            found = session.execute(
                select(
                    InboxMessage.message_key, InboxMessage.id, InboxMessage.conversation_id
                ).where(InboxMessage.company_id == self.inbox.company_id(company))
            )
            return [(key.split("@")[0], i, c) for key, i, c in found]

    def where(self, company: str) -> dict[str, int]:
        """Each message's key → its conversation id."""
        return {key: c for key, _, c in self.rows(company)}

    def id_of(self, company: str, key: str) -> int:
        [found] = [i for k, i, _ in self.rows(company) if k == key]
        return found


@pytest.fixture
def mail(inbox: Inbox, tmp_path: Path) -> Mail:
    return Mail(inbox, tmp_path)


def thread_of_three(mail: Mail, company: str = "Acme") -> None:
    """x0, x1 replying to x0, x2 replying to x1: one conversation."""
    mail.add(
        company,
        x0=reply("x0", None, [], 0, "About x"),
        x1=reply("x1", "x0", ["x0"], 1, "Re: About x"),
        x2=reply("x2", "x1", ["x0", "x1"], 2, "Re: About x"),
    )


def test_a_reply_to_a_split_message_joins_the_split_conversation(mail: Mail) -> None:
    thread_of_three(mail)
    split = mail.inbox.split_message("Acme", mail.id_of("Acme", "x2"))
    mail.add(
        "Acme",
        x3=reply("x3", "x2", ["x0", "x1", "x2"], 3, "Re: About x"),
        x4=reply("x4", "x1", ["x0", "x1"], 4, "Re: About x"),
    )
    where = mail.where("Acme")
    assert where["x2"] == where["x3"] == split.conversation_id
    assert where["x0"] == where["x1"] == where["x4"] == split.source_id


def test_a_late_parent_does_not_join_split_conversations_again(mail: Mail) -> None:
    # y replies to p, not stored yet: it joins x's conversation by subject and sender.
    mail.add(
        "Acme",
        x0=reply("x0", None, [], 0, "About x"),
        x1=reply("x1", "x0", ["x0"], 1, "Re: About x"),
        y=reply("y", "p", ["x0", "p"], 3, "Re: About x"),
    )
    assert len(set(mail.where("Acme").values())) == 1
    split = mail.inbox.split_message("Acme", mail.id_of("Acme", "y"))
    # p, in x's thread, is y's parent: threading alone would pull y's conversation into x's.
    mail.add("Acme", p=reply("p", "x1", ["x0", "x1"], 2, "Re: About x"))
    where = mail.where("Acme")
    assert where["y"] == split.conversation_id
    assert where["x0"] == where["x1"] == where["p"] == split.source_id
    assert len(mail.inbox.conversations("Acme")) == 2


def test_a_reply_after_a_merge_joins_the_survivor(mail: Mail) -> None:
    mail.add(
        "Acme",
        a0=reply("a0", None, [], 0, "About a"),
        b0=reply("b0", None, [], 30, "Something else"),
    )
    where = mail.where("Acme")
    merge = mail.inbox.merge_conversations("Acme", where["a0"], where["b0"])
    mail.add(
        "Acme",
        b1=reply("b1", "b0", ["b0"], 31, "Re: Something else"),
        a1=reply("a1", "a0", ["a0"], 32, "Re: About a"),
    )
    where = mail.where("Acme")
    assert set(where.values()) == {merge.conversation_id}
    [row] = mail.inbox.conversations("Acme")
    assert row.messages == 4


def test_a_persons_notification_mark_outlives_later_mail(mail: Mail) -> None:
    mail.add("Acme", x0=reply("x0", None, [], 0, "About x"))
    conversation = mail.where("Acme")["x0"]
    mail.inbox.set_notification("Acme", conversation, True)
    mail.add("Acme", x1=reply("x1", "x0", ["x0"], 1, "Re: About x"))
    [row] = mail.inbox.conversations("Acme")
    assert row.id == conversation and row.messages == 2
    assert row.is_notification and row.status == "skipped"


def test_a_batch_after_splits_makes_as_many_round_trips_as_one_without(mail: Mail) -> None:
    for company in ("Acme", "Globex"):
        thread_of_three(mail, company)
    mail.inbox.split_message("Acme", mail.id_of("Acme", "x2"))
    mail.inbox.set_notification("Acme", mail.where("Acme")["x0"], False)
    batch = {
        "x3": reply("x3", "x2", ["x0", "x1", "x2"], 3, "Re: About x"),
        "x4": reply("x4", "x1", ["x0", "x1"], 4, "Re: About x"),
    }
    assert mail.add("Acme", **batch) == mail.add("Globex", **batch)
