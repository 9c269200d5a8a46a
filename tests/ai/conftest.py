"""Fixtures of the AI tests: settings on the OpenAI-compatible test server, and a company
with folders and pending conversations written straight into the test database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.config import Settings
from inboxsync.db.models import Company, Conversation, Folder, InboxMessage
from tests.support.ai import fake_ai_settings
from tests.support.fake_openai import FakeOpenAI

BASE = datetime(2026, 6, 1, 9, 0)
FOLDERS = {
    "Billing": "Invoices, charges, payment problems and refunds of money",
    "Delivery": "Shipping, delivery times, tracking numbers and lost parcels",
    "Support": "Bugs, errors and technical problems with the software",
}


@pytest.fixture
def ai_settings(fake_openai: FakeOpenAI, db_url: str) -> Settings:
    """Settings of the openai provider on the test server, with short waits."""
    return fake_ai_settings(
        db_url,
        fake_openai,
        ai={
            "timeout_seconds": 0.5,
            "backoff_seconds": 0.01,
            "max_backoff_seconds": 0.5,
            "breaker_failures": 3,
            "breaker_cooldown_seconds": 60,
            "batch_max_items": 10,
            "concurrency": 3,
            "local_model": "hashing",
        },
    )


@pytest.fixture
def local_settings(db_url: str) -> Settings:
    """Settings of the local provider (the fast hashing model: tests stay quick)."""
    return Settings(db=db_url, ai={"provider": "local", "local_model": "hashing"})


@dataclass
class Company_:
    id: int
    folders: dict[str, int]


def make_company(
    sessions: sessionmaker[Session], name: str = "acme", folders: dict[str, str] | None = None
) -> Company_:
    with sessions.begin() as session:
        company = Company(name=name)
        session.add(company)
        session.flush()
        ids = {}
        for fname, desc in (FOLDERS if folders is None else folders).items():
            folder = Folder(company_id=company.id, name=fname, ai_description=desc)
            session.add(folder)
            session.flush()
            ids[fname] = folder.id
        return Company_(company.id, ids)


def add_conversations(
    sessions: sessionmaker[Session],
    company_id: int,
    texts: list[tuple[str, str]],
    *,
    sender: str = "client{n}@example.com",
    status: str = "pending",
) -> list[int]:
    """Pending conversations, each with one inbound message (subject, body); returns ids."""
    ids: list[int] = []
    with sessions.begin() as session:
        for n, (subject, _body) in enumerate(texts):
            when = BASE + timedelta(minutes=n)
            conv = Conversation(
                company_id=company_id,
                subject=subject,
                subject_norm=subject.lower(),
                started_at=when,
                last_message_at=when,
                message_count=1,
                status=status,
            )
            session.add(conv)
            session.flush()
            ids.append(conv.id)
        session.execute(
            insert(InboxMessage),
            [
                {
                    "company_id": company_id,
                    "conversation_id": cid,
                    "message_key": f"<m{cid}@test>",
                    "message_id": f"<m{cid}@test>",
                    "direction": "in",
                    "from_email": sender.format(n=n),
                    "subject": subject,
                    "date": BASE + timedelta(minutes=n),
                    "body_text": body,
                }
                for n, (cid, (subject, body)) in enumerate(zip(ids, texts, strict=True))
            ],
        )
    return ids
