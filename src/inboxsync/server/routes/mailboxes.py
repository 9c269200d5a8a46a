"""IMAP mailboxes over HTTP: add, edit, pause, resume, remove, queue a sync, their status,
their IMAP folders mapped onto the company's folders. A secret travels only as a reference
(an environment variable's name, a file's path)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, StrictInt

from inboxsync.ai.mapped_folders import ImapFolder, MappingChange
from inboxsync.db.listing import Page
from inboxsync.db.mailbox_status import MailboxDetail, MailboxStatus
from inboxsync.db.mailboxes import RemovedMailbox
from inboxsync.server.auth import AppInbox, ReadCompany, WriteCompany
from inboxsync.server.params import MAX_ID, PathId, PlainText
from inboxsync.server.routes.paging import Cursor, Limit

router = APIRouter(prefix="/v1/mailboxes", tags=["mailboxes"])

EnvName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=200)]
# A path on the server: absolute, since the server's working directory is nobody's business.
FilePath = Annotated[PlainText, Field(pattern=r"^/", max_length=1000)]
Host = Annotated[PlainText, Field(min_length=1, max_length=255)]
Port = Annotated[StrictInt, Field(ge=1, le=65535)]
Tls = Literal["ssl", "starttls", "none"]
User = Annotated[PlainText, Field(min_length=1, max_length=320)]
FolderName = Annotated[PlainText, Field(min_length=1, max_length=500)]
Folders = Annotated[list[FolderName], Field(min_length=1, max_length=100)]


class SecretReference(BaseModel):
    """Where the mailbox's secret is read, never the secret: one of these at most."""

    model_config = ConfigDict(extra="forbid")

    password_env: EnvName | None = None
    password_file: FilePath | None = None
    oauth2_token_env: EnvName | None = None
    oauth2_token_file: FilePath | None = None


class NewMailbox(SecretReference):
    """A mailbox to add: its account, exactly one secret reference, the folders to sync."""

    host: Host
    user: User
    port: Port | None = None
    tls: Tls = "ssl"
    folders: Folders = ["INBOX"]


class MailboxChanges(SecretReference):
    """What to change of a mailbox; what is left out stays. `folders` replaces the list."""

    host: Host | None = None
    user: User | None = None
    port: Port | None = None
    tls: Tls | None = None
    folders: Folders | None = None


class FolderMappingChoice(BaseModel):
    """An IMAP folder the mailbox syncs and the company folder (a name, an id) its mail is
    filed in; null removes its mapping."""

    model_config = ConfigDict(extra="forbid")

    imap_folder: FolderName
    folder: (
        Annotated[PlainText, Field(min_length=1, max_length=200)]
        | Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
        | None
    )


@router.get("")
def list_mailboxes(
    company: ReadCompany, inbox: AppInbox, cursor: Cursor = None, limit: Limit = 50
) -> Page[MailboxDetail]:
    """The company's mailboxes by id, each with its status."""
    return inbox.mailbox_page(company, cursor=cursor, limit=limit)


@router.post("", status_code=201)
def add_mailbox(company: WriteCompany, inbox: AppInbox, new: NewMailbox) -> MailboxDetail:
    """Add an IMAP mailbox; only the reference to its secret is stored."""
    box = inbox.add_mailbox(company, **new.model_dump())
    return inbox.mailbox(company, box.id)


@router.get("/{mailbox_id}")
def get_mailbox(company: ReadCompany, inbox: AppInbox, mailbox_id: PathId) -> MailboxDetail:
    """One mailbox with its status."""
    return inbox.mailbox(company, mailbox_id)


@router.patch("/{mailbox_id}")
def edit_mailbox(
    company: WriteCompany, inbox: AppInbox, mailbox_id: PathId, changes: MailboxChanges
) -> MailboxDetail:
    """Change a mailbox's account, secret reference or folders (a folder left out of
    `folders` loses its cursor)."""
    return inbox.edit_mailbox(company, mailbox_id, **changes.model_dump(exclude_none=True))


@router.delete("/{mailbox_id}")
def remove_mailbox(
    company: WriteCompany,
    inbox: AppInbox,
    mailbox_id: PathId,
    delete_mail: Annotated[bool, Query(description="Delete its messages too.")] = False,
) -> RemovedMailbox:
    """Remove a mailbox: its conversations and messages stay unless `delete_mail=true`."""
    return inbox.remove_mailbox(company, mailbox_id, delete_mail=delete_mail)


@router.post("/{mailbox_id}/pause")
def pause_mailbox(company: WriteCompany, inbox: AppInbox, mailbox_id: PathId) -> MailboxStatus:
    """Pause a mailbox: no sync touches it until it is resumed."""
    return inbox.pause_mailbox(company, mailbox_id)


@router.post("/{mailbox_id}/resume")
def resume_mailbox(company: WriteCompany, inbox: AppInbox, mailbox_id: PathId) -> MailboxStatus:
    """Resume a paused mailbox."""
    return inbox.resume_mailbox(company, mailbox_id)


@router.post("/{mailbox_id}/sync", status_code=202)
def sync_mailbox(company: WriteCompany, inbox: AppInbox, mailbox_id: PathId) -> MailboxDetail:
    """Queue a sync of the mailbox (its status shows when it ran)."""
    return inbox.queue_sync(company, mailbox_id)


@router.get("/{mailbox_id}/status")
def mailbox_status(company: ReadCompany, inbox: AppInbox, mailbox_id: PathId) -> MailboxStatus:
    """Paused, last good sync, last error, messages waiting (lag), quarantined."""
    return inbox.mailbox_status(company, mailbox_id)


@router.get("/{mailbox_id}/folders")
def mailbox_folders(
    company: ReadCompany, inbox: AppInbox, mailbox_id: PathId
) -> tuple[ImapFolder, ...]:
    """The mailbox's IMAP folders, each with the company folder it is mapped onto."""
    return inbox.mailbox_folders(company, mailbox_id)


@router.put("/{mailbox_id}/mapping")
def map_folder(
    company: WriteCompany, inbox: AppInbox, mailbox_id: PathId, choice: FolderMappingChoice
) -> MappingChange:
    """Map an IMAP folder onto a company folder (its mail is filed there as a person's
    decision), or remove its mapping (`folder` null)."""
    if choice.folder is None:
        return inbox.unmap_folder(company, mailbox_id, choice.imap_folder)
    return inbox.map_folder(company, mailbox_id, choice.imap_folder, choice.folder)
