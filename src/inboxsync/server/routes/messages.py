"""One message (its text, its sanitized HTML, its attachments) and an attachment's bytes."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from inboxsync import MessageDetail
from inboxsync.server.auth import AppInbox, ReadCompany
from inboxsync.server.params import PathId

router = APIRouter(prefix="/v1/messages", tags=["messages"])

# Where the sanitized HTML's inline (`cid:`) images point: their attachment's download.
INLINE_URL = "/v1/messages/{message_id}/attachments/{attachment_id}"


@router.get("/{message_id}")
def get_message(company: ReadCompany, inbox: AppInbox, message_id: PathId) -> MessageDetail:
    """The message: its text, its HTML sanitized (remote images held back), its attachments."""
    return inbox.message(company, message_id, inline_url=INLINE_URL)


@router.get("/{message_id}/attachments/{attachment_id}", response_class=Response)
def get_attachment(
    company: ReadCompany, inbox: AppInbox, message_id: PathId, attachment_id: PathId
) -> Response:
    """An attachment's bytes, with its stored content type (active content as a download)."""
    content = inbox.attachment(company, message_id, attachment_id)
    return Response(
        content.data,
        media_type=content.content_type,
        headers={
            "Content-Disposition": content.content_disposition,
            "X-Content-Type-Options": "nosniff",
        },
    )
