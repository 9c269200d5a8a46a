"""Folders over HTTP: a paged list, create, read, edit (description, auto-reply and its
templates), and remove (its conversations become unfiled)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool

from inboxsync.db.listing import FolderInfo, Page
from inboxsync.server.auth import AppInbox, ReadCompany, WriteCompany
from inboxsync.server.params import PathId, PlainText
from inboxsync.server.routes.paging import Cursor, Limit

router = APIRouter(prefix="/v1/folders", tags=["folders"])


def _text(value: str) -> str:
    if any(not c.isprintable() and c not in "\n\r\t" for c in value):
        raise ValueError("must be text (printable, with line breaks and tabs)")
    return value


Name = Annotated[PlainText, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(max_length=20_000), AfterValidator(_text)]
# One line: a subject template never carries a line break into a header.
Subject = Annotated[PlainText, Field(min_length=1, max_length=500)]


class NewFolder(BaseModel):
    """A folder to create: what the classifier files by, and an auto-reply (both templates,
    or neither)."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    description: Text
    auto_reply_subject: Subject | None = None
    auto_reply_body: Text | None = None


class FolderChanges(BaseModel):
    """What to change of a folder; what is left out stays. A template turns the auto-reply
    on unless `auto_reply` is false."""

    model_config = ConfigDict(extra="forbid")

    description: Text | None = None
    auto_reply: StrictBool | None = None
    auto_reply_subject: Subject | None = None
    auto_reply_body: Text | None = None


class RemovedFolder(BaseModel):
    """A folder removed, and how many conversations it left unfiled."""

    id: int
    unfiled: int


@router.get("")
def list_folders(
    company: ReadCompany, inbox: AppInbox, cursor: Cursor = None, limit: Limit = 50
) -> Page[FolderInfo]:
    """The company's folders by name, with their auto-replies."""
    return inbox.folder_page(company, cursor=cursor, limit=limit)


@router.post("", status_code=201)
def add_folder(company: WriteCompany, inbox: AppInbox, new: NewFolder) -> FolderInfo:
    """Create a folder (with its auto-reply when both templates are given)."""
    folder_id = inbox.add_folder(
        company,
        new.name,
        new.description,
        auto_reply_subject=new.auto_reply_subject,
        auto_reply_body=new.auto_reply_body,
    )
    return inbox.folder(company, folder_id)


@router.get("/{folder_id}")
def get_folder(company: ReadCompany, inbox: AppInbox, folder_id: PathId) -> FolderInfo:
    """One folder with its auto-reply."""
    return inbox.folder(company, folder_id)


@router.patch("/{folder_id}")
def edit_folder(
    company: WriteCompany, inbox: AppInbox, folder_id: PathId, changes: FolderChanges
) -> FolderInfo:
    """Change a folder's description, turn its auto-reply on or off, set its templates."""
    inbox.edit_folder(company, folder_id, **changes.model_dump(exclude_none=True))
    return inbox.folder(company, folder_id)


@router.delete("/{folder_id}")
def remove_folder(company: WriteCompany, inbox: AppInbox, folder_id: PathId) -> RemovedFolder:
    """Remove a folder; its conversations become unfiled."""
    return RemovedFolder(id=folder_id, unfiled=inbox.remove_folder(company, folder_id))
