"""Measuring how a cost grows: the CPU time of a call, best of a few (a busy machine does not
count against it), and the growth bound the linear-time tests hold inputs to."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

# Each case compares an input with one GROWTH times larger: about GROWTH (8) for linear code,
# GROWTH squared (64) for quadratic code; the bound sits between them, far from both (at 4x,
# linear cases measured up to 8.8x under two test workers, past a bound of 8).
GROWTH = 8
MAX_RATIO = GROWTH**1.5


@contextmanager
def _no_garbage_collection() -> Iterator[None]:
    # A collection's cost is the process's (everything a test worker holds), not the input's.
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def cpu_seconds(function: Callable[[], object]) -> float:
    """The best of five timings of `function` in this thread's CPU time, each repeated to last
    at least 10 ms, with the garbage collector paused (its cost is the process's, not the
    function's)."""
    with _no_garbage_collection():
        return _best_time(function)


def _best_time(function: Callable[[], object]) -> float:
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
