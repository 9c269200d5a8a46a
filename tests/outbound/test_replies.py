"""Agents' replies through the outbox to a real SMTP server, on both databases: one mail with
the thread's headers and its attachment intact, stored as the conversation's outgoing message
(the client's answer threads back); one Idempotency-Key, one reply (also when two requests
race); SMTP failing then recovering sends once, failing for good records `reply.failed`."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from inboxsync import Inbox
from inboxsync.config import Settings
from inboxsync.db.models import InboxMessage
from inboxsync.db.outbox_models import OutboxEntry
from inboxsync.outbound import send_auto_reply
from inboxsync.outbound.message import OutgoingFile
from inboxsync.outbound.reply_input import ReplyRefused
from tests.outbound.helpers import (
    QUESTION,
    conversation_of,
    events_of,
    ingest_raw,
    one_filed,
    recent,
    setup_company,
)
from tests.support.smtp_server import SmtpServer

PDF = b"%PDF-1.4\x00\xff binary report \r\n\x1a"


def reply_events(sessions: sessionmaker[Session], conversation_id: int) -> list[tuple[str, dict]]:
    """(type, data) of the conversation's reply and message events, in order."""
    events = events_of(sessions, conversation_id, ("reply.", "message."))
    return [(e.type, dict(e.data)) for e in events]


def test_a_reply_arrives_once_threaded_from_the_companys_domain_with_its_attachment(
    inbox: Inbox,
    sessions: sessionmaker[Session],
    smtp: SmtpServer,
    question: int,
) -> None:
    report = OutgoingFile("Rapport été.pdf", "application/pdf", PDF)
    receipt = inbox.reply(
        "Acme", question, text="Fixed, see the report.", attachments=[report], wait=True
    )
    assert receipt.status == "sent" and not receipt.replayed
    [mail] = smtp.received
    assert mail.rcpt_tos == ["alice@client.example"]
    message = mail.message
    assert message["Message-ID"] == f"<{receipt.message_id}>"
    assert receipt.message_id.endswith("@acme.example")
    assert message["In-Reply-To"] == QUESTION
    assert message["References"] == f"<root@client.example> {QUESTION}"
    assert message["Subject"] == "Re: Invoice export"
    assert message["Auto-Submitted"] is None
    assert message.get_body(("plain",)).get_content().strip() == "Fixed, see the report."
    [part] = list(message.iter_attachments())
    assert part.get_filename() == "Rapport été.pdf"
    assert part.get_content_type() == "application/pdf"
    assert part.get_content() == PDF
    status = inbox.reply_status("Acme", receipt.reply_id)
    assert (status.status, status.attempts, status.sent_copy) == ("sent", 1, "")
    stored = inbox.conversation("Acme", question).messages[-1]
    assert stored.direction == "out"
    [attachment] = inbox.message("Acme", stored.id).attachments
    assert inbox.attachment("Acme", stored.id, attachment.id).data == PDF
    events = reply_events(sessions, question)
    assert [t for t, _ in events] == ["message.created", "reply.sent", "message.created"]
    assert events[1][1] == {"reply_id": receipt.reply_id}


def test_the_clients_answer_threads_back_into_the_conversation(
    inbox: Inbox,
    sessions: sessionmaker[Session],
    settings: Settings,
    tmp_path: Path,
    question: int,
) -> None:
    receipt = inbox.reply("Acme", question, text="Which browser?", wait=True)
    answer = recent(
        "<a2@client.example>",
        subject="Totally different subject",
        in_reply_to=f"<{receipt.message_id}>",
    )
    company_id = inbox.company_id("Acme")
    assert ingest_raw(sessions, settings, company_id, tmp_path / "a", {"a.eml": answer}) == []
    assert conversation_of(sessions, "a2@client.example") == question
    directions = [m.direction for m in inbox.conversation("Acme", question).messages]
    assert sorted(directions) == ["in", "in", "out"]


def test_an_html_only_reply_is_sent_as_written_with_a_text_alternative(
    inbox: Inbox,
    smtp: SmtpServer,
    question: int,
) -> None:
    html = '<p>Hello <b>Alice</b>,</p><p>see <a href="https://acme.example/x">this</a>.</p>'
    inbox.reply("Acme", question, html=html, wait=True)
    [mail] = smtp.received
    assert mail.message.get_content_type() == "multipart/alternative"
    assert mail.message.get_body(("html",)).get_content().strip() == html
    text = mail.message.get_body(("plain",)).get_content()
    assert "Hello Alice" in text and "<b>" not in text


