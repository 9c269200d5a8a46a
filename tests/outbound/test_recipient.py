"""The recipient of an auto-reply, end to end (pipeline → database → SMTP on aiosmtpd): only
the message's one strictly valid sender address, and no header built from a message value
carries a line break. Case 6 of issue 8."""

from __future__ import annotations

from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import format_datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.config import Settings
from inboxsync.db.models import InboxMessage
from inboxsync.db.outbox_models import OutboxEntry
from inboxsync.outbound import send_auto_reply
from tests.outbound.helpers import file_into, ingest_raw, now, outbox_rows, setup_company
from tests.support.smtp_server import Received, SmtpServer

# What an auto-reply's header block may hold, and nothing else (no Bcc, no Cc, no smuggled
# header of any name).
REPLY_HEADERS = {
    "from", "to", "subject", "date", "message-id", "in-reply-to", "references",
    "auto-submitted", "x-auto-response-suppress", "precedence", "content-type",
    "content-transfer-encoding", "mime-version",
}  # fmt: skip


def raw_message(
    from_lines: list[bytes], subject: bytes = b"Broken invoice export", extra: bytes = b""
) -> bytes:
    """A message with exactly these From header values (bytes as they travel)."""
    head = b"".join(b"From: " + line + b"\r\n" for line in from_lines)
    head += b"To: support@acme.example\r\nSubject: " + subject + b"\r\n"
    head += b"Date: " + format_datetime(now()).encode() + b"\r\n"
    head += b"Message-ID: <m1@client.example>\r\nMIME-Version: 1.0\r\n"
    head += b"Content-Type: text/plain; charset=utf-8\r\n" + extra
    return head + b"\r\nHello, the export fails since Monday.\r\n"


def answer(
    sessions: sessionmaker[Session], settings: Settings, smtp: SmtpServer, tmp: Path, raw: bytes
) -> tuple[str, str]:
    """Import `raw`, file it in the auto-reply folder, send: (state, reason)."""
    company_id, support = setup_company(sessions, smtp.port)
    ids = ingest_raw(sessions, settings, company_id, tmp / "in", {"m.eml": raw})
    assert len(ids) == 1
    file_into(sessions, ids, support)
    outcome = send_auto_reply(sessions, settings, ids[0])
    return outcome.state, outcome.reason


def assert_clean(received: Received) -> None:
    """Nothing to an attacker's address, in the envelope or in any header; no extra header."""
    assert not [r for r in received.rcpt_tos if "evil" in r]
    head = received.raw.split(b"\r\n\r\n", 1)[0]
    headers = BytesHeaderParser(policy=compat32).parsebytes(head + b"\r\n\r\n")
    assert {name.lower() for name in headers} <= REPLY_HEADERS
    for name in ("To", "From", "In-Reply-To", "References", "Message-ID"):
        assert b"evil" not in (headers.get(name) or "").encode(), name


