"""Every failure as the one JSON shape `{"error": {"code", "message"}}`, with its status: our
own errors by kind, FastAPI's validation by what failed, anything unforeseen as a bare 500."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from inboxsync.errors import NotFound, UsageError

log = logging.getLogger(__name__)

# Codes of the HTTP errors Starlette raises itself (unknown route, wrong method, body limit).
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
}


class ApiError(Exception):
    """A refusal the API explains: its status, a stable code and a message for people."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """The JSON answer of a failure."""
    body = {"error": {"code": code, "message": message}}
    return JSONResponse(body, status_code=status, headers=headers)


def _answer(
    request: Request, status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    """The failure as JSON, or as a page for a request of the web page (`app.state.page_errors`:
    which requests are pages, and how a page shows a failure)."""
    page_errors = getattr(request.app.state, "page_errors", None)
    if page_errors is not None:
        is_page, error_page = page_errors
        if is_page(request):
            return error_page(request, status, message)  # type: ignore[no-any-return]
    return error_response(status, code, message, headers)


def describe_validation(errors: Sequence[Any]) -> str:
    """One line naming each invalid input (`query.limit: …`), never echoing its value."""
    parts = []
    for error in errors[:5]:
        where = ".".join(str(part) for part in error.get("loc", ()))
        parts.append(f"{where}: {error.get('msg', 'invalid')}")
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return "; ".join(parts) + more


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return _answer(request, exc.status, exc.code, exc.message, headers)


async def _usage_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, NotFound):
        return _answer(request, 404, "not_found", str(exc))
    return _answer(request, 400, "bad_request", str(exc))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
    headers = dict(exc.headers or {}) or None
    return _answer(request, exc.status_code, code, str(exc.detail), headers)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return _answer(request, 400, "bad_json", "the body is not valid JSON")
    return _answer(request, 422, "invalid_request", describe_validation(errors))


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.error("unexpected %s", type(exc).__name__, exc_info=exc)
    return _answer(request, 500, "internal", "internal error (logged on the server)")


def install_error_handlers(app: FastAPI) -> None:
    """Answer every failure of `app` in the one JSON shape (a page's, as a page)."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(UsageError, _usage_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