def test_the_same_key_answers_the_same_reply_and_another_body_is_refused(
    inbox: Inbox,
    smtp: SmtpServer,
    question: int,
) -> None:
    first = inbox.reply("Acme", question, text="Done.", idempotency_key="k-1", wait=True)
    again = inbox.reply("Acme", question, text="Done.", idempotency_key="k-1", wait=True)
    assert (again.reply_id, again.message_id, again.status) == (
        first.reply_id,
        first.message_id,
        "sent",
    )
    assert again.replayed and not first.replayed
    with pytest.raises(ReplyRefused) as refused:
        inbox.reply("Acme", question, text="Done!", idempotency_key="k-1")
    assert refused.value.code == "idempotency_mismatch"
    unkeyed = [inbox.reply("Acme", question, text="Done.", wait=True) for _ in range(2)]
    assert unkeyed[0].reply_id != unkeyed[1].reply_id
    assert len(smtp.received) == 3


def test_two_requests_racing_with_one_key_make_one_reply(
    inbox: Inbox,
    sessions: sessionmaker[Session],
    smtp: SmtpServer,
    question: int,
) -> None:
    start = threading.Barrier(2)
    receipts = []

    def post() -> None:
        start.wait()
        receipts.append(inbox.reply("Acme", question, text="Once.", idempotency_key="race"))

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    inbox.reply("Acme", question, text="Once.", idempotency_key="race", wait=True)
    assert len({r.reply_id for r in receipts}) == 1
    assert sorted(r.replayed for r in receipts) == [False, True]
    assert len(smtp.received) == 1
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(OutboxEntry)) == 1


def test_smtp_failing_then_recovering_sends_one_mail(
    inbox: Inbox,
    smtp: SmtpServer,
    question: int,
) -> None:
    smtp.fail("rcpt:451", "data:451")
    receipt = inbox.reply("Acme", question, text="Eventually.", wait=True)
    assert receipt.status == "sent"
    assert inbox.reply_status("Acme", receipt.reply_id).attempts == 3
    assert len(smtp.received) == 1


def test_smtp_failing_for_good_records_reply_failed(
    inbox: Inbox,
    sessions: sessionmaker[Session],
    smtp: SmtpServer,
    question: int,
) -> None:
    smtp.fail("rcpt:550")
    receipt = inbox.reply("Acme", question, text="Never.", wait=True)
    status = inbox.reply_status("Acme", receipt.reply_id)
    assert (status.status, status.attempts) == ("failed", 1) and "550" in status.reason
    [(kind, data)] = [e for e in reply_events(sessions, question) if e[0].startswith("reply.")]
    assert kind == "reply.failed" and data["reply_id"] == receipt.reply_id
    assert smtp.received == []
    with sessions() as session:
        outgoing = session.scalar(select(func.count()).where(InboxMessage.direction == "out"))
    assert outgoing == 0


def test_an_auto_reply_and_agents_replies_share_a_conversation(
    inbox: Inbox,
    sessions: sessionmaker[Session],
    settings: Settings,
    smtp: SmtpServer,
    tmp_path: Path,
) -> None:
    """The auto-reply stays one per conversation; agents' replies count neither as it nor
    against its per-recipient allowance."""
    cid = one_filed(sessions, settings, smtp, tmp_path, recent(QUESTION))
    inbox.reply("Acme", cid, text="A human first.", wait=True)
    assert send_auto_reply(sessions, settings, cid).state == "sent"
    assert send_auto_reply(sessions, settings, cid).state == "sent"
    inbox.reply("Acme", cid, text="And again.", wait=True)
    assert [m.message["Auto-Submitted"] for m in smtp.received] == [None, "auto-replied", None]


def test_an_idempotency_key_is_per_company(
    inbox: Inbox,
    sessions: sessionmaker[Session],
    settings: Settings,
    smtp: SmtpServer,
    tmp_path: Path,
    question: int,
) -> None:
    globex, _ = setup_company(sessions, smtp.port, name="Globex")
    raw = recent("<g1@client.example>", to="support@globex.example")
    [theirs] = ingest_raw(sessions, settings, globex, tmp_path / "globex", {"g.eml": raw})
    acme = inbox.reply("Acme", question, text="Same words.", idempotency_key="shared", wait=True)
    other = inbox.reply("Globex", theirs, text="Same words.", idempotency_key="shared", wait=True)
    assert acme.reply_id != other.reply_id and not other.replayed
    assert sorted(m.rcpt_tos[0] for m in smtp.received) == ["alice@client.example"] * 2
    assert other.message_id.endswith("@globex.example")
