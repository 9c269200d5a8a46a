"""The operator pages of folders: the list, adding and removing one, and editing a folder's
description and auto-reply with a live preview on a real conversation.

The preview is a fragment (GET `/admin/folders/{id}/preview`, what static/folders.js fetches
as the operator types) and, without script, the edit page again after its Preview button."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.requests import Request

from inboxsync.db.listing import FolderInfo
from inboxsync.errors import UsageError
from inboxsync.operations.operator_view import AutoReplyPreview
from inboxsync.server.auth import inbox_of
from inboxsync.server.params import MAX_ID, PathId
from inboxsync.web.pages import render
from inboxsync.web.session import AdminUser, CsrfChecked

router = APIRouter(include_in_schema=False)

MAX_NAME = 200
MAX_DESCRIPTION = 2000
MAX_SUBJECT = 500
MAX_BODY = 20_000

Subject = Annotated[str, Form(max_length=MAX_SUBJECT)]
Body = Annotated[str, Form(max_length=MAX_BODY)]
Notice = Annotated[str | None, Query(max_length=40)]


@router.get("/admin/folders", response_class=HTMLResponse)
def folders_page(
    request: Request,
    user: AdminUser,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    notice: Notice = None,
) -> HTMLResponse:
    """The company's folders by name, a page at a time, and the form adding one."""
    return _list(request, user.company_id, cursor, notice=notice)


@router.post("/admin/folders", dependencies=[CsrfChecked], response_model=None)
def add_folder(
    request: Request,
    user: AdminUser,
    name: Annotated[str, Form(min_length=1, max_length=MAX_NAME)],
    description: Annotated[str, Form(max_length=MAX_DESCRIPTION)] = "",
) -> HTMLResponse | RedirectResponse:
    """Add a folder; its edit page next."""
    try:
        folder_id = inbox_of(request).add_folder(user.company_id, name.strip(), description)
    except UsageError as exc:
        return _list(request, user.company_id, None, error=str(exc))
    return RedirectResponse(f"/admin/folders/{folder_id}?notice=folder_added", status_code=303)


@router.get("/admin/folders/{folder_id}", response_class=HTMLResponse)
def folder_page(
    request: Request, user: AdminUser, folder_id: PathId, notice: Notice = None
) -> HTMLResponse:
    """A folder's edit form, previewed on its most recent conversation."""
    folder = inbox_of(request).folder(user.company_id, folder_id)
    return _edit(
        request,
        user.company_id,
        folder,
        subject=folder.auto_reply_subject or "",
        body=folder.auto_reply_body or "",
        notice=notice,
    )


@router.post("/admin/folders/{folder_id}", dependencies=[CsrfChecked], response_model=None)
def save_folder(
    request: Request,
    user: AdminUser,
    folder_id: PathId,
    subject: Subject = "",
    body: Body = "",
    description: Annotated[str, Form(max_length=MAX_DESCRIPTION)] = "",
    auto_reply: Annotated[bool, Form()] = False,
) -> HTMLResponse | RedirectResponse:
    """Save the description and the auto-reply; the form again with the reason if refused."""
    inbox = inbox_of(request)
    try:
        inbox.edit_folder(
            user.company_id,
            folder_id,
            description=description,
            auto_reply=auto_reply,
            auto_reply_subject=subject,
            auto_reply_body=body,
        )
    except UsageError as exc:
        folder = inbox.folder(user.company_id, folder_id)
        typed = {"description": description, "auto_reply": auto_reply}
        return _edit(
            request, user.company_id, folder, subject=subject, body=body, typed=typed,
            error=str(exc),
        )  # fmt: skip
    return RedirectResponse(f"/admin/folders/{folder_id}?notice=folder_saved", status_code=303)


@router.get("/admin/folders/{folder_id}/preview", response_class=HTMLResponse)
def preview_fragment(
    request: Request,
    user: AdminUser,
    folder_id: PathId,
    conversation: Annotated[int, Query(ge=1, le=MAX_ID)],
    subject: Annotated[str, Query(max_length=MAX_SUBJECT)] = "",
    body: Annotated[str, Query(max_length=MAX_BODY)] = "",
) -> HTMLResponse:
    """The auto-reply these templates give on the conversation: an escaped HTML fragment."""
    inbox = inbox_of(request)
    inbox.folder(user.company_id, folder_id)  # another company's folder is NotFound
    preview = inbox.preview_auto_reply(user.company_id, conversation, subject=subject, body=body)
    return render(request, "admin/preview.html", {"preview": preview})


@router.post(
    "/admin/folders/{folder_id}/preview", dependencies=[CsrfChecked], response_class=HTMLResponse
)
def preview_page(
    request: Request,
    user: AdminUser,
    folder_id: PathId,
    conversation: Annotated[int, Form(ge=1, le=MAX_ID)],
    subject: Subject = "",
    body: Body = "",
    description: Annotated[str, Form(max_length=MAX_DESCRIPTION)] = "",
    auto_reply: Annotated[bool, Form()] = False,
) -> HTMLResponse:
    """The edit form as typed, with the preview of what was typed (the Preview button)."""
    folder = inbox_of(request).folder(user.company_id, folder_id)
    typed = {"description": description, "auto_reply": auto_reply}
    return _edit(
        request, user.company_id, folder, subject=subject, body=body, typed=typed,
        conversation=conversation,
    )  # fmt: skip


@router.post("/admin/folders/{folder_id}/remove", dependencies=[CsrfChecked])
def remove_folder(
    request: Request,
    user: AdminUser,
    folder_id: PathId,
    confirm: Annotated[bool, Form()] = False,
) -> RedirectResponse:
    """Remove the folder once the form's box says so; its conversations become unfiled."""
    if not confirm:
        inbox_of(request).folder(user.company_id, folder_id)  # another company's is NotFound
        return RedirectResponse(
            f"/admin/folders/{folder_id}?notice=confirm_removal", status_code=303
        )
    inbox_of(request).remove_folder(user.company_id, folder_id)
    return RedirectResponse("/admin/folders?notice=folder_removed", status_code=303)


def _list(
    request: Request,
    company_id: int,
    cursor: str | None,
    *,
    error: str | None = None,
    notice: str | None = None,
) -> HTMLResponse:
    page = inbox_of(request).folder_page(company_id, cursor=cursor)
    context = {
        "folders": page.items,
        "next_cursor": page.next_cursor,
        "error": error,
        "notice": notice,
    }
    return render(request, "admin/folders.html", context, status=400 if error else 200)


def _edit(
    request: Request,
    company_id: int,
    folder: FolderInfo,
    *,
    subject: str,
    body: str,
    typed: dict[str, Any] | None = None,
    conversation: int | None = None,
    error: str | None = None,
    notice: str | None = None,
) -> HTMLResponse:
    """The edit page: the form (as stored, or as `typed`), the conversations to preview on
    and the preview on `conversation` (else the first of them)."""
    inbox = inbox_of(request)
    choices = inbox.preview_conversations(company_id, folder.id)
    chosen = conversation if conversation is not None else (choices[0].id if choices else None)
    preview: AutoReplyPreview | None = None
    if chosen is not None:
        preview = inbox.preview_auto_reply(company_id, chosen, subject=subject, body=body)
    form = {
        "description": folder.description,
        "auto_reply": folder.auto_reply,
        "subject": subject,
        "body": body,
        **(typed or {}),
    }
    context = {
        "folder": folder,
        "form": form,
        "choices": choices,
        "chosen": chosen,
        "preview": preview,
        "error": error,
        "notice": notice,
    }
    return render(request, "admin/folder.html", context, status=400 if error else 200)
