"""What an agent's reply may hold, checked before anything is stored: its text and HTML, its
attachments' names, types and sizes, and its Idempotency-Key. Pure: values in, values out."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from inboxsync.errors import UsageError
from inboxsync.mail.html import html_to_text
from inboxsync.outbound.message import OutgoingFile

MAX_TEXT_CHARS = 1_000_000
MAX_ATTACHMENTS = 10
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_FILENAME_CHARS = 200
MAX_KEY_CHARS = 200
DEFAULT_TYPE = "application/octet-stream"
# What no file name on a common system holds, nor a MIME parameter should carry: path
# separators, quotes, wildcards and RFC 2231's `*`.
_NOT_IN_FILENAME = frozenset('/\\:*?"<>|')
# RFC 2045 `type/subtype`, tokens only (no parameter: the charset is ours to set).
_MIME_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,62}/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}")


class ReplyRefused(UsageError):
    """An agent's reply that cannot be sent as asked; `code` says why (the API's error
    code): invalid_reply, idempotency_mismatch, no_recipient, smtp_not_configured."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class ReplyRequest:
    """A validated reply: the text (derived from the HTML when only HTML was given), the HTML
    as written, the attachments."""

    text: str
    html: str | None
    attachments: tuple[OutgoingFile, ...]

    def fingerprint(self, conversation_id: int) -> str:
        """sha256 of what was asked: the same Idempotency-Key must come with the same one."""
        described = {
            "conversation": conversation_id,
            "text": self.text,
            "html": self.html,
            "files": [
                [f.filename, f.content_type, hashlib.sha256(f.data).hexdigest()]
                for f in self.attachments
            ],
        }
        return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()


def _invalid(message: str) -> ReplyRefused:
    return ReplyRefused("invalid_reply", message)


def _body(name: str, value: str | None) -> str | None:
    if value is None:
        return None
    if len(value) > MAX_TEXT_CHARS:
        raise _invalid(f"the {name} is longer than {MAX_TEXT_CHARS} characters")
    if "\x00" in value:
        raise _invalid(f"the {name} holds a NUL character")
    return value


def check_filename(filename: str) -> str:
    """The file name as sent (NFC); ReplyRefused for a path, a control character, a character
    no file name holds, or a name that is empty, `.` or `..`, or too long."""
    name = unicodedata.normalize("NFC", filename)
    if not name.strip() or name.strip(". ") == "" or len(name) > MAX_FILENAME_CHARS:
        raise _invalid("an attachment's filename is empty, dots only or too long")
    if _NOT_IN_FILENAME.intersection(name) or any(
        unicodedata.category(char)[0] in "CZ" and char != " " for char in name
    ):
        raise _invalid("an attachment's filename holds a path, control or reserved character")
    return name


def check_content_type(content_type: str | None) -> str:
    """The lower-cased `type/subtype` (octet-stream when none); ReplyRefused otherwise."""
    if not content_type:
        return DEFAULT_TYPE
    lowered = content_type.strip().lower()
    if not lowered.isascii() or not _MIME_TYPE.fullmatch(lowered):
        raise _invalid("an attachment's content_type is not one type/subtype")
    return lowered


def check_reply(
    text: str | None, html: str | None, attachments: Sequence[OutgoingFile]
) -> ReplyRequest:
    """The reply as it will be sent; ReplyRefused (invalid_reply) when it cannot be."""
    text, html = _body("text", text), _body("html", html)
    if not (text or "").strip() and not (html or "").strip():
        raise _invalid("a reply needs a text or an html")
    if len(attachments) > MAX_ATTACHMENTS:
        raise _invalid(f"at most {MAX_ATTACHMENTS} attachments")
    if sum(len(file.data) for file in attachments) > MAX_ATTACHMENT_BYTES:
        raise _invalid(f"the attachments are larger than {MAX_ATTACHMENT_BYTES} bytes")
    files = tuple(
        OutgoingFile(check_filename(f.filename), check_content_type(f.content_type), f.data)
        for f in attachments
    )
    plain = text if text and text.strip() else html_to_text(html or "")
    return ReplyRequest(plain, html if html and html.strip() else None, files)


def check_idempotency_key(key: str) -> str:
    """The key as given: printable ASCII, 1 to MAX_KEY_CHARS characters; else ReplyRefused."""
    if not 1 <= len(key) <= MAX_KEY_CHARS or not all(" " <= char <= "~" for char in key):
        raise _invalid(f"an Idempotency-Key is 1 to {MAX_KEY_CHARS} printable ASCII characters")
    return key
