"""How a delivery is signed: HMAC-SHA256 over `"<timestamp>." + body`, sent with the timestamp
in one header (`Inboxsync-Signature: t=<unix ts>,v1=<hex>`), so a receiver can check both that
the body is ours and that it is fresh (a replayed delivery carries an old timestamp)."""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE_HEADER = "Inboxsync-Signature"
EVENT_ID_HEADER = "Inboxsync-Event-Id"
# A receiver accepts a signature this many seconds away from its own clock.
DEFAULT_TOLERANCE_SECONDS = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `"<timestamp>." + body` under `secret`."""
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    """The value of the `Inboxsync-Signature` header of a delivery."""
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"


def verify(
    secret: str,
    header: str,
    body: bytes,
    *,
    tolerance: float = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """True when `header` (an `Inboxsync-Signature` value) signs `body` under `secret` with a
    timestamp within `tolerance` seconds of `now`; any malformed header is False."""
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit() and len(value) <= 12:
            timestamp = int(value)
        elif name == "v1":
            signatures.append(value)
    if timestamp is None or not signatures:
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = sign(secret, timestamp, body)
    # Several v1 values are allowed, as while a secret is rotated.
    return any(hmac.compare_digest(expected, s) for s in signatures)
