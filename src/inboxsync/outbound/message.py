"""Outgoing mail as RFC 5322 messages: the auto-reply with the RFC 3834 headers that stop mail
loops, an agent's reply with its HTML alternative and attachments."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime

from inboxsync.outbound.templates import one_line

# A References header keeps the thread's root and its nearest parents (RFC 5322 §3.6.4).
MAX_REFERENCES = 20
MAX_ID_CHARS = 500
_NOT_IN_ID = frozenset(" <>")

AUTO_REPLY_HEADERS = {
    # RFC 3834 §5: an automatic response to a message.
    "Auto-Submitted": "auto-replied",
    # Exchange / Outlook: send no out-of-office, read or delivery receipts back to this.
    "X-Auto-Response-Suppress": "All",
    # What older autoresponders and list servers look at.
    "Precedence": "auto_reply",
}


@dataclass(frozen=True, slots=True)
class AutoReply:
    """Everything the outgoing message's headers and text say; ids are bare (no angle
    brackets). An agent's reply says the same, plus its `Extras`."""

    from_address: str
    from_name: str
    to_address: str
    subject: str
    body: str
    message_id: str
    in_reply_to: str | None
    references: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class OutgoingFile:
    """An attachment to send: a validated file name and `type/subtype`, and its bytes."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Extras:
    """What an agent's reply adds to the text: its HTML (sent as written) and attachments."""

    html: str | None = None
    attachments: tuple[OutgoingFile, ...] = ()


def message_id_domain(from_address: str) -> str:
    """The domain our Message-IDs use: the one of the address we send from."""
    domain = from_address.rpartition("@")[2].strip().lower()
    return domain or "localhost"


def make_message_id(domain: str, kind: str = "auto-reply") -> str:
    """A fresh, globally unique Message-ID (bare) in `domain`."""
    return f"{kind}.{uuid.uuid4().hex}@{domain}"


def thread_references(parent_references: tuple[str, ...], parent_id: str | None) -> tuple[str, ...]:
    """References of a reply: the parent's, then the parent itself (root and nearest kept)."""
    refs = [r for r in parent_references if r]
    if parent_id:
        refs = [r for r in refs if r != parent_id] + [parent_id]
    if len(refs) > MAX_REFERENCES:
        refs = [refs[0], *refs[-(MAX_REFERENCES - 1) :]]
    return tuple(refs)


def header_id(message_id: str | None) -> str | None:
    """`<message_id>` when it can stand in a header as one msg-id (printable ASCII, no
    blank, no bracket), else None."""
    if not message_id or len(message_id) > MAX_ID_CHARS or not message_id.isascii():
        return None
    if not message_id.isprintable() or _NOT_IN_ID.intersection(message_id):
        return None
    return f"<{message_id}>"


def build_message(
    reply: AutoReply, date: datetime | None = None, *, extras: Extras | None = None
) -> EmailMessage:
    """The auto-reply as a text/plain UTF-8 message with threading and RFC 3834 headers; with
    `extras`, an agent's reply instead: no RFC 3834 headers, the HTML as an alternative to the
    text, the attachments after them.

    The To address is parsed as one addr-spec (ValueError when it is not one); every other
    header value that came from a message is on one line or left out."""
    msg = EmailMessage(policy=SMTP)
    local, _, domain = reply.from_address.partition("@")
    msg["From"] = Address(one_line(reply.from_name), local, domain)
    to = Address(addr_spec=reply.to_address)
    if to.addr_spec != reply.to_address:
        raise ValueError("the recipient is not one plain address")
    msg["To"] = to
    msg["Subject"] = one_line(reply.subject)
    msg["Date"] = format_datetime(date or datetime.now(UTC))
    msg["Message-ID"] = f"<{reply.message_id}>"
    in_reply_to = header_id(reply.in_reply_to)
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    references = [ref for ref in map(header_id, reply.references) if ref]
    if references:
        msg["References"] = " ".join(references)
    msg.set_content(reply.body, charset="utf-8")
    if extras is None:
        for name, value in AUTO_REPLY_HEADERS.items():
            msg[name] = value
        return msg
    if extras.html is not None:
        msg.add_alternative(extras.html, subtype="html", charset="utf-8")
    for file in extras.attachments:
        maintype, _, subtype = file.content_type.partition("/")
        msg.add_attachment(file.data, maintype=maintype, subtype=subtype, filename=file.filename)
    return msg
