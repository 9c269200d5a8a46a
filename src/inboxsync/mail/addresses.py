"""Mailboxes out of address headers (From, To, Cc, ...), and the one strict sender address a
reply may go to.

RFC 2047 encoded words are masked before a value is parsed: nothing inside one is ever read
as address syntax or as an address, and only display names are decoded. Every step is linear
in the length of the value (no backtracking regex, the stdlib parser only on masked text).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from email.errors import HeaderParseError
from email.header import Header, decode_header
from email.utils import getaddresses

from inboxsync.mail.charset import decode_bytes, decode_header_value
from inboxsync.mail.types import Address

# A To/Cc with thousands of recipients is a mass mailing; more than this adds nothing.
MAX_ADDRESSES = 100
MAX_EMAIL_LENGTH = 254
# A From header longer than this is not one a reply should trust (real ones are < 200).
MAX_SENDER_HEADER_CHARS = 2_000

# The encoded words mail/charset.py decodes.
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?]*\?=")
# A lone surrogate that no header value holds (compat32 hands raw 8-bit bytes over as
# U+DC80..U+DCFF, decoders drop lone surrogates): `MARK n MARK` stands for encoded word n.
_MARK = "\ud800"
_MASKED = re.compile(_MARK + r"(\d+)" + _MARK)
_SPEC = r'[^\s<>,;:"()\[\]\\@]+'
# The common single mailbox, `Name <local@domain>` or `local@domain`, with nothing the full
# parser would treat specially (quotes, commas, comments, groups); everything else goes to it.
# No two parts of it can match the same characters, so it never backtracks.
_SIMPLE = re.compile(rf'([^"<>,;:()\\@]*)<({_SPEC}@{_SPEC})>\s*|\s*({_SPEC}@{_SPEC})\s*')
_DELIMITERS = re.compile(r'[\s<>,;:"()\[\]]+')

# The strict sender: RFC 5322 dot-atom local part, LDH domain labels.
_DOT_ATOM = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_MAX_LOCAL_PART = 64
_MAX_DOMAIN = 253
_QUOTED_TEXT = re.compile(r'(?:[^"\\]|\\.)*')
_FOLD = re.compile(r"(?:\r\n|\r|\n)[ \t]+")
_PHRASE_SPECIALS = frozenset('"<>,;:@\\[]')
_SEPARATORS = frozenset({"Zl", "Zp", "Zs"})


def _mask(value: str) -> tuple[str, list[str]]:
    """`value` with each encoded word replaced by a marker, and the words in order."""
    words: list[str] = []

    def keep(match: re.Match[str]) -> str:
        words.append(match.group())
        return f"{_MARK}{len(words) - 1}{_MARK}"

    return _ENCODED_WORD.sub(keep, value.replace(_MARK, "\ufffd")), words


def _unmask(text: str, words: list[str]) -> str:
    if _MARK not in text:
        return text
    return _MASKED.sub(lambda m: words[int(m.group(1))], text)


def _text_8bit(value: str) -> str | None:
    """Raw 8-bit bytes (surrogate escapes) decoded; None for a value no bytes could give."""
    if value.isascii():
        return value
    try:
        return decode_bytes(value.encode("utf-8", "surrogateescape"), None)
    except UnicodeEncodeError:
        return None


def _email(addr_spec: str) -> str | None:
    addr = _text_8bit(addr_spec)
    if addr is None:
        return None
    addr = addr.strip().strip("<>").strip()
    if addr[:7].lower() == "mailto:":
        addr = addr[7:]
    local, at, domain = addr.rpartition("@")
    if not at or not local or not domain or len(addr) > MAX_EMAIL_LENGTH:
        return None
    if any(char.isspace() or char in "<>()," for char in addr) or not addr.isprintable():
        return None
    return addr.lower()


def _bare_addr_specs(value: str) -> list[str]:
    return [
        token
        for token in _DELIMITERS.split(value)
        if token.count("@") == 1 and not token.startswith("@") and not token.endswith("@")
    ]


def _pairs(value: str) -> list[tuple[str, str]]:
    """(display name, addr-spec) of each mailbox of one value; the addr-spec is empty where
    an encoded word stood in it."""
    masked, words = _mask(value)
    simple = _SIMPLE.fullmatch(masked)
    if simple is not None:
        name, bracketed, bare = simple.groups()
        pairs = [((name or "").strip(), bracketed or bare)]
    else:
        try:
            pairs = getaddresses([masked])
        except RecursionError:
            # The stdlib parser recurses once per unclosed group (`:`) or comment (`(`);
            # header soup with hundreds of them overflows the stack. Fall back to bare
            # addr-specs, without names.
            pairs = [("", addr) for addr in _bare_addr_specs(masked)]
    return [(_unmask(name, words), "" if _MARK in addr else addr) for name, addr in pairs]


def parse_addresses(values: Iterable[str | Header | None]) -> tuple[Address, ...]:
    """Return the mailboxes of one or more address header values, in order, without repeats.

    Addresses are lower-cased, display names decoded; entries without a usable
    `local@domain` (an encoded word is never one) are skipped, and at most
    `MAX_ADDRESSES` are returned.
    """
    found: dict[str, Address] = {}
    for value in values:
        if value is None:
            continue
        text = value.encode() if isinstance(value, Header) else value
        for name, addr_spec in _pairs(text):
            email = _email(addr_spec)
            if email is None or email in found:
                continue
            found[email] = Address(email=email, name=decode_header_value(name))
            if len(found) >= MAX_ADDRESSES:
                return tuple(found.values())
    return tuple(found.values())


def _has_control_or_separator(text: str) -> bool:
    """Any control character (CR, LF, TAB, U+0085 …), line or paragraph separator, or space
    other than U+0020."""
    if text.isprintable():
        return False
    return any(
        unicodedata.category(char) == "Cc"
        or (unicodedata.category(char) in _SEPARATORS and char != " ")
        for char in text
    )


def _decoded_word_is_clean(word: str) -> bool:
    try:
        chunks = decode_header(word)
    except (HeaderParseError, ValueError):
        return False
    for chunk, charset in chunks:
        text = decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk
        if _has_control_or_separator(text):
            return False
    return True


def _plain_display_name(name: str) -> bool:
    """A display name with no address syntax of its own: a quoted string, or words and
    (comments) without quotes, brackets, commas, colons, semicolons or `@`."""
    text = name.strip()
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return _QUOTED_TEXT.fullmatch(text[1:-1]) is not None
    depth = 0
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                return False
        elif not depth and char in _PHRASE_SPECIALS:
            return False
    return depth == 0


def _strict_domain(domain: str) -> str | None:
    """`domain` lower-cased and in ASCII (IDNA), when it is LDH labels with a non-numeric TLD."""
    if len(domain) > _MAX_DOMAIN:
        return None
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    labels = domain.lower().split(".")
    if len(labels) < 2 or labels[-1].isdigit() or len(domain) > _MAX_DOMAIN:
        return None
    if not all(_LABEL.fullmatch(label) for label in labels):
        return None
    return ".".join(labels)


def _strict_addr_spec(addr: str) -> str | None:
    local, at, domain = addr.partition("@")
    if not at or "@" in domain or "=?" in addr or not local.isascii():
        return None
    if len(local) > _MAX_LOCAL_PART or _DOT_ATOM.fullmatch(local) is None:
        return None
    text = _text_8bit(domain)
    ascii_domain = _strict_domain(text) if text is not None else None
    if ascii_domain is None:
        return None
    email = f"{local}@{ascii_domain}".lower()
    return email if len(email) <= MAX_EMAIL_LENGTH else None


def reply_address(from_values: Sequence[str]) -> str | None:
    """The one address a reply to a message may go to, from its raw From header value(s).

    Exactly one From header holding exactly one mailbox (no group, no list), whose address
    is an RFC 5322 addr-spec with a dot-atom local part (never quoted) and a valid domain
    (LDH labels, or IDNA-encodable), with no encoded word; and no control or separator
    character anywhere in the header, raw or in its decoded display name. Lower-cased;
    None when any of this does not hold.
    """
    if len(from_values) != 1 or len(from_values[0]) > MAX_SENDER_HEADER_CHARS:
        return None
    unfolded = _FOLD.sub(" ", from_values[0])
    shown = _text_8bit(unfolded)
    if shown is None or _has_control_or_separator(shown):
        return None
    masked, words = _mask(unfolded)
    if masked.count("<") > 1 or masked.count(">") > 1:
        return None
    if "<" in masked:
        name, _, rest = masked.partition("<")
        addr, closed, tail = rest.partition(">")
        if not closed or tail.strip() or not _plain_display_name(name):
            return None
    else:
        addr = masked
    if _MARK in addr or not all(_decoded_word_is_clean(word) for word in words):
        return None
    return _strict_addr_spec(addr.strip())
