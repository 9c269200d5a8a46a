"""What every area of `Inbox` shares: the database, the company lookups, and running a source
through the pipeline with its follow-up."""

from __future__ import annotations

from datetime import datetime
from typing import Self

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.ai import make_detector
from inboxsync.ai.ledger import usage_since
from inboxsync.config import Settings
from inboxsync.db import companies as company_store
from inboxsync.db import ensure_migrated, make_engine, make_sessionmaker, migrate
from inboxsync.db.engine import sqlite_reader_sessions
from inboxsync.db.models import Company, utcnow
from inboxsync.jobs import follow_up, get_queue
from inboxsync.jobs.tasks import enqueue_webhooks
from inboxsync.pipeline.report import SyncReport
from inboxsync.pipeline.sync import ingest
from inboxsync.results import ImportProgress
from inboxsync.sources.base import Source


class InboxBase:
    """An open inboxsync database: settings, engine, sessions."""

    def __init__(self, settings: Settings, *, check_schema: bool = True) -> None:
        self.settings = settings
        self.engine: Engine = make_engine(settings.db)
        self.sessions: sessionmaker[Session] = make_sessionmaker(self.engine)
        if check_schema:
            ensure_migrated(self.engine)

    @classmethod
    def initialise(cls, settings: Settings) -> Self:
        """Create or upgrade the schema, then open the database."""
        inbox = cls(settings, check_schema=False)
        inbox.init()
        return inbox

    def init(self) -> None:
        """Apply the migrations (idempotent)."""
        migrate(self.engine)

    def close(self) -> None:
        """Close the database connections (the object is not used afterwards)."""
        self.engine.dispose()

    @property
    def reader_sessions(self) -> sessionmaker[Session]:
        """Sessions for reads that poll: on SQLite they never take the write lock (the
        sessions of `sessions` begin with BEGIN IMMEDIATE), elsewhere `sessions`."""
        if self.engine.dialect.name == "sqlite":
            return sqlite_reader_sessions(self.engine)
        return self.sessions

    def company_id(self, company: str | int) -> int:
        """The id of a company by name or id; NotFound when unknown."""
        with self.reader_sessions() as session:
            return company_store.company_id_by_name(session, company)

    def _company_or_all(self, session: Session, company: str | int | None) -> int | None:
        return None if company is None else company_store.company_id_by_name(session, company)

    def _company_ids(self, session: Session, company: str | int | None) -> list[int]:
        if company is not None:
            return [company_store.company_id_by_name(session, company)]
        return list(session.scalars(select(Company.id).order_by(Company.id)))

    def _ingest(
        self,
        company_id: int,
        source: Source,
        source_name: str,
        batch_size: int | None = None,
        progress: ImportProgress | None = None,
        wait: bool = True,
    ) -> SyncReport:
        """Run `source` through the pipeline for the company, then follow up on its new
        conversations."""
        settings = self.settings
        if batch_size is not None:
            settings = settings.replace(batch_size=batch_size)
        get_queue(settings, self.sessions)  # fails fast (Redis down) before any mail is read
        started = utcnow()
        new_ids: list[int] = []
        report = ingest(
            self.sessions,
            company_id,
            source,
            settings=settings,
            detector=make_detector(self.sessions, settings),
            on_new_conversations=new_ids.extend,
            progress=progress.advance if progress is not None else None,
            source_name=source_name,
        )
        self._follow_up(report, {company_id: new_ids}, started, wait)
        return report

    def _follow_up(
        self,
        report: SyncReport,
        new_conversations: dict[int, list[int]],
        started: datetime,
        wait: bool,
    ) -> None:
        """Queue the classification and auto-replies of each company's new conversations;
        when waiting, add the classification's AI usage to the report."""
        companies = [company_id for company_id, ids in new_conversations.items() if ids]
        with report.stage("follow_up"):
            for company_id in companies:
                follow_up(
                    self.sessions,
                    self.settings,
                    company_id,
                    new_conversations[company_id],
                    wait=wait,
                )
            if report.new_messages and len(companies) < len(new_conversations):
                # No new conversation there, but events (messages in known ones) to deliver.
                queue = get_queue(self.settings, self.sessions)
                for company_id in new_conversations.keys() - set(companies):
                    enqueue_webhooks(queue, self.sessions, company_id)
                if wait:
                    queue.join()
        if wait and companies:
            with self.reader_sessions() as session:
                report.add_ai(usage_since(session, companies, started, "classify"))
        report.seconds["total"] = round(
            report.seconds.get("total", 0.0) + report.seconds["follow_up"], 6
        )
