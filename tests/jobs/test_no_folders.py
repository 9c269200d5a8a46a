"""A company without folders: its new conversations wait, pending, and the classification
job that found nothing to file ends instead of retrying forever."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.config import Settings
from inboxsync.db.companies import add_company, add_folder
from inboxsync.db.models import Conversation
from inboxsync.jobs import close_queues, get_queue
from inboxsync.jobs.tasks import JobContext, classify_pending
from tests.jobs.scenario import people
from tests.outbound.helpers import ingest_raw
from tests.support.ai import fake_ai_settings
from tests.support.fake_openai import FakeOpenAI


def pending(sessions: sessionmaker[Session], company_id: int) -> int:
    with sessions() as session:
        query = select(func.count()).where(
            Conversation.company_id == company_id, Conversation.status == "pending"
        )
        return int(session.scalar(query) or 0)


def test_classify_job_of_a_company_without_folders_ends_without_a_retry(
    sessions: sessionmaker[Session], db_url: str, fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    settings: Settings = fake_ai_settings(db_url, fake_openai)
    with sessions.begin() as session:
        company_id = add_company(session, "Archive Only", ["archive@archive.example"])
    new = ingest_raw(sessions, settings, company_id, tmp_path / "in", people(3))
    context = JobContext(sessions, settings, get_queue(settings, sessions))
    try:
        calls = fake_openai.stats.calls
        classify_pending(context, company_id, new)  # raised RetryLater before, every time
        assert pending(sessions, company_id) == 3
        assert fake_openai.stats.calls == calls
        # Once a folder exists, the same job files them.
        with sessions.begin() as session:
            add_folder(session, company_id, "Support", "technical problems, bugs")
        classify_pending(context, company_id, new)
        assert pending(sessions, company_id) == 0
    finally:
        close_queues()
