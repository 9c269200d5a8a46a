"""People's threading decisions over HTTP: merge two conversations, split a message out into
a new one, list and undo them, and mark a conversation as a notification or not."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from inboxsync.db.overrides import NotificationSet, ThreadOverride
from inboxsync.server.auth import AppInbox, ReadCompany, WriteCompany
from inboxsync.server.params import MAX_ID, PathId

router = APIRouter(tags=["threads"])


class MergeRequest(BaseModel):
    """The conversation to merge into the one of the path (it is deleted; undo revives it)."""

    model_config = ConfigDict(extra="forbid")

    conversation_id: Annotated[StrictInt, Field(ge=1, le=MAX_ID)]


class NotificationChoice(BaseModel):
    """Whether the conversation is a notification, as a person says."""

    model_config = ConfigDict(extra="forbid")

    is_notification: StrictBool


@router.post("/v1/conversations/{conversation_id}/merge", status_code=201)
def merge_conversations(
    company: WriteCompany, inbox: AppInbox, conversation_id: PathId, merge: MergeRequest
) -> ThreadOverride:
    """Move every message of `conversation_id` (the body's) into this conversation."""
    return inbox.merge_conversations(company, conversation_id, merge.conversation_id)


@router.post("/v1/messages/{message_id}/split", status_code=201)
def split_message(company: WriteCompany, inbox: AppInbox, message_id: PathId) -> ThreadOverride:
    """Move the message and its replies into a new conversation, which the classifier files."""
    return inbox.split_message(company, message_id)


@router.get("/v1/conversations/{conversation_id}/overrides")
def list_overrides(
    company: ReadCompany, inbox: AppInbox, conversation_id: PathId
) -> list[ThreadOverride]:
    """The merges and splits into or out of the conversation, newest first."""
    return inbox.thread_overrides(company, conversation_id)


@router.post("/v1/overrides/{override_id}/undo")
def undo_override(company: WriteCompany, inbox: AppInbox, override_id: PathId) -> ThreadOverride:
    """Put a merge's or a split's messages back (400 when undone already)."""
    return inbox.undo_override(company, override_id)


@router.put("/v1/conversations/{conversation_id}/notification")
def set_notification(
    company: WriteCompany, inbox: AppInbox, conversation_id: PathId, choice: NotificationChoice
) -> NotificationSet:
    """Mark the conversation as a notification or not; the mark wins over the detector."""
    return inbox.set_notification(company, conversation_id, choice.is_notification)
