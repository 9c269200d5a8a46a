"""The IMAP Source: new mail of a mailbox's folders, headers first, bodies only for unknown keys.

Per folder: EXAMINE; nothing to do when UIDVALIDITY is unchanged and UIDNEXT is past the cursor.
Otherwise `UID SEARCH UID last+1:*`, then per chunk of UIDs, phase 1 fetches RFC822.SIZE and the
Message-ID and asks `known_keys` (one database query) which keys are stored; phase 2 fetches
BODY.PEEK[] only for the others, in batches. A background thread does the fetching, so the next
batch downloads while the pipeline stores the previous one. Each batch carries the folder's
`Checkpoint`, which the pipeline writes in the batch's own transaction.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from inboxsync.errors import ImapConnectionError, SourceError
from inboxsync.sources.base import Checkpoint, RawBatch, RawMessage
from inboxsync.sources.imap import FolderStatus, HeaderPeek, ImapConnection

log = logging.getLogger(__name__)

KnownKeys = Callable[[list[str]], set[str]]


@dataclass(frozen=True, slots=True)
class FolderTask:
    """A folder to sync and its stored cursor."""

    folder_id: int
    name: str
    uidvalidity: int | None
    last_uid: int
    highestmodseq: int | None = None


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """How much to ask for at once, and the size past which a body is not downloaded."""

    header_batch: int = 1000
    fetch_batch: int = 200
    prefetch: int = 1
    max_message_bytes: int = 25 * 1024 * 1024


@dataclass
class FolderResult:
    """What happened to one folder in this run."""

    name: str
    new_uids: int = 0
    rescanned: bool = False
    complete: bool = False
    error: str | None = None


@dataclass
class _Segment:
    fetch: list[int] = field(default_factory=list)
    dates: dict[int, datetime | None] = field(default_factory=dict)
    oversized: list[HeaderPeek] = field(default_factory=list)
    skipped: int = 0
    last_uid: int = 0


@dataclass(frozen=True, slots=True)
class _FolderDone:
    """Every batch of this folder was handed over before this marker."""

    folder_id: int


class _End:
    """Marks the end of the producer's work (with the exception that ended it, if any)."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


_Item = RawBatch | _FolderDone | _End


