"""Mailboxes out of address headers (From, To, Cc, ...)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from email.header import Header
from email.utils import getaddresses

from inboxsync.mail.charset import decode_header_value
from inboxsync.mail.types import Address

# A To/Cc with thousands of recipients is a mass mailing; more than this adds nothing.
MAX_ADDRESSES = 100
MAX_EMAIL_LENGTH = 254
_ADDR_SPEC = re.compile(r"[^\s<>,;:\"()\[\]@]+@[^\s<>,;:\"()\[\]@]+")
# The common single mailbox, `Name <local@domain>` or `local@domain`, with nothing the full
# parser would treat specially (quotes, commas, comments, groups); everything else goes to it.
_SIMPLE = re.compile(
    r"\s*(?:([^\"<>,;:()\\@]*?)\s*<([^\s<>,;:\"()\[\]\\@]+@[^\s<>,;:\"()\[\]\\@]+)>"
    r"|([^\s<>,;:\"()\[\]\\@]+@[^\s<>,;:\"()\[\]\\@]+))\s*"
)


def _email(addr_spec: str) -> str | None:
    addr = decode_header_value(addr_spec) if not addr_spec.isascii() else addr_spec
    addr = addr.strip().strip("<>").strip()
    if addr[:7].lower() == "mailto:":
        addr = addr[7:]
    local, at, domain = addr.rpartition("@")
    if not at or not local or not domain or len(addr) > MAX_EMAIL_LENGTH:
        return None
    if any(char.isspace() or char in "<>()," for char in addr) or not addr.isprintable():
        return None
    return addr.lower()


def _pairs(value: str) -> list[tuple[str, str]]:
    simple = _SIMPLE.fullmatch(value)
    if simple is not None:
        name, bracketed, bare = simple.groups()
        return [((name or "").strip(), bracketed or bare)]
    try:
        pairs = getaddresses([value])
    except RecursionError:
        # The stdlib parser recurses once per unclosed group (`:`); header soup with hundreds
        # of colons overflows the stack. Fall back to bare addr-specs, without names.
        return [("", addr) for addr in _ADDR_SPEC.findall(value)]
    if "=?" in value and not any("@" in addr for _, addr in pairs):
        # Some mailers encode the whole `Name <addr>` as one encoded word.
        pairs = getaddresses([decode_header_value(value)])
    return pairs


def parse_addresses(values: Iterable[str | Header | None]) -> tuple[Address, ...]:
    """Return the mailboxes of one or more address header values, in order, without repeats.

    Addresses are lower-cased, display names decoded; entries without a usable
    `local@domain` are skipped, and at most `MAX_ADDRESSES` are returned.
    """
    found: dict[str, Address] = {}
    for value in values:
        if value is None:
            continue
        # Parse before decoding: a decoded display name may hold commas or angle brackets.
        text = decode_header_value(value) if isinstance(value, Header) else value
        for name, addr_spec in _pairs(text):
            email = _email(addr_spec)
            if email is None or email in found:
                continue
            found[email] = Address(email=email, name=decode_header_value(name))
            if len(found) >= MAX_ADDRESSES:
                return tuple(found.values())
    return tuple(found.values())
