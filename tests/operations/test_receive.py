"""`Inbox.receive` on both databases: raw messages through the pipeline as one run, each
answered in order with its outcome (created, duplicate with the stored ids, quarantined with
the entry and its reason), threaded, tenant-scoped, followed up like an import."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from inboxsync import Inbox, NotFound, Settings
from inboxsync.db.models import InboxMessage, SyncRun
from inboxsync.operations.inbound import Received
from tests.factories import make_message

QUESTION = make_message(msgid="<q1@client.example>", subject="Export fails")
REPLY = make_message(
    msgid="<r1@client.example>",
    subject="Re: Export fails",
    in_reply_to="<q1@client.example>",
    minutes=5,
)
JUNK = b"\x00 not a message"


@pytest.fixture
def inbox(db_url: str) -> Iterator[Inbox]:
    inbox = Inbox(Settings(db=db_url, ai={"provider": "local", "local_model": "hashing"}))
    for company in ("Acme", "Globex"):
        inbox.add_company(company, [f"support@{company.lower()}.example"])
    yield inbox
    inbox.close()


def runs(inbox: Inbox) -> list[SyncRun]:
    with inbox.sessions() as session:
        return list(session.scalars(select(SyncRun).order_by(SyncRun.id)))


def test_each_message_is_answered_in_order_with_its_outcome(inbox: Inbox) -> None:
    question, junk, reply, again = inbox.receive("Acme", [QUESTION, JUNK, REPLY, QUESTION])
    assert question.status == "created" and question.message_key == "q1@client.example"
    assert reply.status == "created" and reply.conversation_id == question.conversation_id
    assert again == Received(
        "duplicate", "q1@client.example", question.message_id, question.conversation_id
    )
    assert junk.status == "quarantined" and junk.message_key is None
    [entry] = inbox.quarantine("Acme")
    assert junk.quarantine_id == entry.id and junk.reason == entry.reason != ""
    [run] = runs(inbox)
    assert run.source == "http" and run.mailbox_id is None and run.status == "finished"
    assert json.loads(run.report)["new_messages"] == 2


def test_a_message_stored_before_is_a_duplicate_with_its_ids(inbox: Inbox) -> None:
    [first] = inbox.receive("Acme", [QUESTION])
    [second] = inbox.receive("Acme", [QUESTION])
    assert first.status == "created" and second.status == "duplicate"
    assert (second.message_id, second.conversation_id) == (
        first.message_id,
        first.conversation_id,
    )
    with inbox.sessions() as session:
        [ref] = session.scalars(select(InboxMessage.source_ref))
    assert ref.startswith("http:")


def test_quarantined_bytes_sent_again_name_the_same_entry(inbox: Inbox) -> None:
    [first] = inbox.receive("Acme", [JUNK])
    [second] = inbox.receive("Acme", [JUNK])
    assert first.status == second.status == "quarantined"
    assert first.quarantine_id == second.quarantine_id is not None
    assert len(inbox.quarantine("Acme")) == 1


def test_a_message_is_stored_in_its_company_only(inbox: Inbox) -> None:
    [acme] = inbox.receive("Acme", [QUESTION])
    [globex] = inbox.receive("Globex", [QUESTION])
    assert acme.status == globex.status == "created"
    assert acme.conversation_id != globex.conversation_id
    assert [c.id for c in inbox.conversations("Globex")] == [globex.conversation_id]


def test_more_messages_than_a_batch_are_one_run(db_url: str, inbox: Inbox) -> None:
    small = Inbox(inbox.settings.replace(batch_size=2))
    mail = [make_message(msgid=f"<{i}@client.example>", subject=f"Question {i}") for i in range(5)]
    try:
        outcomes = small.receive("Acme", mail)
    finally:
        small.close()
    assert [o.status for o in outcomes] == ["created"] * 5
    assert len({o.message_id for o in outcomes}) == 5
    [run] = runs(inbox)
    # The run row, the sender verdict the detector caches, then one commit per batch of 2.
    assert json.loads(run.report)["commits"] == 2 + 3


def test_waiting_classifies_the_new_conversations(inbox: Inbox) -> None:
    inbox.add_folder("Acme", "Support", "questions about the product, exports, bugs")
    [outcome] = inbox.receive("Acme", [QUESTION], wait=True)
    conversation = inbox.conversation("Acme", outcome.conversation_id or 0)
    assert conversation.status != "pending"


def test_nothing_received_runs_nothing(inbox: Inbox) -> None:
    assert inbox.receive("Acme", []) == []
    assert runs(inbox) == []


def test_an_unknown_company_is_not_found(inbox: Inbox) -> None:
    with pytest.raises(NotFound):
        inbox.receive("Initech", [QUESTION])
