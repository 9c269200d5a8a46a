"""Mailboxes, their folders' sync cursors, and the lease that keeps one sync per mailbox.

A lease is a row (mailbox_id, holder, expires_at). Taking it is one conditional statement that
either inserts the row or takes over an expired one, so two processes (or machines) sharing the
database can never both hold it. Times are naive UTC from the holder's clock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.db.companies import add_addresses
from inboxsync.db.dialect import insert_ignore
from inboxsync.db.models import Company, Mailbox, MailboxFolder, MailboxLease, utcnow
from inboxsync.errors import NotFound, UsageError
from inboxsync.sources.base import FolderCursor

log = logging.getLogger(__name__)

TLS_MODES = ("ssl", "starttls", "none")


@dataclass(frozen=True, slots=True)
class MailboxInfo:
    """A mailbox as the sync sees it. `secret_ref` is a reference (`env:VAR`…), never a value."""

    id: int
    company_id: int
    company_name: str
    imap_host: str
    imap_port: int
    imap_tls: str
    username: str
    secret_kind: str
    secret_ref: str
    folders: tuple[FolderCursor, ...]
    first_synced_at: datetime | None = None


def default_port(tls: str) -> int:
    """993 for implicit TLS, 143 otherwise."""
    return 993 if tls == "ssl" else 143


def add_mailbox(
    session: Session,
    company_id: int,
    *,
    host: str,
    username: str,
    secret_kind: str,
    secret_ref: str,
    tls: str = "ssl",
    port: int | None = None,
    folders: list[str] | None = None,
) -> int:
    """Create a mailbox with its folders (default INBOX); returns its id.

    A username that is an address becomes one of the company's own addresses, so that mail it
    sends (its Sent folder) is outgoing and never creates a client.
    """
    if tls not in TLS_MODES:
        raise UsageError(f"tls must be one of {', '.join(TLS_MODES)}, not {tls!r}")
    if session.get(Company, company_id) is None:
        raise UsageError(f"unknown company id {company_id}")
    mailbox = Mailbox(
        company_id=company_id,
        imap_host=host,
        imap_port=port or default_port(tls),
        imap_tls=tls,
        username=username,
        secret_kind=secret_kind,
        secret_ref=secret_ref,
    )
    session.add(mailbox)
    session.flush()
    add_folders(session, mailbox.id, folders or ["INBOX"])
    if "@" in username:
        add_addresses(session, company_id, [username])
    return mailbox.id


def add_folders(session: Session, mailbox_id: int, names: list[str]) -> None:
    """Add folders to sync to a mailbox, ignoring ones it has already."""
    known = set(
        session.scalars(select(MailboxFolder.name).where(MailboxFolder.mailbox_id == mailbox_id))
    )
    for name in dict.fromkeys(n.strip() for n in names):
        if not name:
            raise UsageError("a folder name cannot be empty")
        if name not in known:
            session.add(MailboxFolder(mailbox_id=mailbox_id, name=name, last_uid=0))
    session.flush()


def list_mailboxes(
    session: Session, company_id: int | None = None, mailbox_id: int | None = None
) -> list[MailboxInfo]:
    """The mailboxes (of one company, or one mailbox by id) with their folder cursors, by id.

    Raises NotFound when `mailbox_id` names no mailbox (of `company_id`, when given)."""
    query = select(Mailbox, Company.name).join(Company, Company.id == Mailbox.company_id)
    if company_id is not None:
        query = query.where(Mailbox.company_id == company_id)
    if mailbox_id is not None:
        query = query.where(Mailbox.id == mailbox_id)
    rows = session.execute(query.order_by(Mailbox.id)).all()
    if mailbox_id is not None and not rows:
        raise NotFound(f"no mailbox {mailbox_id}")
    ids = [mailbox.id for mailbox, _ in rows]
    cursors: dict[int, list[FolderCursor]] = {i: [] for i in ids}
    if ids:
        folders = session.scalars(
            select(MailboxFolder)
            .where(MailboxFolder.mailbox_id.in_(ids))
            .order_by(MailboxFolder.id)
        )
        for f in folders:
            cursors[f.mailbox_id].append(_cursor(f))
    return [
        MailboxInfo(
            id=m.id,
            company_id=m.company_id,
            company_name=name,
            imap_host=m.imap_host,
            imap_port=m.imap_port,
            imap_tls=m.imap_tls,
            username=m.username,
            secret_kind=m.secret_kind,
            secret_ref=m.secret_ref,
            folders=tuple(cursors[m.id]),
            first_synced_at=m.first_synced_at,
        )
        for m, name in rows
    ]


def folder_cursors(session: Session, mailbox_id: int) -> list[FolderCursor]:
    """The folder cursors of a mailbox as stored now, by folder id."""
    folders = session.scalars(
        select(MailboxFolder)
        .where(MailboxFolder.mailbox_id == mailbox_id)
        .order_by(MailboxFolder.id)
    )
    return [_cursor(f) for f in folders]


def mark_synced(session: Session, mailbox_id: int, started_at: datetime) -> None:
    """Record when a mailbox's first complete sync started (kept once set): mail that arrived
    before it is history, mail that arrived during or after it is new."""
    session.execute(
        update(Mailbox)
        .where(Mailbox.id == mailbox_id, Mailbox.first_synced_at.is_(None))
        .values(first_synced_at=started_at)
    )


def acquire_lease(
    sessions: sessionmaker[Session], mailbox_id: int, holder: str, ttl_seconds: float
) -> bool:
    """Take the mailbox's lease for `ttl_seconds` unless another live holder has it.

    Returns True when `holder` holds it now (fresh, taken over from an expired holder, or
    already its own). Commits at once.
    """
    now = utcnow()
    expires = now + timedelta(seconds=ttl_seconds)
    with sessions.begin() as session:
        inserted = session.execute(
            insert_ignore(session, MailboxLease).values(
                mailbox_id=mailbox_id, holder=holder, expires_at=expires
            )
        )
        if inserted.rowcount == 1:  # type: ignore[attr-defined]
            return True
        # Take over only an expired lease (or our own): the WHERE is re-checked under the row
        # lock, so of two processes racing for an expired lease one updates, the other none.
        taken = session.execute(
            update(MailboxLease)
            .where(
                MailboxLease.mailbox_id == mailbox_id,
                (MailboxLease.expires_at < now) | (MailboxLease.holder == holder),
            )
            .values(holder=holder, expires_at=expires)
        )
        won = bool(taken.rowcount == 1)  # type: ignore[attr-defined]
    if won:
        log.info("mailbox %s: took over an expired lease", mailbox_id)
    return won


def take_over_lease(
    sessions: sessionmaker[Session], mailbox_id: int, dead_holder: str, holder: str, ttl: float
) -> bool:
    """Take the lease from `dead_holder` (a process known to be gone); False if it moved on."""
    with sessions.begin() as session:
        result = session.execute(
            update(MailboxLease)
            .where(MailboxLease.mailbox_id == mailbox_id, MailboxLease.holder == dead_holder)
            .values(holder=holder, expires_at=utcnow() + timedelta(seconds=ttl))
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def renew_lease(
    sessions: sessionmaker[Session], mailbox_id: int, holder: str, ttl_seconds: float
) -> bool:
    """Push the lease's expiry further; False when `holder` does not hold it any more."""
    with sessions.begin() as session:
        result = session.execute(
            update(MailboxLease)
            .where(MailboxLease.mailbox_id == mailbox_id, MailboxLease.holder == holder)
            .values(expires_at=utcnow() + timedelta(seconds=ttl_seconds))
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def release_lease(sessions: sessionmaker[Session], mailbox_id: int, holder: str) -> None:
    """Give the lease back (only if `holder` still holds it)."""
    with sessions.begin() as session:
        session.execute(
            delete(MailboxLease).where(
                MailboxLease.mailbox_id == mailbox_id, MailboxLease.holder == holder
            )
        )


def lease_holder(session: Session, mailbox_id: int) -> tuple[str, datetime] | None:
    """Who holds the mailbox's lease and until when, or None (expired leases included)."""
    row = session.execute(
        select(MailboxLease.holder, MailboxLease.expires_at).where(
            MailboxLease.mailbox_id == mailbox_id
        )
    ).first()
    return (row[0], row[1]) if row else None


def _cursor(f: MailboxFolder) -> FolderCursor:
    return FolderCursor(
        folder_id=f.id,
        name=f.name,
        uidvalidity=f.uidvalidity,
        last_uid=f.last_uid or 0,
        highestmodseq=f.highestmodseq,
    )
