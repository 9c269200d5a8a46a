"""One message: its text, its HTML sanitized, its attachments."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from inboxsync.db import companies as company_store
from inboxsync.db import messages as message_store
from inboxsync.db.messages import AttachmentInfo
from inboxsync.mail.sanitize import sanitize_html
from inboxsync.operations._base import InboxBase

# Served as application/octet-stream: what a browser would run or render as a page (HTML,
# XML and SVG with their scripts, JavaScript, CSS, Flash), and any type that is not a
# well-formed `type/subtype`.
_ACTIVE_MARKERS = ("html", "xml", "svg", "javascript", "ecmascript", "css", "shockwave")
_PASSIVE_TEXT = frozenset({"text/plain", "text/csv", "text/calendar", "text/vcard"})
_SAFE_MAIN_TYPES = frozenset({"application", "audio", "font", "image", "text", "video"})
# RFC 7230's tchar: what a MIME type's halves may hold.
_TOKEN = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz")
# RFC 5987's attr-char, left as they are in `filename*`.
_ATTR_CHARS = "!#$&+-.^_`|~"
# What the ASCII `filename` keeps as it is; anything else becomes `_`.
_FALLBACK_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 !#$&'()+,-.=@[]^_`{}~"
)
MAX_DOWNLOAD_NAME = 150
_MAX_EXTENSION = 16
DEFAULT_NAME = "attachment"
OCTET_STREAM = "application/octet-stream"


@dataclass(frozen=True, slots=True)
class MessageDetail:
    """A message as a helpdesk shows it: headers, text, sanitized HTML, attachments."""

    id: int
    conversation_id: int
    direction: str
    from_email: str
    from_name: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    date: datetime
    text: str
    # Sanitized (`mail.html.sanitize_html`); None when the message has no HTML part.
    html: str | None
    # Images of the HTML left unloaded: their URLs are in `data-remote-src`.
    remote_images: int
    attachments: tuple[AttachmentInfo, ...]


@dataclass(frozen=True, slots=True)
class AttachmentContent:
    """An attachment ready to download: `content_type` and `content_disposition` are the
    headers to send it with (in JSON, `data` needs `bytes_mode="base64"`)."""

    filename: str
    content_type: str
    data: bytes
    content_disposition: str


class MessageOperations(InboxBase):
    """Messages."""

    def message(
        self, company: str | int, message_id: int, *, inline_url: str | None = None
    ) -> MessageDetail:
        """One of the company's messages with its HTML sanitized. `inline_url`, a template
        with `{message_id}` and `{attachment_id}`, is where the HTML's `cid:` images then
        point (their attachment's download); without it they show nothing."""
        with self.reader_sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
            stored = message_store.load_message(session, company_id, message_id)
        html, remote_images = None, 0
        if stored.html is not None:
            urls = _inline_urls(stored, inline_url) if inline_url else {}
            sanitized = sanitize_html(stored.html, urls)
            html, remote_images = sanitized.html, sanitized.remote_images
        return MessageDetail(
            id=stored.id,
            conversation_id=stored.conversation_id,
            direction=stored.direction,
            from_email=stored.from_email,
            from_name=stored.from_name,
            to=stored.to,
            cc=stored.cc,
            subject=stored.subject,
            date=stored.date,
            text=stored.text,
            html=html,
            remote_images=remote_images,
            attachments=stored.attachments,
        )

    def attachment(
        self, company: str | int, message_id: int, attachment_id: int
    ) -> AttachmentContent:
        """One attachment of one of the company's messages, with the headers that download it
        safely whatever its name and type."""
        with self.reader_sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
            stored = message_store.load_attachment(session, company_id, message_id, attachment_id)
        name = download_name(stored.filename)
        return AttachmentContent(
            filename=name,
            content_type=served_content_type(stored.content_type),
            data=stored.data,
            content_disposition=content_disposition(name),
        )


def _inline_urls(stored: message_store.StoredMessage, template: str) -> dict[str, str]:
    urls: dict[str, str] = {}
    for part in stored.attachments:
        if part.content_id is not None and part.content_id not in urls:
            urls[part.content_id] = template.replace("{message_id}", str(stored.id)).replace(
                "{attachment_id}", str(part.id)
            )
    return urls


def served_content_type(content_type: str) -> str:
    """The type to send an attachment as: its own, unless a browser could render it as
    active content or it is malformed (then application/octet-stream)."""
    main, slash, sub = content_type.strip().lower().partition("/")
    well_formed = slash and main in _SAFE_MAIN_TYPES and sub and set(sub) <= _TOKEN
    if not well_formed or any(marker in sub for marker in _ACTIVE_MARKERS):
        return OCTET_STREAM
    if main == "text" and f"{main}/{sub}" not in _PASSIVE_TEXT:
        return OCTET_STREAM
    return f"{main}/{sub}"


def download_name(filename: str) -> str:
    """`filename` as a bare name to offer for download: no directory, no control or format
    character, whitespace as single spaces, at most MAX_DOWNLOAD_NAME characters (the
    extension kept)."""
    name = unicodedata.normalize("NFC", filename).replace("\\", "/").rsplit("/", 1)[-1]
    name = " ".join(name.split())
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip(" .")
    if len(name) > MAX_DOWNLOAD_NAME:
        stem, dot, extension = name.rpartition(".")
        if dot and stem and len(extension) <= _MAX_EXTENSION:
            name = f"{stem[: MAX_DOWNLOAD_NAME - len(extension) - 1].rstrip(' .')}.{extension}"
        else:
            name = name[:MAX_DOWNLOAD_NAME].rstrip(" .")
    return name or DEFAULT_NAME


def content_disposition(name: str) -> str:
    """An RFC 6266 `attachment` header for a `download_name`: an ASCII `filename` for old
    clients (non-ASCII letters unaccented, anything unsafe as `_`) and the exact name as
    UTF-8 in `filename*`."""
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem:
        stem, extension = name, ""
    fallback = _ascii(stem) or DEFAULT_NAME
    if extension and _ascii(extension):
        fallback = f"{fallback}.{_ascii(extension)}"
    encoded = quote(name, safe=_ATTR_CHARS)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c if c in _FALLBACK_CHARS else "_" for c in folded).strip(" ._")
