"""Waiting for new mail on a selected folder with IMAP IDLE (RFC 2177)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from inboxsync.sources.imap.connection import ImapConnection
from inboxsync.sources.imap.folder import ImapFolder


def supports_idle(conn: ImapConnection) -> bool:
    """Whether the server offers IDLE (else a watcher polls)."""
    with conn.command("CAPABILITY", counted=False) as client:
        return bool(client.has_capability("IDLE"))


def wait_for_change(
    folder: ImapFolder, seconds: float, should_stop: Callable[[], bool] | None = None
) -> bool:
    """IDLE on `folder` for up to `seconds`; True when the server announced new mail.

    `should_stop()` is polled every second so a watcher can leave promptly.
    """
    with folder.conn.command("IDLE") as client:
        client.idle()
        try:
            waited = 0.0
            while waited < seconds and not (should_stop and should_stop()):
                step = min(1.0, seconds - waited)
                responses = client.idle_check(timeout=step)
                waited += step
                if any(_announces_mail(r) for r in responses):
                    return True
        finally:
            client.idle_done()
    return False


def _announces_mail(response: Any) -> bool:
    return (
        isinstance(response, tuple) and len(response) >= 2 and response[1] in (b"EXISTS", b"RECENT")
    )
