"""The OpenAI provider: any OpenAI-compatible endpoint through the openai SDK, in bounded,
validated micro-batches sent concurrently, with retries, a circuit breaker and one re-ask."""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar, cast

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from inboxsync.ai import prompt
from inboxsync.ai.batching import micro_batches, text_tokens
from inboxsync.ai.openai_answers import classify_error, cost_usd, read_content, read_usage
from inboxsync.ai.resilience import CircuitBreaker, breaker_for
from inboxsync.ai.text import estimate_tokens, looks_like_injection
from inboxsync.ai.types import (
    BatchResult,
    CallRecord,
    ConversationItem,
    FolderAnswer,
    FolderDef,
    Outcome,
    Purpose,
    SenderAnswer,
    SenderItem,
)
from inboxsync.ai.validate import parse_results, validate_classify, validate_detect
from inboxsync.config import Settings
from inboxsync.errors import ConfigError, MalformedAnswer
from inboxsync.retry import Backoff

log = logging.getLogger(__name__)

T = TypeVar("T")
K = TypeVar("K")
A = TypeVar("A")


_shared: dict[tuple[Any, ...], OpenAIProvider] = {}
_shared_lock = threading.Lock()


def shared_provider(settings: Settings) -> OpenAIProvider:
    """One provider (and so one SDK client and connection pool, about 0.1 s to build) per
    endpoint, key, model and limits, for the whole process; it is thread-safe."""
    key = (
        settings.ai.openai_base_url,
        settings.ai.openai_api_key.get_secret_value() if settings.ai.openai_api_key else None,
        settings.ai.model,
        settings.ai.timeout_seconds,
        settings.ai.batch_max_items,
        settings.ai.batch_max_input_tokens,
        settings.ai.concurrency,
        settings.ai.max_retries,
        settings.ai.backoff_seconds,
        settings.ai.max_backoff_seconds,
        settings.ai.breaker_failures,
        settings.ai.breaker_cooldown_seconds,
        settings.ai.prompt_cache_key,
        json.dumps(settings.ai.prices, sort_keys=True),
    )
    with _shared_lock:
        provider = _shared.get(key)
        if provider is None:
            provider = _shared[key] = OpenAIProvider(settings)
        return provider


@dataclass(frozen=True)
class _Job(Generic[T, K, A]):
    """How to ask one kind of question: messages, schema, validation, output size, keys."""

    purpose: Purpose
    messages: Callable[[Sequence[T]], list[dict[str, str]]]
    schema: dict[str, Any]
    validate: Callable[[list[Any], int], tuple[dict[int, A], dict[int, str]]]
    item_tokens: Callable[[T], int]
    key: Callable[[T], K]
    cache_key: str
    out_tokens_per_item: int


