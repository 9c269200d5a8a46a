"""Mail delivered over HTTP: `POST /v1/messages` with a raw RFC 822 body, as MTAs and
inbound-mail services deliver it, answered once the message is stored (or quarantined)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response
from starlette.requests import ClientDisconnect

from inboxsync.server.auth import WriteCompany
from inboxsync.server.errors import ApiError
from inboxsync.server.inbound_batcher import InboundBatcher, InboundUnavailable

PATH = "/v1/messages"
RAW_TYPE = "message/rfc822"

router = APIRouter(prefix=PATH, tags=["messages"])


@dataclass(frozen=True, slots=True)
class Delivered:
    """A message stored by this post (`created`) or before it (`duplicate`), and where."""

    status: Literal["created", "duplicate"]
    message_key: str
    message_id: int
    conversation_id: int


def batcher_of(request: Request) -> InboundBatcher:
    """The app's inbound batcher."""
    batcher = request.app.state.inbound
    assert isinstance(batcher, InboundBatcher)
    return batcher


def _error(description: str) -> dict[str, Any]:
    return {"description": description}


@router.post(
    "",
    status_code=201,
    responses={
        200: {"description": "Stored before (same message key): its ids.", "model": Delivered},
        400: _error("Empty body."),
        413: _error("Larger than the raw message limit."),
        415: _error(f"Content-Type is not {RAW_TYPE}."),
        422: _error("Quarantined: the message names the reason and the entry's id."),
        503: _error("Not stored now (the database is down, or a shutdown): send again."),
    },
)
async def receive_message(
    request: Request,
    response: Response,
    company: WriteCompany,
    batcher: Annotated[InboundBatcher, Depends(batcher_of)],
) -> Delivered:
    """Store a raw RFC 822 message (`Content-Type: message/rfc822`) as mail delivered to the
    company: deduplicated, threaded, classified and auto-replied like any other source."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != RAW_TYPE:
        raise ApiError(415, "unsupported_media_type", f"send the raw message as {RAW_TYPE}")
    try:
        raw = await request.body()
    except ClientDisconnect as exc:  # the sender hung up: nothing to store, no bug to log
        raise ApiError(400, "incomplete_body", "the connection closed inside the body") from exc
    if not raw.strip():
        raise ApiError(400, "empty_body", "the body holds no message")
    try:
        outcome = await batcher.submit(company, raw)
    except InboundUnavailable as exc:
        raise ApiError(503, "unavailable", str(exc)) from exc
    if outcome.status == "quarantined":
        message = f"quarantined as entry {outcome.quarantine_id}: {outcome.reason}"
        raise ApiError(422, "quarantined", message)
    assert outcome.message_key is not None and outcome.message_id is not None
    assert outcome.conversation_id is not None
    if outcome.status == "duplicate":
        response.status_code = 200
    return Delivered(
        outcome.status, outcome.message_key, outcome.message_id, outcome.conversation_id
    )
