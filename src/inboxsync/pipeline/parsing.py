"""Full MIME parsing off the pipeline's own process: batches are parsed by worker processes
while the pipeline resolves and writes the previous batch.

Parsing is pure and CPU-bound (the stdlib parser is Python), so processes, not threads, are
what lets a second core help. Small batches are parsed in-process: starting the workers
would cost more than it saves.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime

from inboxsync.errors import MessageParseError
from inboxsync.mail import parse_message
from inboxsync.mail.types import ParsedMessage

log = logging.getLogger(__name__)

# Below this many messages a batch is parsed in-process.
MIN_PARALLEL = 200
CHUNK = 50

ParseItem = tuple[bytes, datetime | None]
# Each item parses into a message, or into the reason it could not be parsed.
ParseResult = ParsedMessage | str


def parse_many(items: list[ParseItem]) -> list[ParseResult]:
    """Parse raw messages; a message that is not one becomes its error text."""
    results: list[ParseResult] = []
    for raw, received_at in items:
        try:
            results.append(parse_message(raw, received_at))
        except MessageParseError as exc:
            results.append(str(exc))
    return results


class BatchParser:
    """Parses batches in a pool of worker processes (or in-process), returning futures."""

    def __init__(self, workers: int, timeout_seconds: float = 10.0) -> None:
        self.timeout_seconds = timeout_seconds
        self.workers = workers if workers > 0 else (os.cpu_count() or 1)
        self._pool: ProcessPoolExecutor | None = None

    def submit(self, items: list[ParseItem]) -> Callable[[], list[ParseResult]]:
        """Start parsing `items`; the returned function waits for and returns the results."""
        if self.workers < 2 or len(items) < MIN_PARALLEL:
            done = parse_many(items)
            return lambda: done
        chunks = [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]
        try:
            pool = self._ensure_pool()
            futures = [pool.submit(parse_many, chunk) for chunk in chunks]
        except (BrokenProcessPool, OSError, RuntimeError) as exc:
            return self._fall_back(exc, items)
        return lambda: self._results(futures, items)

    def _results(
        self, futures: list[Future[list[ParseResult]]], items: list[ParseItem]
    ) -> list[ParseResult]:
        try:
            return [result for future in futures for result in future.result()]
        except BrokenProcessPool as exc:
            return self._fall_back(exc, items)()

    def _fall_back(
        self, exc: BaseException, items: list[ParseItem]
    ) -> Callable[[], list[ParseResult]]:
        """Parse in-process from now on: the workers could not start or died."""
        log.warning("parser workers unavailable (%s); parsing in-process", type(exc).__name__)
        self.close()
        self.workers = 1
        done = parse_many(items)
        return lambda: done

    def close(self) -> None:
        """Stop the worker processes."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def _ensure_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # fork starts a worker in milliseconds with everything imported (forkserver and
            # spawn took seconds to import again). The workers only run `parse_many`, which
            # takes no lock another thread of ours could hold at fork time.
            context = multiprocessing.get_context("fork")
            self._pool = ProcessPoolExecutor(self.workers, mp_context=context)
        return self._pool
