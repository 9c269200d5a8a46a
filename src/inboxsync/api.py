"""The Python face of inboxsync: one object whose methods are the CLI's commands."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.config import Settings
from inboxsync.db import companies as company_store
from inboxsync.db import conversations as conversation_store
from inboxsync.db import ensure_migrated, make_engine, make_sessionmaker, migrate
from inboxsync.pipeline.report import SyncReport
from inboxsync.pipeline.sync import ProgressHook, ingest
from inboxsync.sources.local import open_source


class Inbox:
    """A connection to an inboxsync database and the operations on it.

    >>> inbox = Inbox(Settings(db="sqlite:///inboxsync.db"))
    >>> inbox.init()
    >>> report = inbox.import_path("Acme", Path("Maildir"))
    """

    def __init__(self, settings: Settings, *, check_schema: bool = True) -> None:
        self.settings = settings
        self.engine: Engine = make_engine(settings.db)
        self.sessions: sessionmaker[Session] = make_sessionmaker(self.engine)
        if check_schema:
            ensure_migrated(self.engine)

    @classmethod
    def initialise(cls, settings: Settings) -> Inbox:
        """Create or upgrade the schema, then open the database."""
        inbox = cls(settings, check_schema=False)
        inbox.init()
        return inbox

    def init(self) -> None:
        """Apply the migrations (idempotent)."""
        migrate(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def add_company(self, name: str, addresses: list[str]) -> int:
        """Create a company with its own addresses; returns its id."""
        with self.sessions() as session:
            company_id = company_store.add_company(session, name, addresses)
            session.commit()
            return company_id

    def companies(self) -> list[company_store.CompanyInfo]:
        """Every company with its own addresses."""
        with self.sessions() as session:
            return company_store.list_companies(session)

    def company_id(self, name: str) -> int:
        """The id of a company by name (or id); UsageError when unknown."""
        with self.sessions() as session:
            return company_store.company_id_by_name(session, name)

    def add_folder(self, company: str, name: str, description: str) -> int:
        """Create a folder for `company`; returns its id."""
        with self.sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
            folder_id = company_store.add_folder(session, company_id, name, description)
            session.commit()
            return folder_id

    def import_path(
        self,
        company: str,
        path: Path,
        *,
        batch_size: int | None = None,
        progress: ProgressHook | None = None,
    ) -> SyncReport:
        """Import a Maildir, mbox file or directory of message files for `company`."""
        company_id = self.company_id(company)
        source = open_source(path)
        settings = self.settings
        if batch_size is not None:
            settings = settings.model_copy(update={"batch_size": batch_size})
        return ingest(
            self.sessions,
            company_id,
            source,
            settings=settings,
            progress=progress,
            source_name=str(path),
        )

    def conversations(
        self, company: str, limit: int | None = None
    ) -> list[conversation_store.ConversationRow]:
        """The company's conversations, most recent first."""
        with self.sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
            return conversation_store.list_conversations(session, company_id, limit)

    def conversation(self, conversation_id: int) -> conversation_store.ConversationDetail:
        """One conversation with its messages."""
        with self.sessions() as session:
            return conversation_store.conversation_detail(session, conversation_id)
