"""Mail delivered over HTTP: `POST /v1/messages` with a raw RFC 822 body."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1/messages", tags=["messages"])
