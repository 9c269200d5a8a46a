"""What users see of a company's mailboxes: each with its status (paused, last good sync,
last error, messages waiting on the server, quarantined), one at a time or a keyset page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from inboxsync.db.listing import Page, keyset_page
from inboxsync.db.models import Mailbox, MailboxFolder, Quarantine
from inboxsync.errors import NotFound


@dataclass(frozen=True, slots=True)
class FolderState:
    """How far a folder is synced: UIDs up to `last_uid` of `uidvalidity` are stored, and
    `lag` messages were waiting above them when a sync last examined it (UIDNEXT - 1 - last
    UID, as of then: mail that arrived since shows at the next sync)."""

    name: str
    uidvalidity: int | None
    last_uid: int
    uidnext: int | None
    lag: int
    last_synced_at: datetime | None


@dataclass(frozen=True, slots=True)
class MailboxStatus:
    """A mailbox's state: paused or not, when its last sync without error ended, its last
    error and when, the messages waiting over all its folders, and its quarantined ones."""

    paused: bool
    last_sync_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None
    lag: int
    quarantined: int
    folders: tuple[FolderState, ...]


@dataclass(frozen=True, slots=True)
class MailboxDetail:
    """A mailbox with its status. `secret_ref` names where the secret is (`env:VAR`…),
    never its value."""

    id: int
    host: str
    port: int
    tls: str
    user: str
    secret_ref: str
    created_at: datetime
    status: MailboxStatus


_COLUMNS = (
    Mailbox.id,
    Mailbox.imap_host,
    Mailbox.imap_port,
    Mailbox.imap_tls,
    Mailbox.username,
    Mailbox.secret_ref,
    Mailbox.created_at,
    Mailbox.paused,
    Mailbox.last_sync_at,
    Mailbox.last_error,
    Mailbox.last_error_at,
)


def mailbox_page(
    session: Session, company_id: int, *, cursor: str | None = None, limit: int = 50
) -> Page[MailboxDetail]:
    """A page of the company's mailboxes by id, each with its status."""
    query = select(*_COLUMNS).where(Mailbox.company_id == company_id)
    page = keyset_page(session, query, [Mailbox.id], tuple, cursor=cursor, limit=limit)
    return Page(_details(session, page.items), page.next_cursor)


def mailbox_detail(session: Session, company_id: int, mailbox_id: int) -> MailboxDetail:
    """One of the company's mailboxes with its status; NotFound for another company's."""
    rows = session.execute(
        select(*_COLUMNS).where(Mailbox.company_id == company_id, Mailbox.id == mailbox_id)
    ).all()
    if not rows:
        raise NotFound(f"no mailbox {mailbox_id}")
    [detail] = _details(session, rows)
    return detail


def _details(session: Session, rows: Sequence[Sequence[Any]]) -> tuple[MailboxDetail, ...]:
    """The mailboxes of `rows` (of `_COLUMNS`) with their folders and quarantine counts:
    two queries whatever the number of mailboxes."""
    ids = [row[0] for row in rows]
    folders: dict[int, list[FolderState]] = {i: [] for i in ids}
    quarantined: dict[int | None, int] = {}
    if ids:
        for f in session.scalars(
            select(MailboxFolder)
            .where(MailboxFolder.mailbox_id.in_(ids))
            .order_by(MailboxFolder.id)
        ):
            last_uid = f.last_uid or 0
            lag = max(0, f.uidnext - 1 - last_uid) if f.uidnext is not None else 0
            folders[f.mailbox_id].append(
                FolderState(f.name, f.uidvalidity, last_uid, f.uidnext, lag, f.last_synced_at)
            )
        quarantined = {
            mailbox_id: int(n)
            for mailbox_id, n in session.execute(
                select(Quarantine.mailbox_id, func.count())
                .where(Quarantine.mailbox_id.in_(ids))
                .group_by(Quarantine.mailbox_id)
            )
        }
    details = []
    for box_id, host, port, tls, user, ref, created, paused, good, error, error_at in rows:
        states = tuple(folders[box_id])
        status = MailboxStatus(
            paused=bool(paused),
            last_sync_at=good,
            last_error=error,
            last_error_at=error_at,
            lag=sum(f.lag for f in states),
            quarantined=quarantined.get(box_id, 0),
            folders=states,
        )
        details.append(MailboxDetail(box_id, host, port, tls, user, ref, created, status))
    return tuple(details)
