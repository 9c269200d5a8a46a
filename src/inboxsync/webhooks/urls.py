"""Which webhook URLs are accepted: absolute http or https, ASCII (an international host in
its xn-- form), a host, no credentials; unless private targets are allowed, not an address of
this machine or of a private network (a name is checked again where it resolves, at delivery)."""

from __future__ import annotations

from urllib.parse import urlsplit

from inboxsync.errors import UsageError
from inboxsync.webhooks.targets import PRIVATE_HINT, literal_refusal

MAX_URL_LENGTH = 2000


def validate_url(url: str, *, allow_private: bool = False) -> str:
    """`url` when it is an acceptable endpoint URL (UsageError saying why otherwise)."""
    if not url or len(url) > MAX_URL_LENGTH:
        raise UsageError(f"a webhook URL has 1 to {MAX_URL_LENGTH} characters")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        raise UsageError("a webhook URL has no spaces or control characters")
    if not url.isascii():
        raise UsageError("a webhook URL is ASCII (an international host in its xn-- form)")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UsageError(f"not a URL: {exc}") from exc
    if parts.scheme not in ("http", "https"):
        raise UsageError("a webhook URL is http:// or https://")
    if not parts.hostname:
        raise UsageError("a webhook URL names a host")
    if "@" in parts.netloc:
        # They would be stored and logged with the URL; the signature authenticates us.
        raise UsageError("a webhook URL carries no credentials (user:password@)")
    if port == 0:
        raise UsageError("a webhook URL's port is 1 to 65535")
    refusal = None if allow_private else literal_refusal(parts.hostname)
    if refusal is not None:
        raise UsageError(f"a webhook URL must not lead inside: {refusal}; {PRIVATE_HINT}")
    return url
