"""`Inbox`'s operations on companies: create, list, and how each sends mail."""

from __future__ import annotations

from inboxsync.db import companies as company_store
from inboxsync.db import listing
from inboxsync.operations._base import InboxBase
from inboxsync.outbound import (
    SmtpSettings,
    load_company_smtp,
    set_company_smtp,
)


class CompanyOperations(InboxBase):
    """The operations on companies."""

    def add_company(self, name: str, addresses: list[str]) -> int:
        """Create a company with its own addresses; returns its id."""
        with self.sessions.begin() as session:
            return company_store.add_company(session, name, addresses)

    def companies(self) -> list[company_store.CompanyInfo]:
        """Every company with its own addresses."""
        with self.reader_sessions() as session:
            return company_store.list_companies(session)

    def company_page(
        self, *, cursor: str | None = None, limit: int = 50
    ) -> listing.Page[company_store.CompanyInfo]:
        """A page of every company by name, with its own addresses; pass its `next_cursor`
        back as `cursor` for the next one."""
        with self.reader_sessions() as session:
            return listing.company_page(session, cursor=cursor, limit=limit)

    def set_smtp(
        self,
        company: str | int,
        *,
        host: str,
        port: int,
        tls: str,
        user: str | None = None,
        password_env: str | None = None,
        from_address: str = "",
        sent_mailbox_id: int | None = None,
        sent_folder: str = "",
    ) -> SmtpSettings:
        """Set how the company sends its auto-replies and agents' replies (`tls`: none,
        starttls or ssl); the password stays in the environment variable `password_env`. With
        `sent_mailbox_id` (one of its mailboxes) and `sent_folder`, each agent's reply is copied
        there once sent. Returns what is stored."""
        smtp = SmtpSettings(
            host, port, tls, user, password_env, from_address, sent_mailbox_id, sent_folder
        )
        with self.sessions.begin() as session:
            company_id = company_store.company_id_by_name(session, company)
            set_company_smtp(session, company_id, smtp)
            stored = load_company_smtp(session, company_id)
        assert stored is not None  # just written
        return stored

    def store_counts(self) -> listing.StoreCounts:
        """Totals over every company: messages, conversations by status, quarantine, syncs,
        outbox, AI calls and spend, webhook deliveries."""
        with self.reader_sessions() as session:
            return listing.store_counts(session)
