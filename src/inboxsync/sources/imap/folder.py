"""A folder opened read-only, and the commands a sync sends on it: UID SEARCH, then UID FETCH of
headers (phase 1) and of whole messages (phase 2).

EXAMINE opens the folder read-only and every fetch uses BODY.PEEK, so a sync never sets \\Seen
nor changes anything on the server.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from inboxsync.errors import SourceError
from inboxsync.sources.imap.connection import ImapConnection
from inboxsync.sources.imap.responses import FetchResponse, by_uid, message_id_of, uid_set

PEEK_ITEM = "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"
PEEK_NAME = b"BODY[HEADER.FIELDS"  # as the response names it
HEADER_ITEM = "BODY.PEEK[HEADER]"
BODY_ITEM = "BODY.PEEK[]"


@dataclass(frozen=True, slots=True)
class FolderStatus:
    """A folder as EXAMINE reports it."""

    name: str
    uidvalidity: int
    uidnext: int | None
    highestmodseq: int | None
    exists: int


@dataclass(frozen=True, slots=True)
class HeaderPeek:
    """Phase 1: a message's size and normalized Message-ID (None when it has no usable one)."""

    uid: int
    size: int
    message_id: str | None
    internaldate: datetime | None = None


@dataclass(frozen=True, slots=True)
class FetchedMessage:
    """Phase 2: a message's whole raw bytes and the server's INTERNALDATE (naive UTC)."""

    uid: int
    raw: bytes
    internaldate: datetime | None


class ImapFolder:
    """A folder selected read-only on a connection; valid until another one is opened there."""

    def __init__(self, conn: ImapConnection, status: FolderStatus) -> None:
        self.conn = conn
        self.status = status

    @classmethod
    def examine(cls, conn: ImapConnection, name: str) -> ImapFolder:
        """Open `name` read-only (EXAMINE): nothing done afterwards can change a flag."""
        with conn.command(f"EXAMINE {name}") as client:
            info = client.select_folder(name, readonly=True)
        status = FolderStatus(
            name=name,
            uidvalidity=int(info[b"UIDVALIDITY"]),
            uidnext=int(info[b"UIDNEXT"]) if b"UIDNEXT" in info else None,
            highestmodseq=int(info[b"HIGHESTMODSEQ"]) if b"HIGHESTMODSEQ" in info else None,
            exists=int(info.get(b"EXISTS", 0)),
        )
        return cls(conn, status)

    def uids_after(self, last_uid: int) -> list[int]:
        """UIDs above `last_uid`, ascending (`UID SEARCH UID last+1:*`)."""
        with self.conn.command("UID SEARCH") as client:
            found = client.search(["UID", f"{last_uid + 1}:*"])
        # `n:*` always matches the highest UID, even when it is below n.
        return sorted(uid for uid in found if uid > last_uid)

    def peek(self, uids: list[int]) -> list[HeaderPeek]:
        """Phase 1: RFC822.SIZE and the Message-ID of each UID (messages gone are skipped)."""
        found = self._fetch("headers", uids, f"RFC822.SIZE INTERNALDATE {PEEK_ITEM}", PEEK_NAME)
        peeks = []
        for uid in uids:
            response = found.get(uid)
            if response is None:
                continue
            # A server may send the fields as a quoted string or NIL: then no key, downloaded.
            header = response.literals[0] if response.literals else b""
            self.conn.stats.bytes_downloaded += len(header)
            peeks.append(
                HeaderPeek(uid, response.size, message_id_of(header), response.internaldate)
            )
        return peeks

    def headers(self, uids: list[int]) -> dict[int, bytes]:
        """The whole header block of each UID (for messages too large to download whole)."""
        found = self._fetch("header", uids, HEADER_ITEM, b"BODY[HEADER]")
        out = {uid: r.literals[0] if r.literals else b"" for uid, r in found.items()}
        self.conn.stats.bytes_downloaded += sum(len(h) for h in out.values())
        return out

    def bodies(
        self, uids: list[int], internaldates: dict[int, datetime | None] | None = None
    ) -> list[FetchedMessage]:
        """Phase 2: the whole message of each UID, in the order asked (messages gone skipped).

        `internaldates` (from phase 1) are attached to the results."""
        found = self._fetch("bodies", uids, BODY_ITEM, b"BODY[]")
        dates = internaldates or {}
        out = []
        for uid in uids:
            response = found.get(uid)
            if response is None or not response.literals:
                continue
            raw = response.literals[0]
            self.conn.stats.bytes_downloaded += len(raw)
            out.append(FetchedMessage(uid, raw, dates.get(uid)))
        return out

    def _fetch(
        self, what: str, uids: list[int], items: str, name: bytes
    ) -> dict[int, FetchResponse]:
        """`UID FETCH uids (UID items)`: UID → the response that carries `name`."""
        if not uids:
            return {}
        with self.conn.command(f"UID FETCH ({what})") as client:
            imap = client._imap  # the imaplib.IMAP4 that IMAPClient drives
            typ, data = imap.uid("FETCH", uid_set(uids), f"(UID {items})")
        if typ != "OK":
            raise SourceError(f"{self.conn.endpoint.label}: UID FETCH ({what}) refused: {data!r}")
        return by_uid(data, name)
