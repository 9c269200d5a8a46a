"""The headers-first path: the message key from the header block alone, and raw header access."""

from __future__ import annotations

import re
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Any

from inboxsync.errors import MessageParseError
from inboxsync.mail.message_id import normalize_message_id, synthetic_key

# The first empty line, whatever the line endings (CRLF, LF, CR-only or a mix).
# `\r(?!\n)` keeps the two halves of one CRLF from counting as two line breaks.
_BLANK_LINE = re.compile(rb"(\r\n|\r(?!\n)|\n)(?:\r\n|\r(?!\n)|\n)")
_IDENTITY_HEADERS = ("from", "date", "message-id", "subject", "to")

# A header block that the stdlib parser reads as plain fields, line for line: an optional mbox
# `From ` line, then fields (a name without blanks, a colon) with their continuation lines,
# every line ending in LF or CRLF. Anything else (a stray line, CR-only endings, 8-bit names)
# goes through the parser itself.
_PLAIN_HEADER_BLOCK = re.compile(
    rb"(?:From [^\r\n]*\r?\n)?"
    rb"(?:[\x21-\x39\x3b-\x7e]*:[^\r\n]*(?:\r?\n[\t ][^\r\n]*)*(?:\r?\n|\Z))*"
)
# The first Message-ID field of such a block, continuation lines included.
_MESSAGE_ID_FIELD = re.compile(
    rb"^message-id:[ \t]*([^\r\n]*(?:\r?\n[\t ][^\r\n]*)*)", re.IGNORECASE | re.MULTILINE
)

# Longer parameter headers (Content-Type, Content-Disposition) are read only this far for
# their parameters: no real one comes near it.
MAX_PARAM_HEADER_CHARS = 16_000


class BoundedMessage(Message):
    """compat32's Message, whose parameters (boundary, charset, filename…) are read from at
    most MAX_PARAM_HEADER_CHARS of their header: the stdlib's parameter reading copies the
    rest of the header at every `;`, quadratic in its length (14 s for a Content-Type of
    1 MB). A real one, even a long filename in RFC 2231 continuations, is a few KB at most."""

    def get_params(
        self, failobj: Any = None, header: str = "content-type", unquote: bool = True
    ) -> Any:
        return _bounded(self, header).get_params_unbounded(failobj, header, unquote)

    def get_param(
        self, param: str, failobj: Any = None, header: str = "content-type", unquote: bool = True
    ) -> Any:
        return _bounded(self, header).get_param_unbounded(param, failobj, header, unquote)

    get_params_unbounded = Message.get_params
    get_param_unbounded = Message.get_param


def _bounded(message: BoundedMessage, header: str) -> BoundedMessage:
    """`message` itself, or a stand-in holding `header` cut short when it is over the bound."""
    value = message.get(header)
    if not isinstance(value, str) or len(value) <= MAX_PARAM_HEADER_CHARS:
        return message
    stand_in = BoundedMessage()
    stand_in[header] = value[:MAX_PARAM_HEADER_CHARS]
    return stand_in


_HEADER_PARSER = BytesHeaderParser(BoundedMessage, policy=compat32)


def split_raw(raw: bytes) -> tuple[bytes, bytes]:
    """Split a raw message at its first empty line into (header block, body)."""
    match = _BLANK_LINE.search(raw)
    if match is None:
        return raw, b""
    # The header block keeps the line ending of its last line; the body starts after the blank.
    return raw[: match.end(1)], raw[match.end() :]


def header_map(msg: Message) -> dict[str, str]:
    """Return the raw value of the first occurrence of each header, keyed by lower-case name.

    Values are as parsed by compat32: folded, RFC 2047 still encoded, 8-bit bytes as
    surrogate escapes.
    """
    headers: dict[str, str] = {}
    for name, value in msg.raw_items():
        headers.setdefault(name.lower(), value if isinstance(value, str) else str(value))
    return headers


def all_values(msg: Message, name: str) -> list[str]:
    """Return the raw values of every `name` header, in order."""
    wanted = name.lower()
    return [
        value if isinstance(value, str) else str(value)
        for key, value in msg.raw_items()
        if key.lower() == wanted
    ]


def ensure_message(msg: Message) -> None:
    """Raise MessageParseError unless `msg` has at least one identifying header field."""
    names = {name.lower() for name, _ in msg.raw_items()}
    if not names:
        raise MessageParseError("not a message: no header fields")
    if names.isdisjoint(_IDENTITY_HEADERS):
        raise MessageParseError("not a message: no From, Date, Message-ID, Subject or To header")


def message_key(headers: dict[str, str], body: bytes) -> str:
    """Return the normalized Message-ID, or the synthetic content key when there is none."""
    message_id = normalize_message_id(headers.get("message-id"))
    if message_id is not None:
        return message_id
    return synthetic_key(
        headers.get("from"), headers.get("date"), headers.get("subject"), headers.get("to"), body
    )


def peek_key(raw: bytes) -> str:
    """Return the message key of `raw` by parsing only its header block.

    Equals `parse_message(raw).message_key`. Raises MessageParseError when `raw` is not a
    message (empty, or no identifying header), as `parse_message` does.
    """
    if not raw.strip():
        raise MessageParseError("not a message: empty")
    head, body = split_raw(raw)
    scanned = plain_message_id(head)
    if scanned is not None:
        return scanned
    try:
        msg = _HEADER_PARSER.parsebytes(head)
    except Exception as exc:
        raise MessageParseError(f"header parser failed: {type(exc).__name__}") from exc
    ensure_message(msg)
    return message_key(header_map(msg), body)


def is_plain_header_block(head: bytes) -> bool:
    """Whether the stdlib parser reads `head` as nothing but its fields, line for line."""
    return _PLAIN_HEADER_BLOCK.fullmatch(head) is not None


def parse_header_block(head: bytes) -> Message:
    """The fields of a header block, parsed by compat32 (payload left empty)."""
    return _HEADER_PARSER.parsebytes(head)


def plain_message_id(head: bytes) -> str | None:
    """The normalized first Message-ID of a plain header block, read by two regular
    expressions instead of the parser (the same value: a test compares both on the corpus);
    None when the block is not plain or holds no usable one: then ask the parser."""
    if not is_plain_header_block(head):
        return None
    field = _MESSAGE_ID_FIELD.search(head)
    if field is None:
        return None
    return normalize_message_id(field.group(1).decode("ascii", "surrogateescape"))
