"""Retries with backoff (honouring Retry-After) and a circuit breaker, shared per endpoint."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

_breakers: dict[tuple[str, str], CircuitBreaker] = {}
_breakers_lock = threading.Lock()


class CircuitBreaker:
    """Opens after `threshold` consecutive failed calls; while open nothing is sent, until
    `cooldown` seconds have passed and one trial call is let through (half-open)."""

    def __init__(
        self, threshold: int, cooldown: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.threshold = threshold
        self.cooldown = cooldown
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._trial = False
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        with self._lock:
            return self._opened_at is not None

    def allow(self) -> bool:
        """Whether a call may be sent now."""
        with self._lock:
            if self._opened_at is None:
                return True
            if self._trial or self._clock() - self._opened_at < self.cooldown:
                return False
            self._trial = True
            return True

    def success(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._trial = False

    def failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._trial or self._failures >= self.threshold:
                self._opened_at = self._clock()
            self._trial = False


def breaker_for(endpoint: str, model: str, threshold: int, cooldown: float) -> CircuitBreaker:
    """The process-wide breaker of an endpoint and model (so it outlives one sync)."""
    with _breakers_lock:
        key = (endpoint, model)
        breaker = _breakers.get(key)
        if breaker is None or breaker.threshold != threshold or breaker.cooldown != cooldown:
            breaker = _breakers[key] = CircuitBreaker(threshold, cooldown)
        return breaker


def reset_breakers() -> None:
    """Forget every breaker's state (tests, or after fixing a configuration)."""
    with _breakers_lock:
        _breakers.clear()


def retry_after_seconds(headers: Mapping[str, str] | None) -> float | None:
    """The wait a server asked for (`retry-after-ms` or `retry-after` in seconds), if any."""
    if not headers:
        return None
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(str(value)) / divisor)
        except ValueError:
            continue
    return None


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with jitter, capped; a server's Retry-After wins when present."""

    base: float
    cap: float

    def delay(self, attempt: int, retry_after: float | None) -> float | None:
        """Seconds to wait before retry number `attempt` (1-based); None when the server asks
        for longer than `cap`: better to give up now and leave the work for the next run."""
        if retry_after is not None:
            return retry_after if retry_after <= self.cap else None
        wait = self.base * 2.0 ** (attempt - 1)
        return float(min(self.cap, wait * (1.0 + random.random() * 0.1)))
