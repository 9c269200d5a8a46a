"""Filing by a company's own IMAP folders: an IMAP folder of a mailbox mapped onto one of the
company's folders files the conversations whose mail is there as a person's decision
(`folder_source` "mailbox"), from the first sync on, and they teach the local model.

A conversation with mail in several mapped folders goes where its latest incoming message in
a mapped folder is (its latest outgoing one's when none came in). A user's correction wins,
always: a conversation a user filed is never touched here. Notifications stay unfiled.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, and_, bindparam, cast, delete, func, literal, select, update
from sqlalchemy.orm import Session

from inboxsync.ai.claims import CONV
from inboxsync.ai.folders import folder_version, load_folders
from inboxsync.db.ai_models import AiClaim
from inboxsync.db.companies import find_folder
from inboxsync.db.events import NewEvent, record_events
from inboxsync.db.label_models import MailboxFolderMap
from inboxsync.db.mailboxes import find_mailbox
from inboxsync.db.models import Conversation, Folder, InboxMessage, MailboxFolder, utcnow
from inboxsync.errors import NotFound, UsageError

MAILBOX_SOURCE = "mailbox"
# Conversations refiled per statement (an IN list both databases take).
_CHUNK = 1000


@dataclass(frozen=True, slots=True)
class FolderMapping:
    """An IMAP folder of a mailbox and the company folder its mail is filed in."""

    mailbox_id: int
    imap_folder: str
    folder_id: int
    folder_name: str


@dataclass(frozen=True, slots=True)
class ImapFolder:
    """An IMAP folder of a mailbox: whether it is synced, and the company folder it is mapped
    onto (None: not mapped)."""

    name: str
    synced: bool
    folder_id: int | None
    folder: str | None


@dataclass(frozen=True, slots=True)
class MappingChange:
    """A mapping made or removed, and the conversations it changed: `filed` filed by a
    mapping now, `released` (ids) filed by the removed one and back to `pending`."""

    mapping: FolderMapping
    filed: int
    released: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class MappedFiling:
    """Where a conversation's mail in mapped folders files it, and why."""

    folder_id: int
    reason: str


def imap_folder_of(source_ref: str) -> tuple[int, str] | None:
    """(mailbox id, IMAP folder) of a message synced from IMAP, read from its `source_ref`
    ("imap:{mailbox}/{folder}/{uidvalidity}/{uid}"; the folder may itself hold "/")."""
    if not source_ref.startswith("imap:"):
        return None
    mailbox, _, rest = source_ref[5:].partition("/")
    parts = rest.rsplit("/", 2)
    if len(parts) != 3 or not mailbox.isdigit() or not parts[1].isdigit():
        return None
    return int(mailbox), parts[0]


def mappings(
    session: Session, company_id: int, mailbox_id: int | None = None
) -> list[FolderMapping]:
    """The company's mappings (of one mailbox), by mailbox and IMAP folder (one query)."""
    m = MailboxFolderMap
    query = (
        select(m.mailbox_id, m.imap_folder, m.folder_id, Folder.name)
        .join(Folder, Folder.id == m.folder_id)
        .where(m.company_id == company_id)
        .order_by(m.mailbox_id, m.imap_folder)
    )
    if mailbox_id is not None:
        query = query.where(m.mailbox_id == mailbox_id)
    return [FolderMapping(*row) for row in session.execute(query).all()]


def imap_folders(session: Session, company_id: int, mailbox_id: int) -> list[ImapFolder]:
    """The company mailbox's synced IMAP folders and mapped ones (a mapping outlives its
    folder's removal from the sync, inert), by name, each with its mapping."""
    find_mailbox(session, company_id, mailbox_id)
    synced = set(
        session.scalars(select(MailboxFolder.name).where(MailboxFolder.mailbox_id == mailbox_id))
    )
    mapped = {m.imap_folder: m for m in mappings(session, company_id, mailbox_id)}
    return [
        ImapFolder(
            name,
            name in synced,
            mapped[name].folder_id if name in mapped else None,
            mapped[name].folder_name if name in mapped else None,
        )
        for name in sorted(synced | mapped.keys())
    ]


def map_folder(
    session: Session, company_id: int, mailbox_id: int, imap_folder: str, folder: str | int
) -> MappingChange:
    """Map an IMAP folder the mailbox syncs onto the company's `folder` (name or id),
    replacing its earlier mapping, and file the mail already synced from it. NotFound for
    an unknown mailbox or folder, UsageError for an IMAP folder the mailbox does not sync."""
    find_mailbox(session, company_id, mailbox_id)
    synced = session.scalar(
        select(MailboxFolder.id).where(
            MailboxFolder.mailbox_id == mailbox_id, MailboxFolder.name == imap_folder
        )
    )
    if synced is None:
        raise UsageError(
            f"mailbox {mailbox_id} does not sync IMAP folder {imap_folder!r}: add it with "
            "`inboxsync mailbox edit --folder` first"
        )
    target = find_folder(session, company_id, folder)
    row = _mapping_row(session, mailbox_id, imap_folder)
    if row is None:
        row = MailboxFolderMap(
            company_id=company_id, mailbox_id=mailbox_id, imap_folder=imap_folder
        )
        session.add(row)
    row.folder_id = target.id
    session.flush()
    filed, _ = refile(session, company_id, _conversations_in(session, mailbox_id, imap_folder))
    return MappingChange(FolderMapping(mailbox_id, imap_folder, target.id, target.name), filed)


