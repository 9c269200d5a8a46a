"""A folder's example messages: a subject and a text the local model learns from exactly as
from a conversation filed there (ai/examples.py). A few per folder, their text cut."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from inboxsync.ai.conversation_text import load_items
from inboxsync.db.companies import find_folder
from inboxsync.db.label_models import FolderExample
from inboxsync.db.models import Conversation, Folder
from inboxsync.db.storable import clean_text
from inboxsync.errors import NotFound, UsageError

MAX_PER_FOLDER = 50
SUBJECT_CHARS = 300
TEXT_CHARS = 2000


@dataclass(frozen=True, slots=True)
class FolderExampleInfo:
    """One example message of a folder."""

    id: int
    folder_id: int
    folder: str
    subject: str
    text: str
    conversation_id: int | None


def add_example(
    session: Session,
    company_id: int,
    folder: str | int,
    *,
    subject: str = "",
    text: str = "",
    conversation_id: int | None = None,
) -> FolderExampleInfo:
    """Give the company's `folder` (name or id) an example message: `subject` and `text`, or
    those of the company's conversation `conversation_id`. UsageError when both are empty or
    the folder has MAX_PER_FOLDER already; NotFound for an unknown folder or conversation."""
    target = find_folder(session, company_id, folder)
    if conversation_id is not None:
        subject, text = _conversation_text(session, company_id, conversation_id)
    subject = clean_text(subject).strip()[:SUBJECT_CHARS]
    text = clean_text(text).strip()[:TEXT_CHARS]
    if not subject and not text:
        raise UsageError("an example needs a subject or a text")
    held = session.scalar(
        select(func.count()).select_from(FolderExample).where(FolderExample.folder_id == target.id)
    )
    if (held or 0) >= MAX_PER_FOLDER:
        raise UsageError(f"folder {target.name!r} has {MAX_PER_FOLDER} examples: remove one first")
    row = FolderExample(
        company_id=company_id,
        folder_id=target.id,
        subject=subject,
        text=text,
        conversation_id=conversation_id,
    )
    session.add(row)
    session.flush()
    return FolderExampleInfo(row.id, target.id, target.name, subject, text, conversation_id)


def list_examples(
    session: Session, company_id: int, folder: str | int | None = None
) -> list[FolderExampleInfo]:
    """The company's folder examples (of one folder), by folder name and id."""
    e = FolderExample
    query = (
        select(e.id, e.folder_id, Folder.name, e.subject, e.text, e.conversation_id)
        .join(Folder, Folder.id == e.folder_id)
        .where(e.company_id == company_id)
        .order_by(Folder.name, e.id)
    )
    if folder is not None:
        query = query.where(e.folder_id == find_folder(session, company_id, folder).id)
    return [FolderExampleInfo(*row) for row in session.execute(query).all()]


def remove_example(session: Session, company_id: int, example_id: int) -> None:
    """Delete one of the company's folder examples; NotFound when it has no such example."""
    done = session.execute(
        delete(FolderExample).where(
            FolderExample.id == example_id, FolderExample.company_id == company_id
        )
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        raise NotFound(f"no folder example {example_id} in this company")


def _conversation_text(session: Session, company_id: int, conversation_id: int) -> tuple[str, str]:
    known = session.scalar(
        select(Conversation.id).where(
            Conversation.id == conversation_id, Conversation.company_id == company_id
        )
    )
    item = load_items(session, [conversation_id], TEXT_CHARS).get(conversation_id)
    if known is None or item is None:
        raise NotFound(f"no conversation {conversation_id} in this company")
    return item.subject, item.text
