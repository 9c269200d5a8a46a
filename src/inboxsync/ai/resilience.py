"""The circuit breaker of each AI endpoint and model, shared by the whole process."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

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
