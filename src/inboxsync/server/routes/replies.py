"""Agents' replies: `POST /v1/conversations/{id}/replies`, sent through the outbox."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1/conversations", tags=["replies"])