class ImapMailboxSource:
    """A `Source` over the folders of one open connection.

    After iteration, `failure` holds the transient error (connection lost, timeout, BYE) that
    ended it early, if any: what was yielded before it is complete and checkpointed.
    """

    def __init__(
        self,
        conn: ImapConnection,
        folders: list[FolderTask],
        known_keys: KnownKeys,
        *,
        mailbox_id: int,
        limits: FetchLimits,
        before_batch: Callable[[], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
        kill_at: str | None = None,
        statuses: dict[int, FolderStatus] | None = None,
    ) -> None:
        self.conn = conn
        self.statuses = statuses or {}
        self.folders = folders
        self.known_keys = known_keys
        self.mailbox_id = mailbox_id
        self.limits = limits
        self.before_batch = before_batch
        self.should_stop = should_stop
        self.kill_at = kill_at
        self.results: dict[int, FolderResult] = {f.folder_id: FolderResult(f.name) for f in folders}
        self.failure: ImapConnectionError | None = None
        self._stop = threading.Event()
        self._peeks = 0
        self._producer: threading.Thread | None = None
        self._queue: queue.Queue[_Item] | None = None

    def batches(self, batch_size: int) -> Iterator[RawBatch]:
        """Yield batches of at most `limits.fetch_batch` messages (`batch_size` caps it)."""
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
                self._maybe_kill("fetched", yielded)
                yield item
                self._maybe_kill("resumed", yielded)
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
            for task in self.folders:
                if self._stop.is_set():
                    break
                result = self.results[task.folder_id]
                try:
                    self._folder(task, result, out, fetch_batch)
                except ImapConnectionError:
                    raise
                except SourceError as exc:
                    # A folder that cannot be opened must not keep the others from syncing.
                    result.error = str(exc)  # reported as an error line of the run
                    log.info("mailbox %s: %s", self.mailbox_id, exc)
        except BaseException as exc:  # handed to the consuming thread, which raises it
            end = _End(exc)
        self._put(out, end)

    def _put(self, out: queue.Queue[_Item], item: _Item) -> bool:
        while not self._stop.is_set():
            try:
                out.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def _folder(
        self,
        task: FolderTask,
        result: FolderResult,
        out: queue.Queue[_Item],
        fetch_batch: int,
    ) -> None:
        status = self.statuses.get(task.folder_id)
        if status is None or self.conn.selected != task.name:
            status = self.conn.examine(task.name)
        last_uid, modseq = task.last_uid, task.highestmodseq
        if task.uidvalidity is not None and task.uidvalidity != status.uidvalidity:
            log.info(
                "mailbox %s folder %r: UIDVALIDITY changed (%s → %s): rescanning it",
                self.mailbox_id,
                task.name,
                task.uidvalidity,
                status.uidvalidity,
            )
            result.rescanned = True
            last_uid, modseq = 0, None
        elif not needs_sync(task, status):
            self._put(out, _FolderDone(task.folder_id))
            return
        uids = self.conn.uids_after(last_uid)
        result.new_uids = len(uids)
        final_uid = max([last_uid, *uids, (status.uidnext or 1) - 1])

        def checkpoint(uid: int, final: bool) -> Checkpoint:
            return Checkpoint(
                folder_id=task.folder_id,
                uidvalidity=status.uidvalidity,
                last_uid=uid,
                highestmodseq=status.highestmodseq if final else modseq,
            )

        seen: set[str] = set()
        pending_skips = 0
        for start in range(0, len(uids), self.limits.header_batch):
            chunk = uids[start : start + self.limits.header_batch]
            for segment in self._segments(chunk, seen, fetch_batch):
                if self._stop.is_set():
                    return
                messages = self._download(task, status, segment)
                is_last = segment.last_uid == uids[-1]
                if not messages and not is_last:
                    # Nothing to store: fold the skips into the next batch's checkpoint.
                    pending_skips += segment.skipped
                    continue
                uid = final_uid if is_last else segment.last_uid
                batch = RawBatch(
                    messages=messages,
                    checkpoint=checkpoint(uid, is_last),
                    skipped_known=segment.skipped + pending_skips,
                )
                pending_skips = 0
                if not self._put(out, batch):
                    return
        if not uids and (
            final_uid != task.last_uid
            or status.uidvalidity != task.uidvalidity
            or status.highestmodseq != task.highestmodseq
        ):
            self._put(out, RawBatch(messages=[], checkpoint=checkpoint(final_uid, True)))
        self._put(out, _FolderDone(task.folder_id))

    def _segments(self, chunk: list[int], seen: set[str], fetch_batch: int) -> list[_Segment]:
        """Phase 1 for a chunk of UIDs: split it into segments of at most `fetch_batch` bodies."""
        peeks = self.conn.peek(chunk)
        self._peeks += 1
        self._maybe_kill("peeked", self._peeks)
        ids = list({p.message_id for p in peeks if p.message_id and p.message_id not in seen})
        known = self.known_keys(ids) if ids else set()
        segments = [_Segment()]
        for peek in peeks:
            segment = segments[-1]
            if len(segment.fetch) >= fetch_batch:
                segment = _Segment()
                segments.append(segment)
            key = peek.message_id
            if key is not None and (key in known or key in seen):
                segment.skipped += 1
            elif peek.size > self.limits.max_message_bytes:
                segment.oversized.append(peek)
            else:
                segment.fetch.append(peek.uid)
                segment.dates[peek.uid] = peek.internaldate
            if key is not None:
                seen.add(key)
            segment.last_uid = peek.uid
        # The last segment covers the chunk's end, even UIDs expunged since the search.
        segments[-1].last_uid = chunk[-1]
        return segments

    def _download(self, task: FolderTask, status: FolderStatus, seg: _Segment) -> list[RawMessage]:
        """Phase 2: the bodies of a segment, and the headers alone of its oversized messages."""

        def ref(uid: int) -> str:
            return f"imap:{self.mailbox_id}/{task.name}/{status.uidvalidity}/{uid}"

        found: list[tuple[int, RawMessage]] = []
        if seg.oversized:
            headers = self.conn.headers([p.uid for p in seg.oversized])
            limit = self.limits.max_message_bytes
            for peek in seg.oversized:
                note = (
                    f"message of {peek.size} bytes is over the {limit}-byte limit: "
                    "headers kept, body not downloaded"
                )
                raw = headers.get(peek.uid, b"")
                found.append((peek.uid, RawMessage(ref(peek.uid), raw, None, True, note)))
        for body in self.conn.bodies(seg.fetch, seg.dates):
            message = RawMessage(
                ref(body.uid), body.raw, body.internaldate, arrived_at=body.internaldate
            )
            found.append((body.uid, message))
        found.sort(key=lambda pair: pair[0])
        return [message for _, message in found]

    def _maybe_kill(self, point: str, count: int) -> None:
        # Test hook (settings.imap.test_kill_at): a real SIGKILL at a precise point of the sync.
        if self.kill_at == f"{point}:{count}":
            log.warning("imap_test_kill_at=%s reached: killing this process", self.kill_at)
            os.kill(os.getpid(), signal.SIGKILL)


def needs_sync(task: FolderTask, status: FolderStatus) -> bool:
    """False when EXAMINE shows the folder holds nothing above the cursor (no more commands)."""
    if task.uidvalidity is None or task.uidvalidity != status.uidvalidity:
        return True
    return not _unchanged(status, task)


def _unchanged(status: FolderStatus, task: FolderTask) -> bool:
    if status.uidnext is not None:
        return status.uidnext <= task.last_uid + 1
    return status.highestmodseq is not None and status.highestmodseq == task.highestmodseq
