"""Mailboxes (added, edited, paused, removed), their folders' sync cursors and state, and the
lease that keeps one sync per mailbox.

A lease is a row (mailbox_id, holder, expires_at). Taking it is one conditional statement that
either inserts the row or takes over an expired one, so two processes (or machines) sharing the
database can never both hold it. Times are naive UTC from the holder's clock.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Delete, delete, exists, select, update
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.db.companies import add_addresses
from inboxsync.db.conversations import recount_conversations
from inboxsync.db.dialect import insert_ignore
from inboxsync.db.models import (
    Company,
    Conversation,
    InboxMessage,
    Mailbox,
    MailboxFolder,
    MailboxLease,
    Quarantine,
    utcnow,
)
from inboxsync.db.storable import column_length
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
    paused: bool = False


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
    if session.get(Company, company_id) is None:
        raise UsageError(f"unknown company id {company_id}")
    mailbox = Mailbox(
        company_id=company_id,
        imap_host=_checked_host(host),
        imap_port=_checked_port(port, tls),
        imap_tls=tls,
        username=_checked_user(username),
        secret_kind=secret_kind,
        secret_ref=secret_ref,
    )
    session.add(mailbox)
    session.flush()
    add_folders(session, mailbox.id, folders or ["INBOX"])
    if "@" in username:
        add_addresses(session, company_id, [username])
    return mailbox.id


def edit_mailbox(
    session: Session,
    company_id: int,
    mailbox_id: int,
    *,
    host: str | None = None,
    port: int | None = None,
    tls: str | None = None,
    username: str | None = None,
    secret: tuple[str, str] | None = None,
    folders: list[str] | None = None,
) -> None:
    """Change what is given of a company's mailbox: its account, its secret reference
    (kind, ref), the folders it syncs (those left out are dropped with their cursors).
    A new tls without a port moves a default port along."""
    mailbox = find_mailbox(session, company_id, mailbox_id)
    if tls is not None:
        if port is None and mailbox.imap_port == default_port(mailbox.imap_tls):
            port = default_port(tls)
        mailbox.imap_tls = tls
    if port is not None or tls is not None:
        mailbox.imap_port = _checked_port(port or mailbox.imap_port, mailbox.imap_tls)
    if host is not None:
        mailbox.imap_host = _checked_host(host)
    if username is not None:
        mailbox.username = _checked_user(username)
        if "@" in username:
            add_addresses(session, company_id, [username])
    if secret is not None:
        mailbox.secret_kind, mailbox.secret_ref = secret
    if folders is not None:
        wanted = _folder_names(folders)
        session.execute(
            delete(MailboxFolder).where(
                MailboxFolder.mailbox_id == mailbox_id, MailboxFolder.name.not_in(wanted)
            )
        )
        add_folders(session, mailbox_id, wanted)
    session.flush()


@dataclass(frozen=True, slots=True)
class RemovedMailbox:
    """A mailbox removed, and what of its mail went with it (nothing unless asked)."""

    id: int
    deleted_messages: int
    deleted_conversations: int
    deleted_quarantine: int


def remove_mailbox(
    session: Session, company_id: int, mailbox_id: int, *, delete_mail: bool = False
) -> RemovedMailbox:
    """Remove a company's mailbox with its folder cursors. Its mail stays (its mailbox_id
    set NULL) unless `delete_mail`: then its messages and quarantine rows go, with the
    conversations they leave empty. Refused while a sync holds the mailbox's lease."""
    mailbox = find_mailbox(session, company_id, mailbox_id)
    held = lease_holder(session, mailbox_id)
    if held is not None and held[1] > utcnow():
        raise UsageError(f"mailbox {mailbox_id} is being synced: pause it, then remove it")
    messages = conversations = quarantined = 0
    if delete_mail:
        of_box = (InboxMessage.company_id == company_id) & (InboxMessage.mailbox_id == mailbox_id)
        touched = list(
            session.scalars(select(InboxMessage.conversation_id).where(of_box).distinct())
        )
        messages = _deleted(session, delete(InboxMessage).where(of_box))
        quarantined = _deleted(
            session,
            delete(Quarantine).where(
                Quarantine.company_id == company_id, Quarantine.mailbox_id == mailbox_id
            ),
        )
        has_message = exists().where(InboxMessage.conversation_id == Conversation.id)
        conversations = _deleted(
            session, delete(Conversation).where(Conversation.id.in_(touched), ~has_message)
        )
        recount_conversations(session, touched)
    session.delete(mailbox)
    session.flush()
    return RemovedMailbox(mailbox_id, messages, conversations, quarantined)


