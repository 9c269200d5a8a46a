"""Auto-replies end to end on a real database and a real SMTP server: once per conversation,
never into a loop, never for history, threaded like any message (their delivery:
test_delivery.py)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.config import Settings
from inboxsync.db.mailboxes import add_mailbox
from inboxsync.db.models import Conversation, InboxMessage, Mailbox, utcnow
from inboxsync.outbound import send_auto_reply
from inboxsync.outbound.outbox import record_skip
from tests.factories import make_message
from tests.outbound.helpers import (
    auto_reply_events,
    conversation_of,
    file_into,
    ingest_raw,
    now,
    one_filed,
    outbox_counts,
    outbox_row,
    outbox_rows,
    recent,
    setup_company,
)
from tests.support.smtp_server import SmtpServer


def test_sent_once_with_rfc_3834_headers_and_stored_as_outgoing(
    sessions: sessionmaker[Session], settings: Settings, smtp: SmtpServer, tmp_path: Path
) -> None:
    cid = one_filed(sessions, settings, smtp, tmp_path, recent("<a1@client.example>"))
    assert send_auto_reply(sessions, settings, cid).state == "sent"
    assert send_auto_reply(sessions, settings, cid).state == "sent"  # final, not sent again
    [received] = smtp.received
    msg = received.message
    assert received.rcpt_tos == ["alice@client.example"]
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert msg["Precedence"] == "auto_reply"
    assert msg["In-Reply-To"] == "<a1@client.example>"
    assert msg["References"] == "<a1@client.example>"
    assert msg["Subject"] == "Re: Broken invoice export [Acme]"
    body = msg.get_body()
    assert body is not None and body.get_content().startswith("Hello Alice Martin,")
    message_id = msg["Message-ID"].strip("<>")
    assert message_id.endswith("@acme.example")
    with sessions() as session:
        out = session.scalars(
            select(InboxMessage)
            .where(InboxMessage.conversation_id == cid)
            .order_by(InboxMessage.id)
        ).all()
        conversation = session.get(Conversation, cid)
    assert [m.direction for m in out] == ["in", "out"]
    assert out[1].message_key == message_id and out[1].to_emails == "alice@client.example"
    assert conversation is not None and conversation.message_count == 2
    assert outbox_counts(sessions) == {"sent": 1}
    assert auto_reply_events(sessions, cid) == [
        "message.created",
        "auto_reply.sent",
        "message.created",
    ]


def test_a_reply_to_the_auto_reply_threads_back_and_gets_no_second_one(
    sessions: sessionmaker[Session], settings: Settings, smtp: SmtpServer, tmp_path: Path
) -> None:
    cid = one_filed(sessions, settings, smtp, tmp_path, recent("<a1@client.example>"))
    send_auto_reply(sessions, settings, cid)
    ours = smtp.received[0].message["Message-ID"]
    company_id = outbox_row(sessions, cid).company_id
    reply = recent("<a2@client.example>", subject="Re: whatever", in_reply_to=ours)
    new = ingest_raw(sessions, settings, company_id, tmp_path / "reply", {"r.eml": reply})
    assert new == []
    assert conversation_of(sessions, "a2@client.example") == cid
    assert send_auto_reply(sessions, settings, cid).state == "sent"
    assert len(smtp.received) == 1


def test_concurrent_calls_send_exactly_once(
    sessions: sessionmaker[Session], settings: Settings, smtp: SmtpServer, tmp_path: Path
) -> None:
    cid = one_filed(sessions, settings, smtp, tmp_path, recent("<a1@client.example>"))
    with ThreadPoolExecutor(6) as pool:
        outcomes = list(pool.map(lambda _: send_auto_reply(sessions, settings, cid), range(6)))
    assert len(smtp.received) == 1
    assert {o.state for o in outcomes} <= {"sent", "busy"}
    assert outbox_row(sessions, cid).attempts == 1


@pytest.mark.parametrize(
    ("name", "raw", "reason"),
    [
        (
            "auto-reply to an auto-reply",
            recent(
                "<ar@client.example>",
                subject="Automatic reply: Broken invoice export",
                headers={"Auto-Submitted": "auto-replied"},
            ),
            "auto-submitted",
        ),
        (
            "mailing list",
            recent(
                "<l1@lists.example>",
                sender="Users list <users@lists.example>",
                headers={"List-Id": "<users.lists.example>", "Precedence": "list"},
            ),
            "list",
        ),
        (
            "bounce",
            recent(
                "<b1@mx.client.example>",
                sender="Mail Delivery System <MAILER-DAEMON@mx.client.example>",
                subject="Undelivered Mail Returned to Sender",
            ),
            "bounce",
        ),
        (
            "no-reply sender",
            recent("<n1@shop.example>", sender="Shop <noreply@shop.example>"),
            "no-reply",
        ),
    ],
)
def test_loop_cases_send_nothing_even_when_filed(
    sessions: sessionmaker[Session],
    settings: Settings,
    smtp: SmtpServer,
    tmp_path: Path,
    name: str,
    raw: bytes,
    reason: str,
) -> None:
    cid = one_filed(sessions, settings, smtp, tmp_path, raw)
    outcome = send_auto_reply(sessions, settings, cid)
    assert outcome.state == "skipped", name
    assert reason in outcome.reason
    assert smtp.received == []
    row = outbox_row(sessions, cid)
    assert row.status == "skipped" and "@" in row.recipient and row.attempts == 0
    assert send_auto_reply(sessions, settings, cid).state == "skipped"
    assert auto_reply_events(sessions, cid) == ["message.created", "auto_reply.skipped"]


def test_never_to_the_address_we_send_from(
    sessions: sessionmaker[Session], settings: Settings, smtp: SmtpServer, tmp_path: Path
) -> None:
    # The SMTP From is not one of the company's declared addresses, so mail from it counts
    # as incoming: the policy must still refuse to answer it (our own auto-reply coming back).
    company_id, support = setup_company(sessions, smtp.port)
    with sessions.begin() as session:
        from inboxsync.outbound import SmtpSettings, set_company_smtp

        set_company_smtp(
            session,
            company_id,
            SmtpSettings("127.0.0.1", smtp.port, "none", from_address="helpdesk@acme.example"),
        )
    raw = recent("<loop@acme.example>", sender="Acme <helpdesk@acme.example>")
    ids = ingest_raw(sessions, settings, company_id, tmp_path / "in", {"m.eml": raw})
    file_into(sessions, ids, support)
    outcome = send_auto_reply(sessions, settings, ids[0])
    assert outcome.state == "skipped" and "own addresses" in outcome.reason
    assert smtp.received == []


def test_at_most_one_per_recipient_per_day_even_concurrently(
    sessions: sessionmaker[Session], settings: Settings, smtp: SmtpServer, tmp_path: Path
) -> None:
    company_id, support = setup_company(sessions, smtp.port)
    files = {f"m{i}.eml": recent(f"<r{i}@client.example>", subject=f"Issue {i}") for i in range(4)}
    ids = ingest_raw(sessions, settings, company_id, tmp_path / "in", files)
    assert len(ids) == 4
    file_into(sessions, ids, support)
    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(lambda c: send_auto_reply(sessions, settings, c), ids))
    assert len(smtp.received) == 1
    assert sorted(o.state for o in outcomes) == ["sent", "skipped", "skipped", "skipped"]
    assert outbox_counts(sessions) == {"sent": 1, "skipped": 3}


def test_the_per_recipient_limit_is_a_setting(
    sessions: sessionmaker[Session], settings: Settings, smtp: SmtpServer, tmp_path: Path
) -> None:
    settings = settings.replace(outbound={"auto_reply_per_recipient_24h": 2})
    company_id, support = setup_company(sessions, smtp.port)
    files = {f"m{i}.eml": recent(f"<r{i}@client.example>", subject=f"Issue {i}") for i in range(3)}
    ids = ingest_raw(sessions, settings, company_id, tmp_path / "in", files)
    file_into(sessions, ids, support)
    states = [send_auto_reply(sessions, settings, c).state for c in ids]
    assert states == ["sent", "sent", "skipped"]


def test_old_mail_is_history(
    sessions: sessionmaker[Session], settings: Settings, smtp: SmtpServer, tmp_path: Path
) -> None:
    old = make_message(msgid="<old@client.example>", date=now() - timedelta(days=30))
    cid = one_filed(sessions, settings, smtp, tmp_path, old)
    outcome = send_auto_reply(sessions, settings, cid)
    assert outcome.state == "skipped" and "history" in outcome.reason
    assert smtp.received == []


def test_mail_received_before_the_mailbox_first_sync_is_history(
    sessions: sessionmaker[Session], settings: Settings, smtp: SmtpServer, tmp_path: Path
) -> None:
    company_id, support = setup_company(sessions, smtp.port)
    with sessions.begin() as session:
        mailbox_id = add_mailbox(
            session, company_id, host="127.0.0.1", port=143, tls="none",
            username="support@acme.example", secret_kind="password", secret_ref="env:NOPE",
        )  # fmt: skip
        session.execute(
            update(Mailbox)
            .where(Mailbox.id == mailbox_id)
            .values(first_synced_at=utcnow() - timedelta(minutes=1))
        )
    before = make_message(msgid="<h1@client.example>", date=now() - timedelta(hours=1))
    after = recent("<h2@client.example>", sender="Bob <bob@client.example>", subject="New one")
    files = {"before.eml": before, "after.eml": after}
    ids = ingest_raw(sessions, settings, company_id, tmp_path / "in", files, mailbox_id=mailbox_id)
    file_into(sessions, ids, support)
    states = {
        conversation_of(sessions, key): send_auto_reply(
            sessions, settings, conversation_of(sessions, key)
        ).state
        for key in ("h1@client.example", "h2@client.example")
    }
    assert sorted(states.values()) == ["sent", "skipped"]
    assert [r.rcpt_tos for r in smtp.received] == [["bob@client.example"]]


def test_not_filed_or_no_auto_reply_folder_leaves_no_row(
    sessions: sessionmaker[Session], settings: Settings, smtp: SmtpServer, tmp_path: Path
) -> None:
    company_id, _ = setup_company(sessions, smtp.port)
    ids = ingest_raw(sessions, settings, company_id, tmp_path / "in", {"m.eml": recent("<p@c.x>")})
    assert send_auto_reply(sessions, settings, ids[0]).state == "not_applicable"
    with sessions() as session:
        billing = session.scalar(
            select(Conversation.id).where(Conversation.id == ids[0])
        )  # the folder without an auto-reply:
        from inboxsync.db.models import Folder

        billing_id = session.scalar(select(Folder.id).where(Folder.name == "Billing"))
    assert billing is not None and billing_id is not None
    file_into(sessions, ids, billing_id)
    assert send_auto_reply(sessions, settings, ids[0]).state == "not_applicable"
    assert outbox_rows(sessions) == [] and smtp.received == []


def test_a_company_without_smtp_settings_is_skipped_visibly(
    sessions: sessionmaker[Session], settings: Settings, smtp: SmtpServer, tmp_path: Path
) -> None:
    cid = one_filed(sessions, settings, smtp, tmp_path, recent("<a1@client.example>"))
    from inboxsync.db.outbox_models import CompanySmtp

    with sessions.begin() as session:
        session.query(CompanySmtp).delete()
    outcome = send_auto_reply(sessions, settings, cid)
    assert outcome.state == "skipped" and "SMTP" in outcome.reason


def test_a_conversation_is_skipped_once_on_both_databases(
    sessions: sessionmaker[Session], settings: Settings, smtp: SmtpServer, tmp_path: Path
) -> None:
    """The dedup key decides, not the INSERT's rowcount (-1 for an ORM insert on PostgreSQL,
    which once read as "inserted": a second skip and its event)."""
    cid = one_filed(sessions, settings, smtp, tmp_path, recent("<a1@client.example>"))
    with sessions.begin() as session:
        company_id = session.scalar(select(Conversation.company_id))
        assert company_id is not None
        first = record_skip(session, company_id, cid, "test: first")
        second = record_skip(session, company_id, cid, "test: second")
    assert (first, second) == (True, False)
    assert auto_reply_events(sessions, cid)[-1:] == ["auto_reply.skipped"]
    assert auto_reply_events(sessions, cid).count("auto_reply.skipped") == 1
