"""The IMAP Source: new mail of a mailbox's folders, headers first, bodies only for unknown keys.

Each folder is EXAMINEd once, and the up-to-date check made once on what it reports: nothing to
do when UIDVALIDITY is unchanged and UIDNEXT is past the cursor. Otherwise `UID SEARCH UID
last+1:*`, then per chunk of UIDs, phase 1 fetches RFC822.SIZE and the Message-ID and asks
`known_keys` (one database query) which keys are stored; phase 2 fetches BODY.PEEK[] only for
the others, in batches, each message carrying the key phase 1 found new. A background thread
does the fetching, so the next batch downloads while the pipeline stores the previous one.
Each batch carries the folder's new cursor, which the pipeline writes in the batch's own
transaction.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime

from inboxsync.errors import ImapConnectionError, SourceError
from inboxsync.sources.base import FolderCursor, RawBatch, RawMessage
from inboxsync.sources.imap.connection import ImapConnection
from inboxsync.sources.imap.folder import FolderStatus, HeaderPeek, ImapFolder

log = logging.getLogger(__name__)

KnownKeys = Callable[[list[str]], set[str]]
# Called at named steps of the fetch: ("peeked", n) after the nth header fetch, ("fetched", n)
# with batch n downloaded and about to be handed over, ("resumed", n) when the pipeline comes
# back for the batch after n. The crash tests kill the process there.
FetchStepHook = Callable[[str, int], None]


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """How much to ask for at once, and the size past which a body is not downloaded."""

    header_batch: int = 1000
    fetch_batch: int = 500
    prefetch: int = 1
    max_message_bytes: int = 25 * 1024 * 1024
    batch_bytes: int = 64 * 1024 * 1024


@dataclass
class FolderResult:
    """What happened to one folder in this run."""

    name: str
    rescanned: bool = False
    complete: bool = False
    error: str | None = None


@dataclass
class _Segment:
    fetch: list[int] = field(default_factory=list)
    dates: dict[int, datetime | None] = field(default_factory=dict)
    new_keys: dict[int, str] = field(default_factory=dict)
    oversized: list[HeaderPeek] = field(default_factory=list)
    skipped: int = 0
    last_uid: int = 0
    size: int = 0  # bytes of the bodies to fetch, by RFC822.SIZE

    def is_full(self, limits: FetchLimits, fetch_batch: int) -> bool:
        return len(self.fetch) >= fetch_batch or self.size >= limits.batch_bytes


@dataclass(frozen=True, slots=True)
class _FolderDone:
    """Every batch of this folder was handed over before this marker."""

    folder_id: int


class _End:
    """Marks the end of the producer's work (with the exception that ended it, if any)."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


_Item = RawBatch | _FolderDone | _End
_Opened = tuple[FolderCursor, ImapFolder]