def _deleted(session: Session, statement: Delete) -> int:
    return int(session.execute(statement).rowcount)  # type: ignore[attr-defined]


def find_mailbox(session: Session, company_id: int, mailbox_id: int) -> Mailbox:
    """The company's mailbox; NotFound for an unknown id and another company's alike."""
    mailbox = session.scalar(
        select(Mailbox).where(Mailbox.id == mailbox_id, Mailbox.company_id == company_id)
    )
    if mailbox is None:
        raise NotFound(f"no mailbox {mailbox_id}")
    return mailbox


def set_paused(session: Session, company_id: int, mailbox_id: int, paused: bool) -> None:
    """Pause or resume a company's mailbox (a sync running now stops before its next batch)."""
    find_mailbox(session, company_id, mailbox_id).paused = paused
    session.flush()


def is_paused(session: Session, mailbox_id: int) -> bool:
    """Whether a sync must leave the mailbox alone now: paused, or removed meanwhile."""
    paused = session.scalar(select(Mailbox.paused).where(Mailbox.id == mailbox_id))
    return paused is None or bool(paused)


def record_sync_end(session: Session, mailbox_id: int, error: str | None) -> None:
    """Note the end of a sync: when, if it met no error; else the error and when."""
    values: dict[str, object] = {"last_sync_at": utcnow()}
    if error is not None:
        values = {"last_error": error[:2000], "last_error_at": utcnow()}
    session.execute(update(Mailbox).where(Mailbox.id == mailbox_id).values(**values))


def record_uidnext(session: Session, uidnext: dict[int, int]) -> None:
    """Note the UIDNEXT each folder (by id) showed when the sync examined it."""
    if uidnext:
        session.execute(
            update(MailboxFolder), [{"id": i, "uidnext": n} for i, n in uidnext.items()]
        )


def add_folders(session: Session, mailbox_id: int, names: list[str]) -> None:
    """Add folders to sync to a mailbox, ignoring ones it has already."""
    known = set(
        session.scalars(select(MailboxFolder.name).where(MailboxFolder.mailbox_id == mailbox_id))
    )
    for name in _folder_names(names):
        if name not in known:
            session.add(MailboxFolder(mailbox_id=mailbox_id, name=name, last_uid=0))
    session.flush()


def _folder_names(names: list[str]) -> list[str]:
    found = list(dict.fromkeys(n.strip() for n in names))
    limit = column_length(MailboxFolder.name) or 0
    for name in found:
        if not name or not name.isprintable() or len(name) > limit:
            raise UsageError(f"a folder name is printable text of 1 to {limit} characters")
    if not found:
        raise UsageError("a mailbox syncs at least one folder")
    return found


def _checked_host(host: str) -> str:
    host = host.strip()
    if not host or len(host) > 255 or not host.isprintable() or " " in host or "/" in host:
        raise UsageError(f"not a host name: {host[:60]!r}")
    return host


def _checked_port(port: int | None, tls: str) -> int:
    if tls not in TLS_MODES:
        raise UsageError(f"tls must be one of {', '.join(TLS_MODES)}, not {tls[:20]!r}")
    port = port or default_port(tls)
    if not 1 <= port <= 65535:
        raise UsageError(f"a port is between 1 and 65535, not {port}")
    return port


def _checked_user(username: str) -> str:
    limit = column_length(Mailbox.username) or 0
    if not username or not username.isprintable() or len(username) > limit:
        raise UsageError(f"a user name is printable text of 1 to {limit} characters")
    return username


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
            paused=m.paused,
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
