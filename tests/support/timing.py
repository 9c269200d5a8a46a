"""Measuring how a cost grows: the CPU time of a call, best of a few (a busy machine does not
count against it), and the growth bound the linear-time tests hold inputs to."""

from __future__ import annotations

import time
from collections.abc import Callable

# Each case compares an input with one GROWTH times larger: about GROWTH for linear code,
# GROWTH squared for quadratic code.
GROWTH = 4
MAX_RATIO = 8.0


def cpu_seconds(function: Callable[[], object]) -> float:
    """The best of five timings of `function` in this thread's CPU time, each repeated to last
    at least 10 ms (another test process on the other core shares the caches: the best of a
    few longer timings is the steady one)."""
    number = 1
    while True:
        started = time.thread_time()
        for _ in range(number):
            function()
        elapsed = time.thread_time() - started
        if elapsed > 0.01:
            break
        number *= 4
    best = elapsed
    for _ in range(4):
        started = time.thread_time()
        for _ in range(number):
            function()
        best = min(best, time.thread_time() - started)
    return best / number
