"""Conversations: a keyset-paged list, one with its messages, and filing one by hand."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from inboxsync.ai.corrections import FolderCorrection
from inboxsync.db.conversations import ConversationDetail
from inboxsync.db.listing import MAX_PAGE, ConversationFilter, ConversationPage
from inboxsync.db.search import MAX_QUERY_CHARS
from inboxsync.server.auth import AppInbox, ReadCompany, WriteCompany
from inboxsync.server.params import MAX_ID, PathId, PlainText, UtcDatetime

router = APIRouter(prefix="/v1/conversations", tags=["conversations"])

FolderName = Annotated[PlainText, Field(min_length=1, max_length=200)]


class FolderChoice(BaseModel):
    """The folder to file a conversation in: a name, an id, or null to unfile it."""

    model_config = ConfigDict(extra="forbid")

    folder: FolderName | Annotated[StrictInt, Field(ge=1, le=MAX_ID)] | None


@router.get("")
def list_conversations(
    company: ReadCompany,
    inbox: AppInbox,
    cursor: Annotated[str | None, Query(max_length=200, description="A next_cursor.")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    folder: Annotated[
        FolderName | None, Query(description="Folder name or id, or `none`: unfiled.")
    ] = None,
    status: Annotated[StrictStr | None, Query(max_length=20)] = None,
    client: Annotated[
        PlainText | None, Query(max_length=320, description="Client address.")
    ] = None,
    notification: bool | None = None,
    updated_since: Annotated[UtcDatetime | None, Query(description="Changed at or after.")] = None,
    since: Annotated[UtcDatetime | None, Query(description="Last message at or after.")] = None,
    until: Annotated[UtcDatetime | None, Query(description="Last message before.")] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=MAX_QUERY_CHARS,
            description='Search: words, a "quoted phrase", -excluded, prefix*.',
        ),
    ] = None,
) -> ConversationPage:
    """The company's conversations in (updated_at, id) order: follow `next_cursor` until it
    is null; a mirror asks again later with `updated_since`; `q` keeps the conversations
    with a message matching the search."""
    where = ConversationFilter(folder, status, client, notification, updated_since, since, until, q)
    return inbox.conversation_page(company, where, cursor=cursor, limit=limit)


@router.get("/{conversation_id}")
def get_conversation(
    company: ReadCompany, inbox: AppInbox, conversation_id: PathId
) -> ConversationDetail:
    """One conversation with its messages (their text; HTML through /v1/messages/{id})."""
    return inbox.conversation(company, conversation_id)


@router.put("/{conversation_id}/folder")
def set_conversation_folder(
    company: WriteCompany, inbox: AppInbox, conversation_id: PathId, choice: FolderChoice
) -> FolderCorrection:
    """File the conversation by hand (a user's decision: no classifier overwrites it)."""
    folder = "none" if choice.folder is None else choice.folder
    return inbox.set_folder(company, conversation_id, folder)
