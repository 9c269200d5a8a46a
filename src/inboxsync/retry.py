"""The one retry policy of inboxsync (AI calls, jobs, SMTP): exponential backoff with equal
jitter, capped, built on tenacity's wait strategies.

Retry n waits a uniform time between half and all of d = min(cap, base × 2ⁿ⁻¹): the kept
half means a retry never comes at once, the random half that workers failing together do
not retry together. A loop that retries in place passes `Backoff.wait` to tenacity; a
retry scheduled for later (a job, an outbox row due again) takes `Backoff.delay(n)`.
"""

from __future__ import annotations

from dataclasses import dataclass

from tenacity import (
    RetryCallState,
    Retrying,
    wait_combine,
    wait_exponential,
    wait_random_exponential,
)


@dataclass(frozen=True)
class Backoff:
    """Waits of `base` seconds for the first retry, doubling, never more than `cap`."""

    base: float
    cap: float

    @property
    def wait(self) -> wait_combine:
        """The tenacity wait strategy: a fixed half of the delay plus a random half."""
        half_base, half_cap = self.base / 2, self.cap / 2
        return wait_exponential(multiplier=half_base, max=half_cap) + wait_random_exponential(
            multiplier=half_base, max=half_cap
        )

    def delay(self, attempt: int) -> float:
        """Seconds to wait before retrying after failed attempt number `attempt` (1-based)."""
        wait = self.wait
        state = RetryCallState(Retrying(wait=wait), None, (), {})
        state.attempt_number = max(1, attempt)
        return float(wait(state))