def unmap_folder(
    session: Session, company_id: int, mailbox_id: int, imap_folder: str
) -> MappingChange:
    """Remove a mapping: the conversations it filed go where another mapping files them,
    else back to `pending` for the classifier (`released`). NotFound when there is none."""
    find_mailbox(session, company_id, mailbox_id)
    row = _mapping_row(session, mailbox_id, imap_folder)
    if row is None:
        raise NotFound(f"IMAP folder {imap_folder!r} of mailbox {mailbox_id} is not mapped")
    name = session.scalar(select(Folder.name).where(Folder.id == row.folder_id)) or ""
    mapping = FolderMapping(mailbox_id, imap_folder, row.folder_id, name)
    session.delete(row)
    session.flush()
    filed, released = refile(
        session, company_id, _conversations_in(session, mailbox_id, imap_folder)
    )
    return MappingChange(mapping, filed, released)


def mapped_filings(
    session: Session, company_id: int, conversation_ids: Collection[int]
) -> dict[int, MappedFiling]:
    """Where the mapped folders their mail is in file the conversations (those with none
    left out), one query."""
    if not conversation_ids:
        return {}
    m, f = InboxMessage, MailboxFolderMap
    prefix = literal("imap:") + cast(f.mailbox_id, String) + "/" + f.imap_folder + "/"
    rows = session.execute(
        select(m.conversation_id, m.source_ref, m.direction, m.date, m.id, f.folder_id)
        .join(f, and_(f.mailbox_id == m.mailbox_id, f.company_id == company_id))
        .where(
            m.conversation_id.in_(list(conversation_ids)),
            func.substr(m.source_ref, 1, func.length(prefix)) == prefix,
        )
    ).all()
    best: dict[int, tuple[tuple[bool, datetime, int], MappedFiling]] = {}
    for r in rows:
        # A folder "A" is a prefix of "A/B"'s refs too: only the exact folder counts.
        place = imap_folder_of(r.source_ref)
        if place is None:
            continue
        rank = (r.direction == "in", r.date, r.id)
        known = best.get(r.conversation_id)
        if known is None or rank > known[0]:
            reason = f"filed in IMAP folder {place[1]!r} (mailbox {place[0]})"
            best[r.conversation_id] = (rank, MappedFiling(r.folder_id, reason))
    return {cid: filing for cid, (_, filing) in best.items()}


def refile(
    session: Session, company_id: int, conversation_ids: Collection[int]
) -> tuple[int, tuple[int, ...]]:
    """File the conversations where the mappings say (a user's decisions and notifications
    left alone); those filed by a mapping that no longer applies go back to `pending`.
    Returns how many were filed and the ids put back."""
    version = folder_version(load_folders(session, company_id))
    filed = 0
    released: list[int] = []
    for chunk in _chunks(sorted(conversation_ids)):
        n, back = _refile_chunk(session, company_id, version, chunk)
        filed += n
        released += back
    return filed, tuple(released)


def _refile_chunk(
    session: Session, company_id: int, version: str, ids: list[int]
) -> tuple[int, list[int]]:
    filings = mapped_filings(session, company_id, ids)
    current = session.execute(
        select(Conversation.id, Conversation.folder_id, Conversation.folder_source).where(
            Conversation.id.in_(ids),
            Conversation.company_id == company_id,
            Conversation.folder_source != "user",
            Conversation.is_notification.is_not(True),
        )
    ).all()
    now = utcnow()
    rows: list[dict[str, int | str]] = []
    released: list[int] = []
    for cid, folder_id, source in current:
        filing = filings.get(cid)
        if filing is not None and (folder_id, source) != (filing.folder_id, MAILBOX_SOURCE):
            rows.append({"cid": cid, "fid": filing.folder_id, "why": filing.reason})
        elif filing is None and source == MAILBOX_SOURCE:
            released.append(cid)
    guard = (CONV.c.company_id == company_id, CONV.c.folder_source != "user")
    if rows:
        session.execute(
            update(CONV)
            .where(CONV.c.id == bindparam("cid"), *guard)
            .values(
                status="classified",
                folder_id=bindparam("fid"),
                folder_source=MAILBOX_SOURCE,
                folder_confidence=1.0,
                folder_version=version,
                status_reason=bindparam("why"),
                updated_at=now,
            ),
            rows,
        )
        session.execute(
            delete(AiClaim).where(AiClaim.conversation_id.in_([r["cid"] for r in rows]))
        )
        record_events(session, company_id, [
            NewEvent("conversation.classified", int(r["cid"]), data={
                "status": "classified", "folder_id": r["fid"], "source": MAILBOX_SOURCE,
                "confidence": 1.0,
            })
            for r in rows
        ])  # fmt: skip
    if released:
        session.execute(
            update(CONV)
            .where(CONV.c.id.in_(released), *guard)
            .values(
                status="pending",
                folder_id=None,
                folder_source="",
                folder_confidence=None,
                status_reason="its IMAP folder is no longer mapped",
                updated_at=now,
            )
        )
    return len(rows), released


def _conversations_in(session: Session, mailbox_id: int, imap_folder: str) -> set[int]:
    """The conversations with mail synced from the mailbox's IMAP folder."""
    prefix = f"imap:{mailbox_id}/{imap_folder}/"
    rows = session.execute(
        select(InboxMessage.conversation_id, InboxMessage.source_ref).where(
            InboxMessage.mailbox_id == mailbox_id,
            func.substr(InboxMessage.source_ref, 1, len(prefix)) == prefix,
        )
    ).all()
    return {cid for cid, ref in rows if imap_folder_of(ref) == (mailbox_id, imap_folder)}


def _mapping_row(session: Session, mailbox_id: int, imap_folder: str) -> MailboxFolderMap | None:
    return session.scalar(
        select(MailboxFolderMap).where(
            MailboxFolderMap.mailbox_id == mailbox_id, MailboxFolderMap.imap_folder == imap_folder
        )
    )


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]
