"""The conversation page: the thread (text with its quoted history collapsed, HTML in a
sandboxed frame), why it was filed, what was sent for it, and its actions as plain forms
that answer a redirect back to the page with a notice."""

from __future__ import annotations

import base64
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.requests import Request

from inboxsync.db.conversation_view import ConversationView, InlineImage
from inboxsync.errors import NotFound
from inboxsync.mail.quoting import split_quoted
from inboxsync.server.auth import inbox_of
from inboxsync.server.params import MAX_ID, PathId
from inboxsync.web.pages import render
from inboxsync.web.session import CsrfChecked, CurrentUser

router = APIRouter(include_in_schema=False)

# Where a message's inline (`cid:`) images point: this page's attachment route.
INLINE_URL = "/messages/{message_id}/attachments/{attachment_id}"
# The notices an action may leave on the page (anything else in the query is ignored).
NOTICES = frozenset(
    {"moved", "merged", "split", "undone", "replied", "notification_on", "notification_off"}
)
# A message's HTML: nothing runs, nothing loads but the images in it (inline ones as data:
# URLs), nothing frames it but our page. Remote images only when the agent asked for them.
_BODY_CSP = (
    "default-src 'none'; img-src data:{remote}; style-src 'unsafe-inline'; "
    "form-action 'none'; base-uri 'none'; frame-ancestors 'self'; sandbox allow-popups "
    "allow-popups-to-escape-sandbox"
)
_BODY_STYLE = (
    "body{font:15px/1.45 system-ui,sans-serif;margin:8px;color:#1d2430;word-wrap:break-word}"
    "img{max-width:100%;height:auto}table{max-width:100%}"
)
MAX_REPLY_CHARS = 100_000

Id = Annotated[int, Form(ge=1, le=MAX_ID)]


def _back(conversation_id: int, notice: str) -> RedirectResponse:
    """Back to the page after an action, with its notice (POST, redirect, GET)."""
    return RedirectResponse(f"/conversations/{conversation_id}?notice={notice}", status_code=303)


def _thread_context(view: ConversationView) -> dict[str, object]:
    return {"view": view, "split_quoted": split_quoted}