class ImapMailboxSource:
    """A `Source` over the folders of one open connection.

    After iteration, `results` says per folder id whether it is complete, rescanned or failed,
    and `failure` holds the transient error (connection lost, timeout, BYE) that ended it
    early, if any: what was yielded before it is complete and carries its cursor.
    """

    def __init__(
        self,
        conn: ImapConnection,
        folders: list[FolderCursor],
        known_keys: KnownKeys,
        *,
        mailbox_id: int,
        limits: FetchLimits,
        before_batch: Callable[[], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
        on_step: FetchStepHook | None = None,
    ) -> None:
        self.conn = conn
        self.known_keys = known_keys
        self.mailbox_id = mailbox_id
        self.limits = limits
        self.before_batch = before_batch
        self.should_stop = should_stop
        self.on_step = on_step
        self.results = {f.folder_id: FolderResult(f.name) for f in folders}
        self.failure: ImapConnectionError | None = None
        self._unopened = deque(folders)
        self._opened: _Opened | None = None
        self._stop = threading.Event()
        self._peeks = 0
        self._producer: threading.Thread | None = None
        self._queue: queue.Queue[_Item] | None = None

    def has_new_mail(self) -> bool:
        """EXAMINE the folders in turn until one may hold mail above its cursor (it stays open
        for the fetch); False when none does. Call it before `batches`, in the same thread."""
        self._opened = self._open_next()
        return self._opened is not None

    def batches(self, batch_size: int) -> Iterator[RawBatch]:
        """Yield batches of at most `limits.fetch_batch` messages (`batch_size` caps it), each
        closed once its bodies reach `limits.batch_bytes`."""
        out: queue.Queue[_Item] = queue.Queue(maxsize=self.limits.prefetch)
        fetch_batch = max(1, min(batch_size, self.limits.fetch_batch))
        producer = threading.Thread(
            target=self._produce, args=(out, fetch_batch), name="imap-fetch", daemon=True
        )
        self._producer, self._queue = producer, out
        producer.start()
        yielded = 0
        try:
            while True:
                item = out.get()
                if isinstance(item, _End):
                    if isinstance(item.error, ImapConnectionError):
                        self.failure = item.error
                    elif item.error is not None:
                        raise item.error
                    return
                if isinstance(item, _FolderDone):
                    # Everything yielded before was stored: the folder is synced.
                    self.results[item.folder_id].complete = True
                    continue
                if self.should_stop is not None and self.should_stop():
                    return  # what was yielded is stored; the rest waits for the next run
                if self.before_batch is not None:
                    self.before_batch()
                yielded += 1
                self._step("fetched", yielded)
                yield item
                self._step("resumed", yielded)
        finally:
            self.close()

    def close(self) -> None:
        """Stop the fetching thread and wait for it (call before closing the connection)."""
        self._stop.set()
        producer, out = self._producer, self._queue
        if producer is None or out is None:
            return
        while producer.is_alive():
            with contextlib.suppress(queue.Empty):
                out.get(timeout=0.1)
        producer.join()

    # -- the fetching thread --------------------------------------------------------------------

    def _produce(self, out: queue.Queue[_Item], fetch_batch: int) -> None:
        end = _End()
        try:
            opened = self._opened or self._open_next()
            while opened is not None and not self._stop.is_set():
                cursor, folder = opened
                try:
                    self._folder(cursor, folder, out, fetch_batch)
                except ImapConnectionError:
                    raise
                except SourceError as exc:
                    self._failed(cursor, exc)
                opened = self._open_next()
        except BaseException as exc:  # handed to the consuming thread, which raises it
            end = _End(exc)
        self._put(out, end)

    def _open_next(self) -> _Opened | None:
        """EXAMINE the next folders until one has work; those up to date are complete now."""
        while self._unopened and not self._stop.is_set():
            cursor = self._unopened.popleft()
            try:
                folder = ImapFolder.examine(self.conn, cursor.name)
            except ImapConnectionError:
                raise
            except SourceError as exc:
                self._failed(cursor, exc)
                continue
            if is_up_to_date(cursor, folder.status):
                self.results[cursor.folder_id].complete = True
                continue
            return cursor, folder
        return None

    def _failed(self, cursor: FolderCursor, exc: SourceError) -> None:
        # A folder that cannot be read must not keep the others from syncing.
        self.results[cursor.folder_id].error = str(exc)  # reported as an error line of the run
        log.info("mailbox %s: %s", self.mailbox_id, exc)

    def _put(self, out: queue.Queue[_Item], item: _Item) -> bool:
        while not self._stop.is_set():
            try:
                out.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def _folder(
        self, cursor: FolderCursor, folder: ImapFolder, out: queue.Queue[_Item], fetch_batch: int
    ) -> None:
        status = folder.status
        last_uid, modseq = cursor.last_uid, cursor.highestmodseq
        if cursor.uidvalidity is not None and cursor.uidvalidity != status.uidvalidity:
            log.info(
                "mailbox %s folder %r: UIDVALIDITY changed (%s → %s): rescanning it",
                self.mailbox_id,
                cursor.name,
                cursor.uidvalidity,
                status.uidvalidity,
            )
            self.results[cursor.folder_id].rescanned = True
            last_uid, modseq = 0, None
        uids = folder.uids_after(last_uid)
        final_uid = max([last_uid, *uids, (status.uidnext or 1) - 1])

        def moved_to(uid: int, final: bool) -> FolderCursor:
            return replace(
                cursor,
                uidvalidity=status.uidvalidity,
                last_uid=uid,
                highestmodseq=status.highestmodseq if final else modseq,
            )

        seen: set[str] = set()
        pending_skips = 0
        for start in range(0, len(uids), self.limits.header_batch):
            chunk = uids[start : start + self.limits.header_batch]
            for segment in self._segments(folder, chunk, seen, fetch_batch):
                if self._stop.is_set():
                    return
                messages = self._download(folder, segment)
                is_last = segment.last_uid == uids[-1]
                if not messages and not is_last:
                    # Nothing to store: fold the skips into the next batch's cursor.
                    pending_skips += segment.skipped
                    continue
                uid = final_uid if is_last else segment.last_uid
                batch = RawBatch(
                    messages=messages,
                    cursor=moved_to(uid, is_last),
                    skipped_known=segment.skipped + pending_skips,
                )
                pending_skips = 0
                if not self._put(out, batch):
                    return
        if not uids and (
            final_uid != cursor.last_uid
            or status.uidvalidity != cursor.uidvalidity
            or status.highestmodseq != cursor.highestmodseq
        ):
            self._put(out, RawBatch(messages=[], cursor=moved_to(final_uid, True)))
        self._put(out, _FolderDone(cursor.folder_id))

    def _segments(
        self, folder: ImapFolder, chunk: list[int], seen: set[str], fetch_batch: int
    ) -> list[_Segment]:
        """Phase 1 for a chunk of UIDs: split it into segments of at most `fetch_batch` bodies
        (and about `limits.batch_bytes`: a message over it is a segment of its own)."""
        peeks = folder.peek(chunk)
        self._peeks += 1
        self._step("peeked", self._peeks)
        ids = list({p.message_id for p in peeks if p.message_id and p.message_id not in seen})
        known = self.known_keys(ids) if ids else set()
        segments = [_Segment()]
        for peek in peeks:
            segment = segments[-1]
            if segment.is_full(self.limits, fetch_batch):
                segment = _Segment()
                segments.append(segment)
            key = peek.message_id
            if key is not None and (key in known or key in seen):
                segment.skipped += 1
            elif peek.size > self.limits.max_message_bytes:
                segment.oversized.append(peek)
            else:
                segment.fetch.append(peek.uid)
                segment.size += peek.size
                segment.dates[peek.uid] = peek.internaldate
                if key is not None:  # looked up just now and not stored
                    segment.new_keys[peek.uid] = key
            if key is not None:
                seen.add(key)
            segment.last_uid = peek.uid
        # The last segment covers the chunk's end, even UIDs expunged since the search.
        segments[-1].last_uid = chunk[-1]
        return segments

    def _download(self, folder: ImapFolder, seg: _Segment) -> list[RawMessage]:
        """Phase 2: the bodies of a segment, and the headers alone of its oversized messages."""
        status = folder.status

        def ref(uid: int) -> str:
            return f"imap:{self.mailbox_id}/{status.name}/{status.uidvalidity}/{uid}"

        found: list[tuple[int, RawMessage]] = []
        if seg.oversized:
            headers = folder.headers([p.uid for p in seg.oversized])
            limit = self.limits.max_message_bytes
            for peek in seg.oversized:
                note = (
                    f"message of {peek.size} bytes is over the {limit}-byte limit: "
                    "headers kept, body not downloaded"
                )
                raw = headers.get(peek.uid, b"")
                found.append((peek.uid, RawMessage(ref(peek.uid), raw, None, True, note)))
        for body in folder.bodies(seg.fetch, seg.dates):
            message = RawMessage(
                ref(body.uid),
                body.raw,
                body.internaldate,
                arrived_at=body.internaldate,
                known_new_key=seg.new_keys.get(body.uid),
            )
            found.append((body.uid, message))
        found.sort(key=lambda pair: pair[0])
        return [message for _, message in found]

    def _step(self, point: str, count: int) -> None:
        if self.on_step is not None:
            self.on_step(point, count)


def is_up_to_date(cursor: FolderCursor, status: FolderStatus) -> bool:
    """True when EXAMINE shows the folder holds nothing above the cursor (no more commands)."""
    if cursor.uidvalidity is None or cursor.uidvalidity != status.uidvalidity:
        return False
    if status.uidnext is not None:
        return status.uidnext <= cursor.last_uid + 1
    return status.highestmodseq is not None and status.highestmodseq == cursor.highestmodseq
