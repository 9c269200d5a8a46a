"""The one backoff: the same waits for a retry slept in place and for one scheduled later."""

from __future__ import annotations

import pytest
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt

from inboxsync.retry import Backoff


@pytest.mark.parametrize("attempt", [1, 2, 3, 6])
def test_retry_n_waits_between_half_and_all_of_base_times_two_to_the_n_minus_one(
    attempt: int,
) -> None:
    full = 0.5 * 2 ** (attempt - 1)
    delays = [Backoff(0.5, 300.0).delay(attempt) for _ in range(500)]
    assert all(full / 2 <= d <= full for d in delays)
    # Jittered: workers failing together do not retry together.
    assert len(set(delays)) > 400


def test_the_cap_bounds_every_wait() -> None:
    delays = [Backoff(1.0, 60.0).delay(attempt) for attempt in range(1, 40) for _ in range(20)]
    assert max(delays) <= 60.0
    assert min(Backoff(1.0, 60.0).delay(30) for _ in range(200)) >= 30.0


def test_a_loop_retrying_in_place_sleeps_the_same_waits() -> None:
    slept: list[float] = []

    def fails() -> None:
        raise OSError("down")

    retrying = Retrying(
        stop=stop_after_attempt(4),
        wait=Backoff(2.0, 5.0).wait,
        retry=retry_if_exception_type(OSError),
        sleep=slept.append,
        reraise=True,
    )
    with pytest.raises(OSError):
        retrying(fails)
    assert len(slept) == 3
    for delay, full in zip(slept, [2.0, 4.0, 5.0], strict=True):
        assert full / 2 <= delay <= full


def test_no_base_means_no_wait() -> None:
    assert Backoff(0.0, 300.0).delay(5) == 0.0
