"""Who a parsed message is between: the company's own addresses against the outside world."""

from __future__ import annotations

from inboxsync.mail.types import ParsedMessage


def external_participants(message: ParsedMessage, own: frozenset[str]) -> set[str]:
    """Addresses of the message that are not the company's own."""
    people = [message.from_addr, *message.to, *message.cc]
    return {a.email for a in people if a is not None and a.email not in own}


def is_outgoing(message: ParsedMessage, own: frozenset[str]) -> bool:
    """Whether the company itself sent the message."""
    return message.from_addr is not None and message.from_addr.email in own


def client_address(message: ParsedMessage, own: frozenset[str]) -> str | None:
    """The external person a message is with: its sender, or for outgoing mail the first
    external recipient. None for notifications."""
    if message.verdict.kind == "notification":
        return None
    if is_outgoing(message, own):
        for address in (*message.to, *message.cc):
            if address.email not in own:
                return address.email
        return None
    return message.from_addr.email if message.from_addr else None
