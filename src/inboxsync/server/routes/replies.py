"""Agents' replies: `POST /v1/conversations/{id}/replies`, sent through the outbox, and
`GET …/replies/{reply_id}`, where one is."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import APIRouter, Header, Response
from pydantic import BaseModel, ConfigDict, Field, StrictStr

from inboxsync.outbound.message import OutgoingFile
from inboxsync.outbound.reply_input import MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, ReplyRefused
from inboxsync.outbound.reply_store import ReplyReceipt, ReplyStatus
from inboxsync.server.auth import AppInbox, ReadCompany, WriteCompany
from inboxsync.server.errors import ApiError
from inboxsync.server.params import PathId

router = APIRouter(prefix="/v1/conversations", tags=["replies"])

# The base64 of the largest attachment a reply may carry.
MAX_BASE64_CHARS = (MAX_ATTACHMENT_BYTES + 2) // 3 * 4


class AttachmentIn(BaseModel):
    """A file of the reply: its name, its `type/subtype`, its bytes in base64."""

    model_config = ConfigDict(extra="forbid")

    filename: Annotated[StrictStr, Field(max_length=1000)]
    content_type: Annotated[StrictStr | None, Field(max_length=255)] = None
    content_base64: Annotated[StrictStr, Field(max_length=MAX_BASE64_CHARS)]


class ReplyIn(BaseModel):
    """The reply: a text, an HTML (sent as written; its text is derived when alone), or both."""

    model_config = ConfigDict(extra="forbid")

    text: StrictStr | None = None
    html: StrictStr | None = None
    attachments: Annotated[list[AttachmentIn], Field(max_length=MAX_ATTACHMENTS)] = []


def _decoded(attachment: AttachmentIn) -> OutgoingFile:
    try:
        data = base64.b64decode(attachment.content_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        message = "an attachment's content_base64 is not base64"
        raise ApiError(422, "invalid_reply", message) from exc
    return OutgoingFile(attachment.filename, attachment.content_type or "", data)


@router.post("/{conversation_id}/replies", status_code=202)
def post_reply(
    company: WriteCompany,
    inbox: AppInbox,
    conversation_id: PathId,
    reply: ReplyIn,
    response: Response,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> ReplyReceipt:
    """Queue a reply to the conversation's client: 202 with its id and Message-ID; the same
    Idempotency-Key again answers 200 with the same reply (nothing sent twice)."""
    files = [_decoded(attachment) for attachment in reply.attachments]
    try:
        receipt = inbox.reply(
            company,
            conversation_id,
            text=reply.text,
            html=reply.html,
            attachments=files,
            idempotency_key=idempotency_key,
        )
    except ReplyRefused as exc:
        raise ApiError(422, exc.code, str(exc)) from exc
    if receipt.replayed:
        response.status_code = 200
    return receipt


@router.get("/{conversation_id}/replies/{reply_id}")
def get_reply(
    company: ReadCompany, inbox: AppInbox, conversation_id: PathId, reply_id: PathId
) -> ReplyStatus:
    """Where the reply is: queued, sending, retry (when next), sent or failed (why)."""
    return inbox.reply_status(company, reply_id, conversation_id=conversation_id)
