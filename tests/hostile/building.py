"""The pieces hostile messages are built from: a message of given headers and body, a
multipart, an attachment with given MIME headers, an id of a given length; and what the
importer must make of each (`HostileMessage`). The catalogue is tests/hostile/messages.py."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

# What the importer must make of a message: store it, quarantine it, or either of the two
# (but exactly one of them).
Expectation = Literal["stored", "quarantined", "either"]

HOSTILE_DOMAIN = "hostile.example"
COMPANY_ADDRESS = "support@acme.example"
DATE = "Mon, 01 Jun 2026 09:00:00 +0000"
_BODY = b"A message built to break importers.\n"

Value = str | bytes
Header = tuple[str, Value]


@dataclass(frozen=True, slots=True)
class HostileMessage:
    """One hostile message: its class, its bytes and what the importer must make of it.

    `notification` pins the verdict when the class is about one; `reply_addresses` lists the
    only values an auto-reply recipient may take (None: not checked; empty: none at all).
    """

    kind: str
    raw: bytes
    expect: Expectation
    notification: bool | None = None
    reply_addresses: tuple[str, ...] | None = None


def as_bytes(value: Value) -> bytes:
    """`value` as bytes (text as UTF-8)."""
    return value if isinstance(value, bytes) else value.encode("utf-8")


def mail(
    kind: str,
    *,
    subject: Value | None = None,
    sender: Value = f"Hostile Sender <sender@{HOSTILE_DOMAIN}>",
    message_id: Value | None = "",
    headers: Sequence[Header] = (),
    body: bytes = _BODY,
) -> bytes:
    """A raw LF message: From, To, Subject, Date, Message-ID, then `headers`, then `body`.

    `message_id=""` gives a unique id derived from `kind`, None leaves the header out; the
    subject defaults to the kind, so messages without an id still differ.
    """
    fields: list[Header] = [
        ("From", sender),
        ("To", COMPANY_ADDRESS),
        ("Subject", kind if subject is None else subject),
        ("Date", DATE),
    ]
    if message_id is not None:
        fields.append(("Message-ID", message_id or f"<{kind}@{HOSTILE_DOMAIN}>"))
    fields.extend(headers)
    head = b"\n".join(name.encode("ascii") + b": " + as_bytes(value) for name, value in fields)
    return head + b"\n\n" + body


def multipart(boundary: str = "hostile-boundary", subtype: str = "mixed") -> Header:
    """The Content-Type header of a multipart, to pass in `headers`; see `multipart_body`."""
    return ("Content-Type", f'multipart/{subtype}; boundary="{boundary}"')


def multipart_body(*parts: bytes, boundary: str = "hostile-boundary") -> bytes:
    """The body of a multipart holding `parts` (each its own headers, blank line, content)."""
    delimiter = b"--" + boundary.encode("ascii")
    chunks = [delimiter + b"\n" + part.rstrip(b"\n") + b"\n" for part in parts]
    return b"".join(chunks) + delimiter + b"--\n"


def with_attachment(
    kind: str, part_headers: Sequence[Header], data: bytes = b"%PDF-1.4\n"
) -> bytes:
    """A text part and one base64 attachment whose MIME headers are `part_headers`."""
    text = b"Content-Type: text/plain; charset=utf-8\n\nSee the attachment.\n"
    head = b"\n".join(name.encode("ascii") + b": " + as_bytes(v) for name, v in part_headers)
    attachment = head + b"\nContent-Transfer-Encoding: base64\n\n" + base64.encodebytes(data)
    return mail(kind, headers=[multipart()], body=multipart_body(text, attachment))


def named_attachment(kind: str, filename: Value, *, rfc2231: bool = False) -> bytes:
    """A message with one attachment named `filename` (as an RFC 2231 parameter when asked)."""
    parameter = b"filename*=" if rfc2231 else b"filename="
    quoted = as_bytes(filename) if rfc2231 else b'"' + as_bytes(filename) + b'"'
    return with_attachment(
        kind,
        [
            ("Content-Type", "application/octet-stream"),
            ("Content-Disposition", b"attachment; " + parameter + quoted),
        ],
    )


def id_of_length(length: int, tag: str) -> str:
    """A `local@domain` id of exactly `length` characters (without its angle brackets)."""
    domain = f"@{tag}.{HOSTILE_DOMAIN}"
    return "x" * (length - len(domain)) + domain
