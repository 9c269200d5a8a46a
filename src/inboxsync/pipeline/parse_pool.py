"""The parse workers: forked processes fed by one thread of the parent, which also keeps
the time budget of each message.

The budget is kept by the parent, so it holds even while a worker is stuck inside one C
call (a regex): the pool's thread hands each worker a chunk of messages at a time, and
the worker notes in memory shared with the parent which message of it it is on and since
when. A worker still on one message after `timeout_seconds` is killed (SIGKILL), that
message's result is "parse timeout: over N s", the chunk's other messages go back in the
queue and a new worker is started.

Workers die with their parent: on Linux the kernel kills them when the thread that forked
them ends (PR_SET_PDEATHSIG), and everywhere a worker exits when its pipe to the parent
closes.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from inboxsync.pipeline.parsing import ParseItem, ParseResult

log = logging.getLogger(__name__)

# Messages handed to a worker at a time, and at most this many bytes of them: enough to keep
# it busy between two hand-overs, few enough to balance the end of a batch.
CHUNK = 64
CHUNK_BYTES = 2 * 1024 * 1024
_PR_SET_PDEATHSIG = 1
_AT, _SINCE = 0, 1

# Parses one message and never raises: a message that is not one becomes its error text.
SafeParse = Callable[[bytes, datetime | None], "ParseResult"]


def warn_in_process(exc: BaseException) -> None:
    """Say that messages are parsed in-process from now on, without a budget, and why."""
    log.warning(
        "parse workers could not start (%s: %s); parsing in-process, without a time budget",
        type(exc).__name__,
        exc,
    )


@dataclass(eq=False)
class ParseJob:
    """One submitted batch: its results fill in as workers report them."""

    items: list[ParseItem]
    parse: SafeParse
    results: list[ParseResult | None] = field(init=False)
    remaining: int = field(init=False)
    done: threading.Event = field(init=False, default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.results = [None] * len(self.items)
        self.remaining = len(self.items)
        if not self.items:
            self.done.set()

    def put(self, index: int, result: ParseResult) -> None:
        """Record the result of item `index`."""
        self.results[index] = result
        self.remaining -= 1
        if self.remaining == 0:
            self.done.set()

    def wait(self) -> list[ParseResult]:
        """The results in order; what the pool gave up on (it stopped) is parsed here."""
        self.done.wait()
        return [
            self.parse(*item) if result is None else result
            for item, result in zip(self.items, self.results, strict=True)
        ]


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    conn: Connection
    # Shared with the worker: which message of its chunk it is parsing, since when
    # (time.monotonic(), one clock for every process).
    progress: Any
    chunk: list[tuple[ParseJob, int]] = field(default_factory=list)

    def started(self) -> float:
        return float(self.progress[_SINCE])

    def current(self) -> int:
        return int(self.progress[_AT])


class WorkerPool:
    """Worker processes fed by one thread of the parent, which also keeps the budget."""

    def __init__(self, size: int, timeout: float, parse: SafeParse) -> None:
        self.size = size
        self.timeout = timeout
        self.parse = parse
        # fork starts a worker in milliseconds with everything imported (spawn took seconds).
        self.context = multiprocessing.get_context("fork")
        self.queue: deque[tuple[ParseJob, int]] = deque()
        self.workers: list[_Worker] = []
        self.lock = threading.Lock()
        self.stopped = False
        self.closing = False
        # Whether this pool has frozen the parent's objects (see _SharedHeap).
        self.froze = False
        self.wake_read, self.wake_write = os.pipe()
        os.set_blocking(self.wake_read, False)
        os.set_blocking(self.wake_write, False)
        self.thread = threading.Thread(target=self._run, name="inboxsync-parse", daemon=True)
        try:
            self.thread.start()
        except RuntimeError:
            self._close_wake_pipe()
            raise

    def submit(self, job: ParseJob) -> bool:
        """Queue `job`'s messages; False when the pool has stopped (no worker could start)."""
        with self.lock:
            if self.stopped:
                return False
            self.queue.extend((job, index) for index in range(len(job.items)))
        self._wake()
        return True

    def close(self) -> None:
        """Stop the pool's thread and its workers."""
        with self.lock:
            self.closing = True
        self._wake()
        self.thread.join()
        self._close_wake_pipe()

    def _wake(self) -> None:
        # A full pipe is a pool already awake; a closed one, a pool gone.
        with contextlib.suppress(OSError):
            os.write(self.wake_write, b"\0")

    def _close_wake_pipe(self) -> None:
        for fd in (self.wake_read, self.wake_write):
            with contextlib.suppress(OSError):
                os.close(fd)

    # --- the pool's thread ------------------------------------------------------------

    def _run(self) -> None:
        try:
            while not self.closing:
                self._dispatch()
                busy = [worker for worker in self.workers if worker.chunk]
                timeout = None
                if busy:
                    deadline = min(worker.started() for worker in busy) + self.timeout
                    timeout = max(0.0, deadline - time.monotonic())
                ready = wait([self.wake_read, *(worker.conn for worker in busy)], timeout)
                if self.wake_read in ready:
                    self._drain_wake_pipe()
                arrived = [self._receive(w) for w in busy if w.conn in ready]
                # Idle workers get their next chunk before the results are unpickled.
                self._dispatch()
                for chunk, data in filter(None, arrived):
                    for (job, index), result in zip(chunk, pickle.loads(data), strict=True):
                        job.put(index, result)
                self._enforce_budget()
        except NoWorkers as exc:
            warn_in_process(exc.__cause__ or exc)
        except Exception:
            log.exception("parse pool failed; the rest is parsed in-process")
        finally:
            self._stop()

    def _drain_wake_pipe(self) -> None:
        try:
            while os.read(self.wake_read, 4096):
                pass
        except BlockingIOError:
            pass

    def _dispatch(self) -> None:
        """Hand queued messages to idle workers, starting workers up to the pool's size."""
        while True:
            with self.lock:
                if not self.queue:
                    return
            worker = next((w for w in self.workers if not w.chunk), None)
            if worker is None:
                if len(self.workers) >= self.size:
                    return
                worker = self._start_worker()
                if worker is None:
                    return
            chunk = self._take_chunk()
            # The worker is idle: it writes the progress again only once it has the chunk.
            worker.progress[_AT], worker.progress[_SINCE] = 0, time.monotonic()
            try:
                worker.conn.send([chunk_job.items[index] for chunk_job, index in chunk])
            except OSError:
                # It died idle: nothing of its own to blame, its chunk goes back.
                self._requeue(chunk)
                self._discard(worker)
                continue
            worker.chunk = chunk

    def _take_chunk(self) -> list[tuple[ParseJob, int]]:
        chunk: list[tuple[ParseJob, int]] = []
        size = 0
        with self.lock:
            while self.queue and len(chunk) < CHUNK and (not chunk or size < CHUNK_BYTES):
                job, index = self.queue.popleft()
                chunk.append((job, index))
                size += len(job.items[index][0])
        return chunk

    def _receive(self, worker: _Worker) -> tuple[list[tuple[ParseJob, int]], bytes] | None:
        """The chunk `worker` finished and its pickled results; None when the worker died."""
        try:
            data = worker.conn.recv_bytes()
        except (EOFError, OSError):
            self._retire(worker, f"parse failed: worker died ({_exit_text(worker.process)})")
            return None
        chunk, worker.chunk = worker.chunk, []
        return chunk, data

    def _enforce_budget(self) -> None:
        now = time.monotonic()
        for worker in list(self.workers):
            if worker.chunk and now - worker.started() > self.timeout:
                self._retire(worker, f"parse timeout: over {self.timeout:g} s")

    def _retire(self, worker: _Worker, reason: str) -> None:
        """Kill `worker`: its current message's result is `reason`, the rest of its chunk
        (parsed or not, its results were not sent yet) goes back in the queue."""
        self._discard(worker)
        if worker.chunk:
            current = min(max(worker.current(), 0), len(worker.chunk) - 1)
            job, index = worker.chunk.pop(current)
            job.put(index, reason)
            self._requeue(worker.chunk)
            worker.chunk = []

    def _requeue(self, items: list[tuple[ParseJob, int]]) -> None:
        with self.lock:
            self.queue.extendleft(reversed(items))

    def _discard(self, worker: _Worker) -> None:
        worker.process.kill()
        worker.process.join()
        worker.conn.close()
        self.workers.remove(worker)

    def _start_worker(self) -> _Worker | None:
        """A new worker, or None when none can start now while others still run."""
        try:
            return self._fork_worker()
        except OSError as exc:
            if not self.workers:
                raise NoWorkers from exc
            log.debug("could not start another parse worker: %s", exc)
            return None

    def _fork_worker(self) -> _Worker:
        ours, theirs = self.context.Pipe()
        progress = self.context.RawArray("d", 2)
        # The child closes its copies of the parent's ends, or they would keep each other's
        # pipes open after the parent died.
        inherited = [ours, *(w.conn for w in self.workers), self.wake_read, self.wake_write]
        process = self.context.Process(
            target=_work,
            args=(theirs, progress, self.parse, os.getpid(), inherited),
            name="inboxsync-parse",
            daemon=True,
        )
        _SHARED_HEAP.freeze(first=not self.froze)
        self.froze = True
        try:
            process.start()
        except OSError:
            ours.close()
            raise
        finally:
            theirs.close()
        worker = _Worker(process, ours, progress)
        self.workers.append(worker)
        return worker

    def _stop(self) -> None:
        """Kill the workers; waiters parse in-process whatever is left unparsed."""
        with self.lock:
            self.stopped = True
            jobs = {job for job, _ in self.queue}
            self.queue.clear()
        for worker in list(self.workers):
            jobs.update(job for job, _ in worker.chunk)
            self._discard(worker)
        for job in jobs:
            job.done.set()
        if self.froze:
            _SHARED_HEAP.thaw()


