"""Reading IMAP responses and writing UID sets: pure functions over what the server sent."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from email.policy import compat32
from typing import Any

from inboxsync.mail.message_id import normalize_message_id

_HEADER_PARSER = BytesHeaderParser(policy=compat32)
_UID = re.compile(rb"\bUID (\d+)")


def uid_set(uids: list[int]) -> str:
    """`1:3,7,9:10` for [1, 2, 3, 7, 9, 10] (sorted UIDs as a compact IMAP sequence set)."""
    parts: list[str] = []
    ordered = sorted(set(uids))
    start = prev = ordered[0]
    for uid in [*ordered[1:], None]:
        if uid is not None and uid == prev + 1:
            prev = uid
            continue
        parts.append(str(start) if start == prev else f"{start}:{prev}")
        if uid is not None:
            start = prev = uid
    return ",".join(parts)


def bodies_of(data: list[Any]) -> dict[int, bytes]:
    """UID → literal from imaplib's FETCH data: (`N (UID u BODY[] {n}`, literal) pairs, each
    followed by the rest of its line (`)` or ` UID u)`); other untagged FETCHes are skipped."""
    found: dict[int, bytes] = {}
    for i, item in enumerate(data):
        if not isinstance(item, tuple) or len(item) != 2:
            continue
        head, literal = item
        if b"BODY[]" not in head.upper():
            continue
        match = _UID.search(head)
        if match is None and i + 1 < len(data) and isinstance(data[i + 1], bytes):
            match = _UID.search(data[i + 1])
        if match is not None:
            found[int(match.group(1))] = bytes(literal)
    return found


def section(item: dict[bytes, Any], prefix: bytes) -> bytes:
    """The bytes of the first FETCH item whose name starts with `prefix` (b"" if none)."""
    for key, value in item.items():
        if isinstance(key, bytes) and key.upper().startswith(prefix):
            return bytes(value) if value is not None else b""
    return b""


def message_id_of(header: bytes) -> str | None:
    """The normalized Message-ID of a header block, None when it has no usable one."""
    if not header:
        return None
    try:
        msg = _HEADER_PARSER.parsebytes(header)
    except Exception:  # a header we cannot read gives no key; the body fetch decides
        return None
    for name, value in msg.raw_items():
        if name.lower() == "message-id":
            return normalize_message_id(value if isinstance(value, str) else str(value))
    return None


def naive_utc(value: Any) -> datetime | None:
    """An INTERNALDATE as naive UTC, as every stored time (None when it is not a datetime)."""
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)