ATTACKS = {
    # case 6 as filed: the auto-reply went to `_victim@evil.example?=`
    "encoded CR LF and Bcc in the name": b"=?utf-8?Q?Bob=0D=0ABcc:_victim@evil.example?= <c2@x>",
    "the same with a valid address": (
        b"=?utf-8?Q?Bob=0D=0ABcc:_victim@evil.example?= <c2@x.example>"
    ),
    # case 6 as filed: the auto-reply went to `v@evil.example`
    "raw U+2028 then Bcc in the name": "Bob\u2028Bcc: v@evil.example <c2@x.example>".encode(),
    "encoded U+2028 then Bcc": b"=?utf-8?q?Bob=E2=80=A8Bcc=3A_v=40evil.example?= <c2@x.example>",
    "raw NEL in the name": "Bob\u0085Bcc: v@evil.example <c2@x.example>".encode(),
    # case 6 as filed: a malformed To
    "a quoted local part": b'"x@y"@client.example',
    "a quoted local part in brackets": b'Bob <"x@y"@client.example>',
    "a group": b"friends: c2@x.example, victim@evil.example;",
    "two mailboxes": b"c2@x.example, victim@evil.example",
    "an encoded word as the address": b"Bob <=?utf-8?q?victim=40evil.example?=>",
    "the whole mailbox in one encoded word": b"=?utf-8?q?Bob_=3Cvictim=40evil.example=3E?=",
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_a_sender_with_no_valid_address_gets_no_auto_reply(
    sessions: sessionmaker[Session],
    settings: Settings,
    smtp: SmtpServer,
    tmp_path: Path,
    attack: str,
) -> None:
    state, reason = answer(sessions, settings, smtp, tmp_path, raw_message([ATTACKS[attack]]))
    assert (state, reason) == ("skipped", "no valid recipient")
    assert smtp.received == []
    assert smtp.handler.rcpt_seen == 0
    [row] = outbox_rows(sessions)
    assert (row.status, row.reason, row.recipient) == ("skipped", "no valid recipient", "")


def test_two_from_headers_get_no_auto_reply(
    sessions: sessionmaker[Session], settings: Settings, smtp: SmtpServer, tmp_path: Path
) -> None:
    raw = raw_message([b"Bob <c2@x.example>", b"victim@evil.example"])
    assert answer(sessions, settings, smtp, tmp_path, raw) == ("skipped", "no valid recipient")
    assert smtp.received == []


@pytest.mark.parametrize(
    "sender",
    [
        b"=?utf-8?q?Bob_Bcc:_victim@evil.example?= <c2@x.example>",  # no line break: a name
        b"=?utf-8?q?victim=40evil.example?= <c2@x.example>",
        b'"victim@evil.example" <c2@x.example>',
        b"Bob (Bcc: victim@evil.example) <c2@x.example>",
    ],
)
def test_address_text_in_a_display_name_never_becomes_a_recipient(
    sessions: sessionmaker[Session],
    settings: Settings,
    smtp: SmtpServer,
    tmp_path: Path,
    sender: bytes,
) -> None:
    assert answer(sessions, settings, smtp, tmp_path, raw_message([sender]))[0] == "sent"
    [received] = smtp.received
    assert received.rcpt_tos == ["c2@x.example"]
    assert received.message["To"] == "c2@x.example"
    assert_clean(received)


@pytest.mark.parametrize(
    "subject",
    [
        b"=?utf-8?Q?Invoice=0D=0ABcc:_victim@evil.example?=",
        b"=?utf-8?Q?Invoice=E2=80=A8Bcc:_victim@evil.example?=",
        b"=?utf-8?Q?Invoice=0ABcc:_victim@evil.example=0A=0Ahijacked_body?=",
        "Invoice\u2028Bcc: victim@evil.example".encode(),
        b"=?utf-8?Q?Invoice=00=1B=7F=C2=85x?=",
    ],
)
def test_a_hostile_subject_stays_on_the_subject_line(
    sessions: sessionmaker[Session],
    settings: Settings,
    smtp: SmtpServer,
    tmp_path: Path,
    subject: bytes,
) -> None:
    raw = raw_message([b"Alice <alice@client.example>"], subject=subject)
    assert answer(sessions, settings, smtp, tmp_path, raw)[0] == "sent"
    [received] = smtp.received
    assert received.rcpt_tos == ["alice@client.example"]
    assert_clean(received)
    assert received.message["Subject"].startswith("Re: Invoice")
    assert "\n" not in received.message["Subject"]


def test_a_recipient_claimed_before_strict_validation_is_never_sent_to(
    sessions: sessionmaker[Session], settings: Settings, smtp: SmtpServer, tmp_path: Path
) -> None:
    # A retry row written by an older version, from the lenient From address.
    smtp.fail("rcpt:451")
    raw = raw_message([b"Alice <alice@client.example>"])
    assert answer(sessions, settings, smtp, tmp_path, raw)[0] == "retry"
    with sessions.begin() as session:
        session.execute(update(OutboxEntry).values(recipient='"x@y"@client.example'))
        conversation_id = session.scalar(select(InboxMessage.conversation_id))
    assert conversation_id is not None
    outcome = send_auto_reply(sessions, settings, conversation_id)
    assert (outcome.state, outcome.reason) == ("failed", "no valid recipient")
    assert smtp.received == []
    assert smtp.handler.rcpt_seen == 1  # only the first, refused attempt


def test_the_reply_address_is_stored_with_the_message(
    sessions: sessionmaker[Session], settings: Settings, smtp: SmtpServer, tmp_path: Path
) -> None:
    company_id, _ = setup_company(sessions, smtp.port)
    files = {
        "ok.eml": raw_message([b"Alice <Alice@Client.Example>"]),
        "bad.eml": raw_message([b'"x@y"@client.example']).replace(b"<m1@", b"<m2@"),
    }
    ingest_raw(sessions, settings, company_id, tmp_path / "in", files)
    with sessions() as session:
        stored = dict(
            session.execute(select(InboxMessage.message_key, InboxMessage.reply_address)).all()
        )
    assert stored == {"m1@client.example": "alice@client.example", "m2@client.example": None}
