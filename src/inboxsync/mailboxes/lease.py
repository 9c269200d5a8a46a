"""The lease that keeps one sync per mailbox, renewed in the background while the sync runs.

The lease itself is a row (`db/mailboxes.py`): taking it is one conditional statement, so two
processes or machines sharing the database never both hold it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from inboxsync.db import mailboxes
from inboxsync.errors import MailboxBusyError

log = logging.getLogger(__name__)


class MailboxLease:
    """The database lease on one mailbox, renewed in the background while the sync runs."""

    def __init__(self, sessions: sessionmaker[Session], mailbox_id: int, ttl_seconds: float):
        self.sessions = sessions
        self.mailbox_id = mailbox_id
        self.ttl = ttl_seconds
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lost = False
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> MailboxLease:
        if not self._take():
            with self.sessions() as session:
                held = mailboxes.lease_holder(session, self.mailbox_id)
            who = f" ({held[0]}, until {held[1]:%H:%M:%S} UTC)" if held else ""
            raise MailboxBusyError(
                f"mailbox {self.mailbox_id} is busy: another sync holds its lease{who}"
            )
        self._thread = threading.Thread(target=self._renew, name="lease", daemon=True)
        self._thread.start()
        return self

    def _take(self) -> bool:
        if mailboxes.acquire_lease(self.sessions, self.mailbox_id, self.holder, self.ttl):
            return True
        with self.sessions() as session:
            held = mailboxes.lease_holder(session, self.mailbox_id)
        if held is None or not _holder_is_dead(held[0]):
            return False
        # A sync killed on this machine (kill -9) need not block a rerun until the expiry.
        log.info("mailbox %s: the lease holder %s is gone: taking over", self.mailbox_id, held[0])
        return mailboxes.take_over_lease(
            self.sessions, self.mailbox_id, held[0], self.holder, self.ttl
        )

    def check(self) -> None:
        """Raise MailboxBusyError when the lease was lost (another process took it over)."""
        if self.lost:
            raise MailboxBusyError(f"mailbox {self.mailbox_id}: lease lost, sync stopped")

    def _renew(self) -> None:
        while not self._done.wait(self.ttl / 3):
            try:
                if not mailboxes.renew_lease(self.sessions, self.mailbox_id, self.holder, self.ttl):
                    self.lost = True
                    return
            except Exception:  # a database hiccup: try again at the next beat
                log.warning("mailbox %s: could not renew the lease", self.mailbox_id, exc_info=True)

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _exc: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join()
        try:
            mailboxes.release_lease(self.sessions, self.mailbox_id, self.holder)
        except Exception:  # never hide the sync's own error; the lease expires by itself
            log.warning("mailbox %s: could not release the lease", self.mailbox_id, exc_info=True)


def _holder_is_dead(holder: str) -> bool:
    """True when `holder` names a process of this machine that no longer exists."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
