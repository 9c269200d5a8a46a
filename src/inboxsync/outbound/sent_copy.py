"""The copy of a sent reply in a mailbox's Sent folder (IMAP APPEND, flagged \\Seen)."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session, sessionmaker

from inboxsync.config import Settings
from inboxsync.db.mailboxes import list_mailboxes
from inboxsync.errors import InboxsyncError
from inboxsync.sources.secrets import resolve

log = logging.getLogger(__name__)

APPENDED = "appended"


def append_sent_copy(
    sessions: sessionmaker[Session], settings: Settings, mailbox_id: int, folder: str, raw: bytes
) -> str:
    """APPEND `raw` to `folder` of the mailbox; "appended", or "failed: <reason>" (logged).
    Never raises for the server's or the mailbox's sake: the mail is sent either way."""
    # Imported here: IMAP (imapclient) is for replies with a Sent folder, not every command.
    from inboxsync.mailboxes.sync import endpoint_of
    from inboxsync.sources.imap.connection import ImapConnection

    try:
        with sessions() as session:
            [box] = list_mailboxes(session, mailbox_id=mailbox_id)
        with (
            ImapConnection.open(endpoint_of(box, settings), resolve(box.secret_ref)) as conn,
            conn.command(f"APPEND {folder}") as client,
        ):
            client.append(folder, raw, flags=(b"\\Seen",))
    except (InboxsyncError, OSError) as exc:
        log.warning("reply not copied to %r of mailbox %s: %s", folder, mailbox_id, exc)
        return f"failed: {exc}"[:2000]
    return APPENDED
