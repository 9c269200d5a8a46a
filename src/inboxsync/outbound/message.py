"""The auto-reply as an RFC 5322 message, with the RFC 3834 headers that stop mail loops."""

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
    """Everything the outgoing message says; ids are bare (no angle brackets)."""

    from_address: str
    from_name: str
    to_address: str
    subject: str
    body: str
    message_id: str
    in_reply_to: str | None
    references: tuple[str, ...]


def message_id_domain(from_address: str) -> str:
    """The domain our Message-IDs use: the one of the address we send from."""
    domain = from_address.rpartition("@")[2].strip().lower()
    return domain or "localhost"


def make_message_id(domain: str) -> str:
    """A fresh, globally unique Message-ID (bare) in `domain`."""
    return f"auto-reply.{uuid.uuid4().hex}@{domain}"


def thread_references(parent_references: tuple[str, ...], parent_id: str | None) -> tuple[str, ...]:
    """References of a reply: the parent's, then the parent itself (root and nearest kept)."""
    refs = [r for r in parent_references if r]
    if parent_id:
        refs = [r for r in refs if r != parent_id] + [parent_id]
    if len(refs) > MAX_REFERENCES:
        refs = [refs[0], *refs[-(MAX_REFERENCES - 1) :]]
    return tuple(refs)


def build_message(reply: AutoReply, date: datetime | None = None) -> EmailMessage:
    """The auto-reply as a text/plain UTF-8 message with threading and RFC 3834 headers."""
    msg = EmailMessage(policy=SMTP)
    local, _, domain = reply.from_address.partition("@")
    msg["From"] = Address(one_line(reply.from_name), local, domain)
    to_local, _, to_domain = reply.to_address.partition("@")
    msg["To"] = Address("", to_local, to_domain)
    msg["Subject"] = one_line(reply.subject)
    msg["Date"] = format_datetime(date or datetime.now(UTC))
    msg["Message-ID"] = f"<{reply.message_id}>"
    if reply.in_reply_to:
        msg["In-Reply-To"] = f"<{reply.in_reply_to}>"
    if reply.references:
        msg["References"] = " ".join(f"<{r}>" for r in reply.references)
    for name, value in AUTO_REPLY_HEADERS.items():
        msg[name] = value
    msg.set_content(reply.body, charset="utf-8")
    return msg
