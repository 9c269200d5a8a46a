"""IMAP mailboxes over HTTP: add, edit, pause, resume, remove, queue a sync, their status."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/v1/mailboxes", tags=["mailboxes"])
