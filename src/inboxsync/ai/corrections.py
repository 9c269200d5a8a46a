"""A user's folder corrections: they always win and are never overwritten."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.ai import caches
from inboxsync.ai.caches import CachedDecision
from inboxsync.ai.claims import CONV
from inboxsync.ai.conversation_text import load_items
from inboxsync.ai.folders import folder_version, load_folders
from inboxsync.ai.text import content_hash
from inboxsync.db.ai_models import AiClaim
from inboxsync.db.companies import find_folder
from inboxsync.db.events import NewEvent, record_events
from inboxsync.db.models import Conversation, utcnow
from inboxsync.errors import NotFound

UNFILED = ("none", "-")


@dataclass(frozen=True, slots=True)
class FolderCorrection:
    """What `set_folder` recorded."""

    conversation_id: int
    folder_id: int | None
    folder_name: str
    previous_folder_id: int | None


def set_folder(
    sessions: sessionmaker[Session],
    conversation_id: int,
    folder_name_or_id: str | int,
    *,
    company_id: int | None = None,
) -> FolderCorrection:
    """File a conversation by hand (folder name, id, or "none" to unfile). The decision is
    marked `user`: no classifier overwrites it, and conversations with the same content
    follow it. Raises NotFound for an unknown conversation (or, given `company_id`, one of
    another company) and for a folder the conversation's company does not have."""
    with sessions.begin() as session:
        query = select(Conversation.id, Conversation.company_id, Conversation.folder_id).where(
            Conversation.id == conversation_id
        )
        if company_id is not None:
            query = query.where(Conversation.company_id == company_id)
        conv = session.execute(query).first()
        if conv is None:
            raise NotFound(f"no conversation {conversation_id} in this company")
        folder_id, name = _resolve(session, conv.company_id, folder_name_or_id)
        folders = load_folders(session, conv.company_id)
        version = folder_version(folders)
        session.execute(
            update(CONV)
            .where(Conversation.id == conversation_id)
            .values(
                folder_id=folder_id,
                status="classified" if folder_id is not None else "unclassified",
                folder_source="user",
                folder_confidence=1.0,
                folder_version=version,
                status_reason="set by a user",
                updated_at=utcnow(),
            )
        )
        session.execute(delete(AiClaim).where(AiClaim.conversation_id == conversation_id))
        item = load_items(session, [conversation_id], 600).get(conversation_id)
        if item is not None:
            h = content_hash(item.subject, item.text)
            caches.store_decisions(
                session,
                conv.company_id,
                version,
                {h: CachedDecision(folder_id, 1.0, "user", "set by a user")},
            )
        data = {"folder_id": folder_id, "folder": name, "previous_folder_id": conv.folder_id}
        record_events(
            session,
            conv.company_id,
            [NewEvent("conversation.folder_set", conversation_id, data=data)],
        )
    return FolderCorrection(conversation_id, folder_id, name, conv.folder_id)


def _resolve(session: Session, company_id: int, ref: str | int) -> tuple[int | None, str]:
    if isinstance(ref, str) and ref.strip().lower() in UNFILED:
        return None, "none"
    folder = find_folder(session, company_id, ref)
    return folder.id, folder.name
