"""Setting up a company that auto-replies, and mail for it, through the real pipeline."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.config import Settings
from inboxsync.db.companies import add_company, add_folder
from inboxsync.db.events import EventRow, read_events
from inboxsync.db.models import Conversation, InboxMessage
from inboxsync.db.outbox_models import OutboxEntry
from inboxsync.outbound import (
    OutboxRow,
    SmtpSettings,
    list_outbox,
    set_company_smtp,
    set_folder_auto_reply,
    status_counts,
)
from inboxsync.pipeline.sync import ingest
from inboxsync.sources.local import open_source
from tests.factories import make_message, write_files
from tests.support.smtp_server import SmtpServer

SUBJECT_TEMPLATE = "Re: {subject} [{company_name}]"
# The question of `asked`'s conversation.
QUESTION = "<q1@client.example>"
BODY_TEMPLATE = "Hello {client_name},\n\nWe received your message about {subject}.\n{company_name}"


def now() -> datetime:
    return datetime.now(UTC)


def setup_company(
    sessions: sessionmaker[Session],
    smtp_port: int,
    *,
    name: str = "Acme",
    tls: str = "none",
    username: str | None = None,
    password_env: str | None = None,
) -> tuple[int, int]:
    """A company with one auto-reply folder ("Support") and one without ("Billing").

    Returns (company id, Support folder id).
    """
    domain = f"{name.lower()}.example"
    with sessions.begin() as session:
        company_id = add_company(session, name, [f"support@{domain}", f"sales@{domain}"])
        support = add_folder(session, company_id, "Support", "technical problems")
        add_folder(session, company_id, "Billing", "invoices and payments")
        set_folder_auto_reply(
            session, company_id, "Support", subject=SUBJECT_TEMPLATE, body=BODY_TEMPLATE
        )
        set_company_smtp(
            session,
            company_id,
            SmtpSettings(
                "127.0.0.1",
                smtp_port,
                tls,
                username=username,
                password_env=password_env,
                from_address=f"support@{domain}",
            ),
        )
    return company_id, support


def ingest_raw(
    sessions: sessionmaker[Session],
    settings: Settings,
    company_id: int,
    folder: Path,
    messages: dict[str, bytes],
    *,
    mailbox_id: int | None = None,
) -> list[int]:
    """Store messages through the pipeline; returns the new conversations' ids."""
    new: list[int] = []
    ingest(
        sessions,
        company_id,
        open_source(write_files(folder, messages)),
        settings=settings,
        mailbox_id=mailbox_id,
        on_new_conversations=new.extend,
    )
    return sorted(new)


def recent(msgid: str, sender: str = "Alice Martin <alice@client.example>", **kw: object) -> bytes:
    """A message dated now (so it is not history)."""
    return make_message(msgid=msgid, sender=sender, date=now(), **kw)  # type: ignore[arg-type]


def file_into(sessions: sessionmaker[Session], conversation_ids: list[int], folder_id: int) -> None:
    """File conversations as a user would (what the classifier also ends with)."""
    with sessions.begin() as session:
        session.execute(
            update(Conversation)
            .where(Conversation.id.in_(conversation_ids))
            .values(status="classified", folder_id=folder_id, folder_source="user")
        )


def conversation_of(sessions: sessionmaker[Session], message_key: str) -> int:
    with sessions() as session:
        found = session.scalar(
            select(InboxMessage.conversation_id).where(InboxMessage.message_key == message_key)
        )
    assert found is not None
    return int(found)


def outbox_counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        return status_counts(session)


def outbox_rows(sessions: sessionmaker[Session]) -> list[OutboxRow]:
    with sessions() as session:
        return list_outbox(session)


def one_filed(
    sessions: sessionmaker[Session],
    settings: Settings,
    smtp: SmtpServer,
    tmp_path: Path,
    raw: bytes,
) -> int:
    """The id of the one conversation `raw` opens for a new auto-replying company, filed in
    its Support folder."""
    company_id, support = setup_company(sessions, smtp.port)
    ids = ingest_raw(sessions, settings, company_id, tmp_path / "in", {"m.eml": raw})
    assert len(ids) == 1
    file_into(sessions, ids, support)
    return ids[0]


def outbox_row(sessions: sessionmaker[Session], conversation_id: int) -> OutboxEntry:
    """The conversation's auto-reply row, detached."""
    with sessions() as session:
        row = session.scalars(
            select(OutboxEntry).where(
                OutboxEntry.conversation_id == conversation_id, OutboxEntry.kind == "auto_reply"
            )
        ).one()
        session.expunge(row)
        return row


def auto_reply_events(sessions: sessionmaker[Session], conversation_id: int) -> list[str]:
    """The types of the conversation's events about its auto-reply and messages, in order."""
    return [e.type for e in events_of(sessions, conversation_id, ("auto_reply.", "message."))]


def events_of(
    sessions: sessionmaker[Session], conversation_id: int, prefixes: tuple[str, ...]
) -> list[EventRow]:
    """The conversation's events whose type starts with one of `prefixes`, in order."""
    with sessions() as session:
        company_id = session.scalar(
            select(Conversation.company_id).where(Conversation.id == conversation_id)
        )
        assert company_id is not None
        events = read_events(session, company_id, limit=1000)
    return [
        e for e in events if e.conversation_id == conversation_id and e.type.startswith(prefixes)
    ]


def asked(
    sessions: sessionmaker[Session], settings: Settings, smtp: SmtpServer, tmp_path: Path
) -> int:
    """Acme (sending through `smtp`) with one conversation: Alice's question, which
    itself answers an older message."""
    company_id, _ = setup_company(sessions, smtp.port)
    raw = recent(QUESTION, references="<root@client.example>", subject="Invoice export")
    ingest_raw(sessions, settings, company_id, tmp_path / "in", {"q.eml": raw})
    return conversation_of(sessions, QUESTION.strip("<>"))
