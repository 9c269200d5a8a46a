"""Group commit for `POST /v1/messages`: the posts of a company that arrive within a short
window run through the pipeline as one batch, so that many concurrent posts cost a few
batches (their round trips and commits), not one each.

One batcher per app, so per uvicorn worker process. Route handlers hand it their message and
await its own outcome; the pipeline runs in the batcher's threads, never on the event loop.
A company has at most one batch running: posts that arrive meanwhile wait for the next one,
which starts as soon as the running one ends, so a slow batch makes the next one larger
rather than piling up concurrent writers that would queue on the company's write lock.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field

from inboxsync.operations.inbound import Received

log = logging.getLogger(__name__)

# Batches of different companies running at once (each takes one thread).
THREADS = 4

Receive = Callable[[int, Sequence[bytes]], list[Received]]


class InboundUnavailable(Exception):
    """A post could not be stored now (its batch failed, or the server is shutting down):
    the sender should try again later."""


@dataclass(eq=False)
class _Post:
    raw: bytes
    arrived: float
    outcome: asyncio.Future[Received]


@dataclass(eq=False)
class _Company:
    """A company's posts waiting for a batch, and the task that runs its batches."""

    posts: list[_Post] = field(default_factory=list)
    full: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None


class InboundBatcher:
    """Collects posted messages per company into pipeline batches of up to `batch_size`,
    run by `receive(company_id, raws)` at most `window_seconds` after their first post."""

    def __init__(self, receive: Receive, *, window_seconds: float, batch_size: int) -> None:
        self.receive = receive
        self.window_seconds = window_seconds
        self.batch_size = batch_size
        self._companies: dict[int, _Company] = {}
        self._executor = ThreadPoolExecutor(THREADS, thread_name_prefix="inbound")
        self._closed = False

    async def submit(self, company_id: int, raw: bytes) -> Received:
        """The outcome of `raw` once its batch has run; InboundUnavailable when it failed."""
        if self._closed:
            raise InboundUnavailable("the server is shutting down")
        loop = asyncio.get_running_loop()
        company = self._companies.setdefault(company_id, _Company())
        post = _Post(raw, loop.time(), loop.create_future())
        # The failure of a post whose client went away has no reader: mark it read.
        post.outcome.add_done_callback(_read_failure)
        company.posts.append(post)
        if len(company.posts) >= self.batch_size:
            company.full.set()
        if company.task is None:
            company.task = asyncio.create_task(self._run_batches(company_id, company))
        # A client that goes away cancels only its wait: the message is still stored.
        return await asyncio.shield(post.outcome)

    async def _run_batches(self, company_id: int, company: _Company) -> None:
        try:
            while company.posts:
                await self._window(company)
                batch = company.posts[: self.batch_size]
                del company.posts[: self.batch_size]
                if len(company.posts) < self.batch_size and not self._closed:
                    company.full.clear()
                await self._run(company_id, batch)
        finally:
            # No await since the loop's last check: nothing was added in between.
            company.task = None
            del self._companies[company_id]

    async def _window(self, company: _Company) -> None:
        """Wait until the oldest post is `window_seconds` old, a batch is full or the
        batcher closes."""
        left = company.posts[0].arrived + self.window_seconds - asyncio.get_running_loop().time()
        if left > 0 and not company.full.is_set():
            with suppress(TimeoutError):
                await asyncio.wait_for(company.full.wait(), left)

    async def _run(self, company_id: int, batch: list[_Post]) -> None:
        loop = asyncio.get_running_loop()
        raws = [post.raw for post in batch]
        try:
            outcomes = await loop.run_in_executor(self._executor, self.receive, company_id, raws)
            if len(outcomes) != len(batch):
                raise RuntimeError(f"{len(outcomes)} outcomes for {len(batch)} messages")
        except Exception as exc:
            log.warning(
                "company %s: a batch of %s received message(s) failed: %s",
                company_id,
                len(batch),
                type(exc).__name__,
                exc_info=exc,
            )
            for post in batch:
                post.outcome.set_exception(
                    InboundUnavailable("the message could not be stored now; try again later")
                )
            return
        for post, outcome in zip(batch, outcomes, strict=True):
            post.outcome.set_result(outcome)

    async def close(self) -> None:
        """Stop taking posts, run the batches of those already taken at once, then stop the
        threads."""
        self._closed = True
        for company in self._companies.values():
            company.full.set()  # no window: the waiting posts run now
        tasks = [c.task for c in self._companies.values() if c.task is not None]
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.get_running_loop().run_in_executor(None, self._executor.shutdown)


def _read_failure(outcome: asyncio.Future[Received]) -> None:
    if not outcome.cancelled():
        outcome.exception()
