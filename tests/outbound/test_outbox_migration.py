"""Migration 0006 on a database holding auto-replies, on both databases: each existing row
becomes its conversation's `auto_reply:<id>` key, so the conversation still gets no second
one; and back down to 0005."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.config import Settings
from inboxsync.db.outbox_models import OutboxEntry
from inboxsync.db.schema import alembic_config
from inboxsync.outbound.outbox import record_skip
from tests.outbound.helpers import ingest_raw, recent, setup_company
from tests.support.smtp_server import free_port


def test_existing_auto_replies_keep_their_one_per_conversation(
    engine: Engine, sessions: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> None:
    company_id, _ = setup_company(sessions, free_port())
    [cid] = ingest_raw(
        sessions, settings, company_id, tmp_path, {"m.eml": recent("<m@client.example>")}
    )
    config = alembic_config(engine)
    command.downgrade(config, "0005")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO outbox (company_id, conversation_id, kind, status, reason, recipient,"
                " subject, body, message_id, in_reply_to, attempts, created_at, updated_at)"
                " VALUES (:company, :cid, 'auto_reply', 'sent', '', 'alice@client.example',"
                " 'Re: x', 'Hello', 'auto-reply.1@acme.example', '', 1, :now, :now)"
            ),
            {"company": company_id, "cid": cid, "now": "2026-01-01 00:00:00"},
        )
    command.upgrade(config, "head")
    with sessions.begin() as session:
        row = session.scalars(select(OutboxEntry)).one()
        assert (row.dedup_key, row.kind, row.attachments) == (
            f"auto_reply:{cid}",
            "auto_reply",
            "[]",
        )
        assert record_skip(session, company_id, cid, "a second auto-reply") is False
