"""Message-ID normalization, id lists (References/In-Reply-To) and the content-hash fallback key."""

from __future__ import annotations

import hashlib
import re

# Longer than any real id (RFC 5322 lines stop at 998 characters); anything longer is garbage.
MAX_ID_LENGTH = 512
# A References header of a huge thread can list thousands of ids; the root and the nearest
# parents are the ones threading needs.
MAX_IDS = 100

_BRACKETED = re.compile(r"<([^<>]*)>")
_BARE_TOKEN = re.compile(r"[^\s<>,;]+")
_WHITESPACE = re.compile(r"\s+")
_FORBIDDEN = frozenset("<>()")
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")
# The lookbehind starts a match only where a run of blanks starts: without it, every blank of
# a long run followed by text was tried again to the run's end (quadratic; 34 s for 60 KB).
_TRAILING_SPACE = re.compile(rb"(?<![ \t])[ \t]+$", re.MULTILINE)
_MBOX_QUOTED_FROM = re.compile(rb"^>+(?=From )", re.MULTILINE)


def strip_comments(value: str) -> str:
    """Return `value` without RFC 5322 comments: `(...)`, nested, with backslash escapes."""
    if "(" not in value:
        return value
    out: list[str] = []
    depth = 0
    escaped = False
    for char in value:
        if depth:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
        elif char == "(":
            depth = 1
        else:
            out.append(char)
    return "".join(out)


def _clean_id(candidate: str) -> str | None:
    """Validate one id without brackets; lower-case its domain; None when it is garbage."""
    candidate = _WHITESPACE.sub("", candidate)
    if not candidate or len(candidate) > MAX_ID_LENGTH:
        return None
    # isprintable() also rejects control characters and lone surrogates (raw 8-bit bytes).
    if not candidate.isprintable() or _FORBIDDEN.intersection(candidate):
        return None
    # RFC 5322 ids are `left@right`. Broken mailers write timestamps, `x@` or `PM2000 8:14 AM`
    # instead: such values repeat across unrelated messages, and a repeated key would make a
    # new message look like a duplicate and drop it, so they do not count as ids.
    local, at, domain = candidate.rpartition("@")
    if not at or not local or not domain:
        return None
    return f"{local}@{domain.lower()}"


def normalize_message_id(value: str | None) -> str | None:
    """Return the canonical form of a Message-ID header value, or None when there is none.

    Comments, whitespace and angle brackets are removed and the domain part is lower-cased
    (the local part is case-sensitive). Only the first id of the value counts; a value that
    is not `left@right` is garbage (None).
    """
    if value is None:
        return None
    text = strip_comments(value)
    match = _BRACKETED.search(text)
    if match:
        return _clean_id(match.group(1))
    tokens = text.replace("<", " ").replace(">", " ").split()
    return _clean_id(tokens[0]) if tokens else None


def parse_id_list(value: str | None) -> tuple[str, ...]:
    """Return the ids of a References or In-Reply-To value, normalized, in order, without repeats.

    Ids in angle brackets win; bare tokens are used only when there are none, and then only
    those that contain an `@` (old mailers write prose such as `Your message of ...`).
    """
    if not value:
        return ()
    text = strip_comments(value)
    candidates = _BRACKETED.findall(text)
    if not candidates:
        candidates = [token for token in _BARE_TOKEN.findall(text) if "@" in token]
    ids: dict[str, None] = {}
    for candidate in candidates:
        normalized = _clean_id(candidate)
        if normalized is not None:
            ids.setdefault(normalized)
    result = tuple(ids)
    if len(result) > MAX_IDS:
        result = (result[0], *result[-(MAX_IDS - 1) :])
    return result


def _canonical_header(value: str | None) -> bytes:
    if value is None:
        return b""
    # surrogatepass keeps raw 8-bit header bytes (surrogate-escaped by compat32) deterministic.
    return " ".join(value.split()).encode("utf-8", "surrogatepass")


def canonical_body(body: bytes) -> bytes:
    """Return `body` with LF line endings, no trailing blanks, and mbox `>From ` quoting undone.

    The same message stored in Maildir (LF), fetched over IMAP (CRLF) or split from an mbox
    (trailing blank line, `>From ` quoting) gives the same canonical body.
    """
    text = _LINE_BREAK.sub(b"\n", body)
    text = _TRAILING_SPACE.sub(b"", text)
    text = _MBOX_QUOTED_FROM.sub(b"", text)
    return text.strip(b"\n")


def synthetic_key(
    from_: str | None,
    date: str | None,
    subject: str | None,
    to: str | None,
    body: bytes,
) -> str:
    """Return `sha256:<hex>` of the canonical From, Date, Subject, To header values and body.

    Used as the message key when there is no usable Message-ID; stable across line endings,
    header folding and storage format.
    """
    digest = hashlib.sha256()
    for name, value in ((b"from", from_), (b"date", date), (b"subject", subject), (b"to", to)):
        digest.update(name + b":" + _canonical_header(value) + b"\n")
    digest.update(b"\n")
    digest.update(canonical_body(body))
    return "sha256:" + digest.hexdigest()