class _Transient(Exception):
    """The request failed for a reason that may pass (rate limit, 5xx, timeout, breaker)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _CallFailed(Exception):
    """One call failed (its ledger row is written): whether another may help, and the wait
    the server asked for."""

    def __init__(self, reason: str, retry_after: float | None, retryable: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.retryable = retryable


class OpenAIProvider:
    """Answers through an OpenAI-compatible chat-completions endpoint (JSON-schema output)."""

    name = "openai"

    def __init__(self, settings: Settings, *, sleep: Callable[[float], None] = time.sleep) -> None:
        key = settings.ai.openai_api_key.get_secret_value() if settings.ai.openai_api_key else None
        if not key and not settings.ai.openai_base_url:
            raise ConfigError("the openai provider needs OPENAI_API_KEY (or OPENAI_BASE_URL)")
        import openai  # 1 s to import: only when the AI is actually used

        self.model = settings.ai.model
        self._settings = settings
        self._client = openai.OpenAI(
            api_key=key or "unused",
            base_url=settings.ai.openai_base_url,
            timeout=settings.ai.timeout_seconds,
            max_retries=0,  # we retry ourselves: each attempt is a ledger row
        )
        self._sleep = sleep
        self._backoff = Backoff(settings.ai.backoff_seconds, settings.ai.max_backoff_seconds).wait
        self._endpoint = str(self._client.base_url)

    @property
    def breaker(self) -> CircuitBreaker:
        """The breaker of this endpoint and model, shared by the whole process."""
        s = self._settings
        return breaker_for(
            self._endpoint, self.model, s.ai.breaker_failures, s.ai.breaker_cooldown_seconds
        )

    def close(self) -> None:
        self._client.close()

    # -- the two questions ------------------------------------------------------------------

    def detect_notifications(self, items: Sequence[SenderItem]) -> BatchResult[str, SenderAnswer]:
        """`notification` or `person` for each sender, in micro-batches."""
        job: _Job[SenderItem, str, SenderAnswer] = _Job(
            purpose="detect",
            messages=prompt.detect_messages,
            schema=prompt.detect_schema(),
            validate=validate_detect,
            item_tokens=lambda it: text_tokens(it.email, it.name, it.subject, it.text),
            key=lambda it: it.key,
            cache_key="inboxsync:detect:v1",
            out_tokens_per_item=22,
        )
        return self._run(job, items)

    def classify(
        self,
        items: Sequence[ConversationItem],
        folders: Sequence[FolderDef],
        *,
        cache_key: str = "",
    ) -> BatchResult[int, FolderAnswer]:
        """A folder id among `folders` (or none) for each conversation, in micro-batches."""
        folder_list = list(folders)
        job: _Job[ConversationItem, int, FolderAnswer] = _Job(
            purpose="classify",
            messages=lambda batch: prompt.classify_messages(batch, folder_list),
            schema=prompt.classify_schema(folder_list),
            validate=lambda results, n: validate_classify(results, n, folder_list),
            item_tokens=lambda it: text_tokens(it.subject, it.text),
            key=lambda it: it.key,
            cache_key=cache_key or "inboxsync:classify",
            out_tokens_per_item=18,
        )
        return self._run(job, items)

    # -- batching, re-asking -----------------------------------------------------------------

    def _run(self, job: _Job[T, K, A], items: Sequence[T]) -> BatchResult[K, A]:
        result: BatchResult[K, A] = BatchResult()
        if not items:
            return result
        for item in items:
            if looks_like_injection(str(item)):
                log.warning("%s item %s reads like a prompt injection", job.purpose, job.key(item))
        s = self._settings
        prefix = estimate_tokens(job.messages([])[0]["content"])
        batches = micro_batches(
            items,
            max_items=s.ai.batch_max_items,
            max_tokens=s.ai.batch_max_input_tokens,
            prefix_tokens=prefix,
            item_tokens=job.item_tokens,
        )
        first = self._map(job, batches)
        retry: list[list[T]] = []
        for batch, part in zip(batches, first, strict=True):
            result.merge(part)
            invalid = [
                it
                for it in batch
                if job.key(it) in part.failed and job.key(it) not in part.transient
            ]
            if invalid:
                # Asked again once, in smaller batches than the one that went wrong.
                size = max(1, min(len(invalid), math.ceil(len(batch) / 2)))
                retry.extend(invalid[i : i + size] for i in range(0, len(invalid), size))
        if retry:
            log.info("%s: asking %d items again", job.purpose, sum(map(len, retry)))
            for part in self._map(job, retry):
                result.merge(part)
        return result

    def _map(self, job: _Job[T, K, A], batches: list[list[T]]) -> list[BatchResult[K, A]]:
        workers = min(self._settings.ai.concurrency, len(batches))
        if workers <= 1:
            return [self._ask(job, b) for b in batches]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="inboxsync-ai") as pool:
            return list(pool.map(lambda b: self._ask(job, b), batches))

    def _ask(self, job: _Job[T, K, A], batch: list[T]) -> BatchResult[K, A]:
        """One batch: send (with retries), validate, and map small ints back to item keys."""
        result: BatchResult[K, A] = BatchResult()
        keys = [job.key(it) for it in batch]
        try:
            content = self._send(job, batch, result.calls)
            answers, problems = job.validate(parse_results(content), len(batch))
        except _Transient as exc:
            result.failed = dict.fromkeys(keys, exc.reason)
            result.transient = set(keys)
            return result
        except MalformedAnswer as exc:
            answers, problems = {}, dict.fromkeys(range(len(batch)), f"invalid answer: {exc}")
        except Exception as exc:  # a defect of ours in reading an answer must not cost the sync
            log.exception("%s: the answer could not be read", job.purpose)
            why = f"invalid answer: unreadable ({type(exc).__name__})"
            answers, problems = {}, dict.fromkeys(range(len(batch)), why)
        if problems and result.calls:
            last = result.calls[-1]
            outcome: Outcome = "invalid" if not answers else "partial"
            result.calls[-1] = _replace_outcome(last, outcome, f"{len(problems)} items invalid")
        result.answers = {keys[i]: a for i, a in answers.items()}
        result.failed = {keys[i]: p for i, p in problems.items()}
        return result

    def _send(self, job: _Job[T, K, A], batch: list[T], calls: list[CallRecord]) -> str:
        """The answer's content; raises _Transient when retries are exhausted."""
        import openai

        s = self._settings.ai
        messages = job.messages(batch)
        cache_key = job.cache_key if s.prompt_cache_key else openai.omit

        def worth_retrying(exc: BaseException) -> bool:
            # A server asking for longer than the cap: better to give up now and leave the
            # work to the next run.
            return (
                isinstance(exc, _CallFailed)
                and exc.retryable
                and (exc.retry_after is None or exc.retry_after <= s.max_backoff_seconds)
            )

        def log_retry(state: RetryCallState) -> None:
            failure = state.outcome.exception() if state.outcome else None
            log.info(
                "%s call failed (%s), retry %d in %.2fs",
                job.purpose,
                failure,
                state.attempt_number,
                state.upcoming_sleep,
            )

        retrying = Retrying(
            stop=stop_after_attempt(s.max_retries + 1),
            wait=self._wait,
            retry=retry_if_exception(worth_retrying),
            sleep=self._sleep,
            before_sleep=log_retry,
            reraise=True,
        )
        try:
            return retrying(self._call, job, batch, messages, cache_key, calls)
        except _CallFailed as exc:
            raise _Transient(f"ai unavailable: {exc.reason}") from None

    def _wait(self, state: RetryCallState) -> float:
        """The wait before a retry: what the server asked for, else the shared backoff."""
        failure = state.outcome.exception() if state.outcome else None
        if isinstance(failure, _CallFailed) and failure.retry_after is not None:
            return failure.retry_after
        return self._backoff(state)

    def _call(
        self,
        job: _Job[T, K, A],
        batch: list[T],
        messages: list[dict[str, str]],
        cache_key: Any,
        calls: list[CallRecord],
    ) -> str:
        """One request through the breaker, recorded in `calls`; _CallFailed when it fails."""
        if not self.breaker.allow():
            raise _Transient("ai unavailable: circuit breaker open")
        keys = tuple(map(job.key, batch))
        start = time.perf_counter()
        try:
            response = self._client.chat.completions.create(
                model=self.model,
                messages=cast(Any, messages),
                response_format=cast(Any, job.schema),
                temperature=0,
                max_completion_tokens=job.out_tokens_per_item * len(batch) + 64,
                prompt_cache_key=cache_key,
            )
        except Exception as exc:  # whatever the SDK or the server did, the sync goes on
            outcome, reason, retry_after, retryable = classify_error(exc)
            calls.append(self._record(job.purpose, keys, _ms(start), outcome, reason))
            self.breaker.failure()
            raise _CallFailed(reason, retry_after, retryable) from None
        self.breaker.success()
        inp, out, cached = read_usage(response)
        record = self._record(
            job.purpose, keys, _ms(start), "ok", "", inp=inp, out=out, cached=cached
        )
        calls.append(record)
        return read_content(response)

    def _record(
        self,
        purpose: Purpose,
        keys: tuple[object, ...],
        latency_ms: int,
        outcome: Outcome,
        detail: str,
        *,
        inp: int = 0,
        out: int = 0,
        cached: int = 0,
    ) -> CallRecord:
        return CallRecord(
            provider=self.name,
            model=self.model,
            purpose=purpose,
            items=len(keys),
            input_tokens=inp,
            output_tokens=out,
            cached_tokens=cached,
            cost_usd=cost_usd(self._settings.ai.prices, self.model, inp, cached, out),
            latency_ms=latency_ms,
            outcome=outcome,
            detail=detail,
            keys=keys,
        )


def _ms(start: float) -> int:
    return int((time.perf_counter() - start) * 1000)


def _replace_outcome(record: CallRecord, outcome: Outcome, detail: str) -> CallRecord:
    return replace(record, outcome=outcome, detail=detail)
