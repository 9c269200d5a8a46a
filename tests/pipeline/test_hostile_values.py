"""Values the databases cannot hold as they come (NUL, lone surrogates, lengths over a column)
are made storable at one boundary: the message is stored, the same on SQLite and PostgreSQL,
and nothing of its batch is lost."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from inboxsync.api import Inbox
from inboxsync.config import Settings
from inboxsync.db.models import Attachment, Client, Conversation, InboxMessage, Quarantine
from inboxsync.db.storable import TRUNCATED_MARK
from inboxsync.errors import UsageError
from inboxsync.pipeline import ingest
from inboxsync.pipeline.report import SyncReport
from tests.factories import ListSource, make_message

ATTACHED_WITH_NUL = (
    b"From: Ann <ann@client.example>\r\nTo: support@acme.example\r\n"
    b"Subject: scan\x00ned invoice\r\nMessage-ID: <nul@client.example>\r\n"
    b"Date: Mon, 01 Jun 2026 09:00:00 +0000\r\nAuto-Submitted: no\x00\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
    b"--b\r\nContent-Type: text/plain\r\n\r\nbody with a \x00 inside\r\n"
    b'--b\r\nContent-Type: application/pdf\x00; name="in\x00voice.pdf"\r\n'
    b'Content-Disposition: attachment; filename="in\x00voice.pdf"\r\n\r\n%PDF\x00\x01\r\n'
    b"--b--\r\n"
)
EIGHT_BIT_TOKEN = (
    b"From: Bob <bob@client.example>\r\nTo: support@acme.example\r\nSubject: away\r\n"
    b"Message-ID: <8bit@client.example>\r\nDate: Mon, 01 Jun 2026 09:00:00 +0000\r\n"
    b"Auto-Submitted: \xff\xfeauto\r\n\r\nI am away.\r\n"
)


def _inbox(db_url: str, **overrides: Any) -> tuple[Inbox, int]:
    inbox = Inbox(Settings(db=db_url, **overrides))
    return inbox, inbox.add_company("Acme", ["support@acme.example"])


def _run(inbox: Inbox, company_id: int, raws: list[bytes]) -> SyncReport:
    return ingest(inbox.sessions, company_id, ListSource(raws), settings=inbox.settings)


def _others(n: int) -> list[bytes]:
    return [
        make_message(msgid=f"<o{i}@client.example>", subject=f"Order {i}", minutes=i)
        for i in range(n)
    ]


def _message(inbox: Inbox, key: str) -> InboxMessage:
    with inbox.sessions() as session:
        return session.scalars(select(InboxMessage).where(InboxMessage.message_key == key)).one()


def _all_text(inbox: Inbox) -> list[str]:
    """Every string stored in the tables mail reaches."""
    values: list[str] = []
    with inbox.sessions() as session:
        for model in (InboxMessage, Conversation, Client, Attachment, Quarantine):
            for row in session.scalars(select(model)):
                values += [v for v in vars(row).values() if isinstance(v, str)]
    return values


def _storable_everywhere(values: list[str]) -> bool:
    return all("\x00" not in v and v.encode("utf-8", "strict") is not None for v in values)


def test_nul_in_subject_body_header_token_and_attachment_is_stored_without_it(
    db_url: str,
) -> None:
    inbox, company_id = _inbox(db_url)
    report = _run(inbox, company_id, [ATTACHED_WITH_NUL, *_others(311)])
    assert report.new_messages == 312 and report.quarantined == 0
    message = _message(inbox, "nul@client.example")
    with inbox.sessions() as session:
        attachment = session.scalars(select(Attachment)).one()
    assert message.subject == "scanned invoice"
    assert "body with a  inside" in message.body_text
    assert attachment.content_type == "application/pdf"
    assert "\x00" not in attachment.filename
    assert _storable_everywhere(_all_text(inbox))


def test_an_8bit_auto_submitted_token_is_a_notification_with_a_printable_reason(
    db_url: str,
) -> None:
    inbox, company_id = _inbox(db_url)
    report = _run(inbox, company_id, [EIGHT_BIT_TOKEN, *_others(311)])
    assert report.new_messages == 312 and report.notifications == 1
    message = _message(inbox, "8bit@client.example")
    assert message.is_notification
    assert message.notification_reason.startswith("Auto-Submitted")
    assert _storable_everywhere(_all_text(inbox))


@pytest.mark.parametrize("length", [501, 512])
def test_a_message_id_longer_than_its_column_is_quarantined_with_the_reason(
    db_url: str, length: int
) -> None:
    inbox, company_id = _inbox(db_url)
    long_id = "<" + "x" * (length - len("@client.example")) + "@client.example>"
    raw = make_message(msgid=long_id)
    report = _run(inbox, company_id, [raw, *_others(20)])
    assert report.new_messages == 20 and report.quarantined == 1
    with inbox.sessions() as session:
        row = session.scalars(select(Quarantine)).one()
    assert row.raw == raw
    assert row.reason == f"Message-ID of {length} characters: the database stores at most 500"


def test_an_in_reply_to_longer_than_its_column_is_dropped_and_the_message_stored(
    db_url: str,
) -> None:
    inbox, company_id = _inbox(db_url)
    long_ref = "<" + "r" * 495 + "@client.example>"
    raw = make_message(msgid="<reply@client.example>", in_reply_to=long_ref, references=long_ref)
    report = _run(inbox, company_id, [raw])
    assert report.new_messages == 1
    with inbox.sessions() as session:
        message = session.scalars(select(InboxMessage)).one()
    assert message.in_reply_to is None and message.references == ""


def test_a_display_name_longer_than_its_column_is_cut_with_a_mark(db_url: str) -> None:
    inbox, company_id = _inbox(db_url)
    name = "Verylongname " * 54  # 702 characters
    raw = make_message(msgid="<name@client.example>", sender=f"{name.strip()} <n@client.example>")
    report = _run(inbox, company_id, [raw])
    assert report.new_messages == 1 and report.new_clients == 1
    with inbox.sessions() as session:
        client = session.scalars(select(Client)).one()
        message = session.scalars(select(InboxMessage)).one()
    for stored in (client.name, message.from_name):
        assert len(stored) == 500 and stored.endswith(TRUNCATED_MARK)
        assert stored.startswith("Verylongname Verylongname")


def test_company_and_folder_names_over_their_column_are_refused_in_one_line(
    db_url: str,
) -> None:
    inbox, _ = _inbox(db_url)
    with pytest.raises(UsageError, match="at most 200 characters, not 201"):
        inbox.add_company("C" * 201, [])
    with pytest.raises(UsageError, match="at most 200 characters, not 250"):
        inbox.add_folder("Acme", "F" * 250, "too long a name")
    with pytest.raises(UsageError, match="printable"):
        inbox.add_company("Evil\x00Corp", [])


_HOSTILE_BYTES = st.binary(max_size=300).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b" "))


def _hostile_message(subject: bytes, name: bytes, filename: bytes, body: bytes, n: int) -> bytes:
    return (
        b"From: " + name + b" <p" + str(n).encode() + b"@client.example>\r\n"
        b"To: support@acme.example\r\nSubject: " + subject + b"\r\n"
        b"Message-ID: <h" + str(n).encode() + b"@client.example>\r\n"
        b"Date: Mon, 01 Jun 2026 09:00:00 +0000\r\n"
        b"Content-Type: multipart/mixed; boundary=zz\r\n\r\n"
        b"--zz\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + b"\r\n"
        b'--zz\r\nContent-Disposition: attachment; filename="' + filename + b'"\r\n\r\n'
        b"data\r\n--zz--\r\n"
    )


def test_hostile_header_address_filename_and_body_bytes_always_store(
    new_database: Callable[[str], str],
) -> None:
    """Property: whatever bytes a Subject, a display name, a filename or a body holds, the
    message is stored (or quarantined) on both databases, with the same values on each."""
    inboxes = [_inbox(new_database(kind)) for kind in ("sqlite", "postgresql")]
    counter = iter(range(10**6))

    @settings(
        max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(subject=_HOSTILE_BYTES, name=_HOSTILE_BYTES, filename=_HOSTILE_BYTES, body=st.binary())
    def check(subject: bytes, name: bytes, filename: bytes, body: bytes) -> None:
        n = next(counter)
        raw = _hostile_message(subject, name, filename, body, n)
        stored = []
        for inbox, company_id in inboxes:
            report = _run(inbox, company_id, [raw])
            assert report.fetched == 1 == report.new_messages + report.quarantined
            with inbox.sessions() as session:
                stored.append(
                    session.execute(
                        select(
                            InboxMessage.subject,
                            InboxMessage.from_name,
                            InboxMessage.body_text,
                            Attachment.filename,
                        )
                        .outerjoin(Attachment, Attachment.message_id == InboxMessage.id)
                        .where(InboxMessage.message_key == f"h{n}@client.example")
                    ).all()
                )
        assert stored[0] == stored[1]

    check()
    for inbox, _ in inboxes:
        assert _storable_everywhere(_all_text(inbox))
