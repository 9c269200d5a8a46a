"""The body of a parsed message: its text, its HTML and its attachments, from the MIME tree."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import Message
from email.policy import default

from inboxsync.mail.charset import decode_bytes, decode_header_value
from inboxsync.mail.filenames import MAX_RAW_FILENAME_CHARS, attachment_filename, deduplicate
from inboxsync.mail.headers import all_values
from inboxsync.mail.html import html_to_text
from inboxsync.mail.types import AttachmentPart

MAX_TEXT_CHARS = 1_000_000
# Text parts are cut before decoding too, so a 50 MB "text" part costs no 50 MB string.
MAX_TEXT_BYTES = 4 * MAX_TEXT_CHARS
# Bounds against MIME bombs: thousands of parts, or multiparts nested thousands deep.
MAX_PARTS = 1_000
MAX_DEPTH = 40
MAX_ATTACHMENTS = 250
MAX_CONTENT_ID_LENGTH = 250
_IDENTITY_ENCODINGS = frozenset({"", "7bit", "8bit", "binary"})
# An embedded message is written back with its headers as they were read: refolding them
# (what compat32 does) is slow on a crafted 1 MB header and changes the bytes for nothing.
_AS_READ = default.clone(refold_source="none", utf8=True)


@dataclass(frozen=True, slots=True)
class Body:
    """What the MIME tree of a message holds, plus the defects met while reading it."""

    text: str
    html: str | None
    attachments: tuple[AttachmentPart, ...]
    defects: tuple[str, ...]


@dataclass(slots=True)
class _Collector:
    texts: list[str] = field(default_factory=list)
    text_chars: int = 0
    html: str | None = None
    attachments: list[AttachmentPart] = field(default_factory=list)
    names: set[str] = field(default_factory=set)
    defects: dict[str, None] = field(default_factory=dict)

    def defect(self, name: str) -> None:
        self.defects.setdefault(name)

    def add_text(self, text: str) -> None:
        room = MAX_TEXT_CHARS - self.text_chars
        if len(text) > room:
            text = text[:room]
            self.defect("TextTruncated")
        if text:
            self.texts.append(text)
            self.text_chars += len(text)

    def add_attachment(
        self, part: Message, data: bytes, filename: str | None, disposition: str | None
    ) -> None:
        if len(self.attachments) >= MAX_ATTACHMENTS:
            self.defect("AttachmentLimitExceeded")
            return
        content_type = part.get_content_type()
        name = attachment_filename(filename, content_type, len(self.attachments) + 1)
        content_id = _content_id(part)
        inline = disposition == "inline" or (disposition is None and content_id is not None)
        self.attachments.append(
            AttachmentPart(
                filename=deduplicate(name, self.names),
                content_type=content_type,
                data=data,
                content_id=content_id,
                is_inline=inline,
            )
        )


def _content_id(part: Message) -> str | None:
    values = all_values(part, "content-id")
    if not values:
        return None
    value = "".join(values[0].split()).strip("<>")
    if not value or len(value) > MAX_CONTENT_ID_LENGTH or not value.isprintable():
        return None
    return value


def _payload_bytes(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _decode_text(part: Message, collector: _Collector) -> str:
    data = _payload_bytes(part)
    if len(data) > MAX_TEXT_BYTES:
        # Cut at a line break: never inside a multi-byte character of any common charset.
        cut = data.rfind(b"\n", 0, MAX_TEXT_BYTES)
        data = data[: cut if cut > 0 else MAX_TEXT_BYTES]
        collector.defect("TextTruncated")
    text = decode_bytes(data, part.get_content_charset())
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _message_bytes(message: Message) -> bytes:
    try:
        return message.as_bytes(policy=_AS_READ)
    except UnicodeError:
        # The bytes generator chokes re-serializing some broken multiparts (a boundary that
        # never comes, 8-bit bytes): write headers and raw payload back as they were read.
        pass
    if message.is_multipart():
        return message.as_string().encode("utf-8", "surrogateescape")
    head = "".join(f"{name}: {value}\n" for name, value in message.raw_items())
    encoding = "".join(all_values(message, "content-transfer-encoding")).strip().lower()
    # Without a transfer encoding, the decoded payload is the raw payload, 8-bit bytes intact.
    payload = message.get_payload(decode=True) if encoding in _IDENTITY_ENCODINGS else None
    if not isinstance(payload, bytes):
        payload = str(message.get_payload()).encode("utf-8", "surrogateescape")
    return head.encode("utf-8", "surrogateescape") + b"\n" + payload


def _embedded_message(part: Message, collector: _Collector, disposition: str | None) -> None:
    payload = part.get_payload()
    inner = [item for item in payload if isinstance(item, Message)] if payload else []
    data = b"\n".join(_message_bytes(item) for item in inner)
    filename = part.get_filename()
    if not filename and part.get_content_type() == "message/rfc822" and inner:
        subjects = all_values(inner[0], "subject")
        subject = decode_header_value(subjects[0][:MAX_RAW_FILENAME_CHARS]) if subjects else ""
        filename = f"{subject}.eml" if subject else None
    collector.add_attachment(part, data, filename, disposition)


def _leaf(part: Message, collector: _Collector, is_root: bool) -> None:
    content_type = part.get_content_type()
    if is_root and part.get_content_maintype() == "multipart":
        # A multipart without a usable boundary: its content is all there is to read.
        content_type = "text/plain"
    disposition = part.get_content_disposition()
    filename = part.get_filename()
    is_body = disposition != "attachment" and not filename
    if is_body and content_type == "text/plain":
        collector.add_text(_decode_text(part, collector))
    elif is_body and content_type == "text/html" and collector.html is None:
        html = _decode_text(part, collector)
        if len(html) > MAX_TEXT_CHARS:
            html = html[:MAX_TEXT_CHARS]
            collector.defect("HtmlTruncated")
        collector.html = html
    else:
        collector.add_attachment(part, _payload_bytes(part), filename, disposition)


def _visit(part: Message, collector: _Collector, is_root: bool) -> list[Message]:
    """Read one part; return its children to visit (empty for a leaf)."""
    if part.is_multipart():
        payload = part.get_payload()
        children = [item for item in payload if isinstance(item, Message)] if payload else []
        if part.get_content_maintype() == "multipart":
            return children
        _embedded_message(part, collector, part.get_content_disposition())
        return []
    _leaf(part, collector, is_root)
    return []


def extract_body(msg: Message) -> Body:
    """Return the text, HTML and attachments of a parsed message.

    `text` is the first inline text/plain part (later inline text/plain parts, such as list
    footers, are appended), else the text of the first inline text/html part; every other
    leaf part, and each embedded message, is an attachment. Sizes and counts are bounded.
    """
    collector = _Collector()
    stack: list[tuple[Message, int]] = [(msg, 0)]
    visited = 0
    while stack:
        part, depth = stack.pop()
        visited += 1
        if visited > MAX_PARTS:
            collector.defect("PartLimitExceeded")
            break
        try:
            children = _visit(part, collector, part is msg)
        except Exception as exc:
            # One unreadable part must not lose the rest of the message.
            collector.defect(f"UnreadablePart:{type(exc).__name__}")
            children = []
        for defect in part.defects:
            collector.defect(type(defect).__name__)
        if children and depth >= MAX_DEPTH:
            collector.defect("NestingTooDeep")
            continue
        stack.extend((child, depth + 1) for child in reversed(children))
    text = "\n".join(collector.texts)
    if not text and collector.html:
        text = html_to_text(collector.html)
    return Body(
        text=text,
        html=collector.html,
        attachments=tuple(collector.attachments),
        defects=tuple(collector.defects),
    )