@router.get("/conversations/{conversation_id}", response_class=HTMLResponse)
def conversation_page(
    request: Request,
    user: CurrentUser,
    conversation_id: PathId,
    notice: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    """The conversation: its thread, why it was filed, what was sent, its actions."""
    inbox = inbox_of(request)
    view = inbox.conversation_view(user.company_id, conversation_id)
    inbox.mark_read(user.company_id, user.id, conversation_id)
    context = {
        **_thread_context(view),
        "overrides": inbox.thread_overrides(user.company_id, conversation_id),
        "notice": notice if notice in NOTICES else None,
        "reply_key": secrets.token_urlsafe(16),
    }
    return render(request, "conversation.html", context)


def _fragment(request: Request, user: CurrentUser, conversation_id: int, part: str) -> HTMLResponse:
    view = inbox_of(request).conversation_view(user.company_id, conversation_id)
    return render(request, f"conversation/{part}.html", _thread_context(view))


@router.get("/conversations/{conversation_id}/thread", response_class=HTMLResponse)
def conversation_thread(
    request: Request, user: CurrentUser, conversation_id: PathId
) -> HTMLResponse:
    """The thread alone: what the page re-fetches when a message arrives."""
    return _fragment(request, user, conversation_id, "messages")


@router.get("/conversations/{conversation_id}/sent", response_class=HTMLResponse)
def conversation_sent(request: Request, user: CurrentUser, conversation_id: PathId) -> HTMLResponse:
    """What was sent for the conversation alone: re-fetched when a reply's state changes."""
    return _fragment(request, user, conversation_id, "sent_items")


@router.get("/messages/{message_id}/body", response_class=HTMLResponse)
def message_body(
    request: Request,
    user: CurrentUser,
    message_id: PathId,
    images: Annotated[int, Query(ge=0, le=1)] = 0,
) -> HTMLResponse:
    """A message's HTML, sanitized, as a document of its own for a sandboxed frame. Remote
    images stay unloaded (`data-remote-src`) unless `images=1`; the server never fetches
    them."""
    inbox = inbox_of(request)
    detail = inbox.message(user.company_id, message_id, inline_url=INLINE_URL)
    if detail.html is None:
        raise NotFound(f"message {message_id} has no HTML")
    html = _inline_images_as_data(
        detail.html, message_id, inbox.inline_images(user.company_id, message_id)
    )
    if images:
        # Only the sanitizer writes this attribute, and only on <img>. Inside an attribute
        # value the quote is escaped, and text has its `<` escaped: a match there changes
        # words, never markup.
        html = html.replace(' data-remote-src="', ' src="')
    document = (
        f'<!doctype html><html><head><meta charset="utf-8"><style>{_BODY_STYLE}</style>'
        f"</head><body>{html}</body></html>"
    )
    return HTMLResponse(
        document,
        headers={
            "Content-Security-Policy": _BODY_CSP.format(remote=" https: http:" if images else ""),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store",
        },
    )


def _inline_images_as_data(html: str, message_id: int, images: tuple[InlineImage, ...]) -> str:
    """The sanitized HTML with its inline images' URLs (which a sandboxed frame would fetch
    without the session's cookie) replaced by their bytes as data: URLs."""
    for image in images:
        url = INLINE_URL.format(message_id=message_id, attachment_id=image.attachment_id)
        data = base64.b64encode(image.data).decode()
        html = html.replace(f' src="{url}"', f' src="data:{image.content_type};base64,{data}"')
    return html


@router.get("/messages/{message_id}/attachments/{attachment_id}")
def message_attachment(
    request: Request, user: CurrentUser, message_id: PathId, attachment_id: PathId
) -> Response:
    """An attachment's bytes, as a download unless its type is passive."""
    content = inbox_of(request).attachment(user.company_id, message_id, attachment_id)
    return Response(
        content.data,
        media_type=content.content_type,
        headers={
            "Content-Disposition": content.content_disposition,
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-store",
        },
    )


@router.post("/conversations/{conversation_id}/folder", dependencies=[CsrfChecked])
def move_to_folder(
    request: Request,
    user: CurrentUser,
    conversation_id: PathId,
    folder: Annotated[str, Form(max_length=200)],
) -> RedirectResponse:
    """File the conversation by hand ("none" unfiles it): the classifier learns from it."""
    target: str | int = int(folder) if folder.isdigit() else folder
    inbox_of(request).set_folder(user.company_id, conversation_id, target)
    return _back(conversation_id, "moved")


@router.post("/conversations/{conversation_id}/merge", dependencies=[CsrfChecked])
def merge(
    request: Request, user: CurrentUser, conversation_id: PathId, other: Id
) -> RedirectResponse:
    """Merge conversation `other` into this one."""
    inbox_of(request).merge_conversations(user.company_id, conversation_id, other)
    return _back(conversation_id, "merged")


@router.post("/conversations/{conversation_id}/split", dependencies=[CsrfChecked])
def split(
    request: Request, user: CurrentUser, conversation_id: PathId, message_id: Id
) -> RedirectResponse:
    """Split one of the thread's messages out into a conversation of its own."""
    inbox = inbox_of(request)
    if inbox.message(user.company_id, message_id).conversation_id != conversation_id:
        raise NotFound(f"no message {message_id} in conversation {conversation_id}")
    inbox.split_message(user.company_id, message_id)
    return _back(conversation_id, "split")


@router.post("/conversations/{conversation_id}/undo", dependencies=[CsrfChecked])
def undo(
    request: Request, user: CurrentUser, conversation_id: PathId, override_id: Id
) -> RedirectResponse:
    """Undo one of the conversation's merges or splits."""
    inbox_of(request).undo_override(user.company_id, override_id)
    return _back(conversation_id, "undone")


@router.post("/conversations/{conversation_id}/reply", dependencies=[CsrfChecked])
def reply(
    request: Request,
    user: CurrentUser,
    conversation_id: PathId,
    text: Annotated[str, Form(min_length=1, max_length=MAX_REPLY_CHARS)],
    reply_key: Annotated[str, Form(min_length=8, max_length=64)],
) -> RedirectResponse:
    """Queue an agent's reply (sent by the outbox); the form's key makes a second submit of
    the same form the same reply."""
    inbox_of(request).reply(
        user.company_id, conversation_id, text=text, idempotency_key=f"web:{reply_key}"
    )
    return _back(conversation_id, "replied")


@router.post("/conversations/{conversation_id}/notification", dependencies=[CsrfChecked])
def mark_notification(
    request: Request,
    user: CurrentUser,
    conversation_id: PathId,
    value: Annotated[int, Form(ge=0, le=1)],
) -> RedirectResponse:
    """Mark the conversation as an automated notification (1) or as a person's mail (0)."""
    inbox_of(request).set_notification(user.company_id, conversation_id, bool(value))
    return _back(conversation_id, "notification_on" if value else "notification_off")
