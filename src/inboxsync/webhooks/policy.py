"""How hard delivery tries: the request timeout, the backoff, when an endpoint is given up."""

from __future__ import annotations

from dataclasses import dataclass

from inboxsync.config import Settings
from inboxsync.retry import Backoff


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """The knobs of webhook delivery (seconds)."""

    # Short: a slow receiver holds one job worker this long at most per event.
    timeout_seconds: float = 10.0
    # 15–30 s for the first retry, doubling to an hour: retries go on for hours, and the
    # inline queue leaves them to the next round instead of holding a command open.
    backoff_seconds: float = 30.0
    max_backoff_seconds: float = 3600.0
    # An endpoint failing for longer than this is disabled.
    disable_after_seconds: float = 24 * 3600.0
    # Renewed with each event delivered: longer than one request can take.
    lease_seconds: float = 60.0
    # Events read per query.
    batch: int = 100
    allow_private_targets: bool = False

    @classmethod
    def of(cls, settings: Settings) -> DeliveryPolicy:
        """The policy of `settings.webhooks`."""
        w = settings.webhooks
        return cls(
            timeout_seconds=w.timeout_seconds,
            backoff_seconds=w.backoff_seconds,
            max_backoff_seconds=w.max_backoff_seconds,
            disable_after_seconds=w.disable_after_hours * 3600.0,
            lease_seconds=float(w.lease_seconds),
            allow_private_targets=w.allow_private_targets,
        )

    @property
    def backoff(self) -> Backoff:
        """The shared backoff with this policy's first delay and cap."""
        return Backoff(self.backoff_seconds, self.max_backoff_seconds)