class _SharedHeap:
    """Keeps the parent's objects frozen (`gc.freeze`) while a pool's workers share them.

    A full collection in the parent writes to the header of every object it tracks: each page
    the workers were forked with would be copied for the parent while they keep the original,
    so the heap of the fork would exist twice. Measured, 100,000 messages into SQLite peaked
    at 323 MB (PSS, every process) without this and 289 MB with it. Objects made after a fork
    are collected as usual; the frozen ones go back to the collector when the last pool
    stops, unless something else had frozen objects first (that freeze is not ours to undo).
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pools = 0
        self.thaw_at_end = False

    def freeze(self, *, first: bool) -> None:
        """Freeze what exists now, before a fork; `first` counts a pool's first fork."""
        with self.lock:
            if first:
                if self.pools == 0:
                    self.thaw_at_end = gc.get_freeze_count() == 0
                self.pools += 1
            gc.freeze()

    def thaw(self) -> None:
        """A pool stopped: the last one gives the frozen objects back to the collector."""
        with self.lock:
            self.pools -= 1
            if self.pools == 0 and self.thaw_at_end:
                gc.unfreeze()


_SHARED_HEAP = _SharedHeap()


class NoWorkers(Exception):
    """Not a single worker process could be started."""


def _exit_text(process: BaseProcess) -> str:
    process.join(timeout=1)
    code = process.exitcode
    if code is not None and code < 0:
        return f"signal {-code}"
    return f"exit code {code}"


def _work(
    conn: Connection,
    progress: Any,
    parse: SafeParse,
    parent_pid: int,
    inherited: list[Connection | int],
) -> None:
    """A worker's life: parse the chunks the parent sends, noting its progress, until it goes."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:
        return  # the parent died before the line above
    # Ctrl-C is the parent's to handle: it stops its workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Inherited objects are never collected here: no finalizer of the parent's (a database
    # connection's) runs in a worker, and their pages stay shared.
    gc.freeze()
    for end in inherited:
        if isinstance(end, Connection):
            end.close()
        else:
            os.close(end)
    try:
        while True:
            results = []
            for at, (raw, received_at) in enumerate(conn.recv()):
                # The time before the position: a parent that reads a new position never
                # pairs it with the previous message's start.
                progress[_SINCE] = time.monotonic()
                progress[_AT] = at
                results.append(parse(raw, received_at))
            conn.send(results)
    except (EOFError, OSError):
        return  # the parent closed the pipe or died
