"""What the mailbox tests read back from the database."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.db.models import MailboxFolder


def count(sessions: sessionmaker[Session], model: type) -> int:
    """The number of rows of `model`'s table."""
    with sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def cursor(
    sessions: sessionmaker[Session], mailbox_id: int, name: str = "INBOX"
) -> tuple[int | None, int]:
    """(UIDVALIDITY, last UID) stored for a folder of the mailbox."""
    with sessions() as session:
        row = session.scalars(
            select(MailboxFolder).where(
                MailboxFolder.mailbox_id == mailbox_id, MailboxFolder.name == name
            )
        ).one()
        return row.uidvalidity, row.last_uid
