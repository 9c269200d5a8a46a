"""The API benchmark's load generator: N concurrent clients (asyncio tasks sharing one
httpx.AsyncClient) for a bounded time, every request timed, every answer checked; the CPU of
this process and of the server's processes over the run."""

from __future__ import annotations

import asyncio
import math
import resource
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from _common import ProcessTree

# One request: it gets the client and the task's number, returns (variant, response).
Request = Callable[[httpx.AsyncClient, int], Awaitable[tuple[str, httpx.Response]]]
Check = Callable[[httpx.Response], bool]


@dataclass
class Run:
    """The samples of one bounded run: latency in seconds per variant, and the errors."""

    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    error_examples: list[str] = field(default_factory=list)
    client_cpu_seconds: float = 0.0
    server_cpu_seconds: float = 0.0

    @property
    def requests(self) -> int:
        return sum(map(len, self.latencies.values())) + sum(self.errors.values())

    def all_latencies(self) -> list[float]:
        return [x for values in self.latencies.values() for x in values]

    def error(self, variant: str, why: str) -> None:
        self.errors[variant] = self.errors.get(variant, 0) + 1
        if len(self.error_examples) < 5:
            self.error_examples.append(f"{variant}: {why}")


def percentile(values: Sequence[float], p: float) -> float | None:
    """The nearest-rank percentile of all the samples (None without any)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summary(run: Run, variants: Sequence[str] | None, cpus: int) -> dict[str, Any]:
    """Requests, errors, requests/s, p50/p95/p99/max in ms, and CPU shares of the machine."""
    names = list(variants) if variants is not None else [*run.latencies, *run.errors]
    samples = [x for v in names for x in run.latencies.get(v, [])]
    errors = sum(run.errors.get(v, 0) for v in names)

    def ms(p: float) -> float | None:
        value = percentile(samples, p)
        return None if value is None else value * 1000

    machine = run.seconds * cpus or 1.0
    return {
        "requests": len(samples) + errors,
        "errors": errors,
        "requests_per_s": (len(samples) + errors) / run.seconds if run.seconds else 0.0,
        "p50_ms": ms(50),
        "p95_ms": ms(95),
        "p99_ms": ms(99),
        "max_ms": ms(100),
        "client_cpu_share": run.client_cpu_seconds / machine,
        "server_cpu_share": run.server_cpu_seconds / machine,
    }


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _tree_cpu(tree: ProcessTree) -> float:
    tree.sample()
    return sum(tree.cpu_seconds.values())


async def _load(
    base_url: str,
    headers: dict[str, str],
    request: Request,
    check: Check,
    clients: int,
    seconds: float,
    warmup: float,
    limit: int | None,
) -> Run:
    run = Run()
    # Idle connections are dropped before uvicorn's keep-alive timeout (5 s) closes them: else
    # a request sent as the server hangs up fails with ReadError (a race of the client's).
    limits = httpx.Limits(
        max_connections=clients, max_keepalive_connections=clients, keepalive_expiry=2.0
    )
    tree = ProcessTree()  # sampled by hand, before and after: no thread eating the CPU
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, limits=limits, timeout=30
    ) as client:
        measuring = False
        issued = 0
        deadline = time.perf_counter() + warmup

        async def worker(n: int) -> None:
            nonlocal issued
            while time.perf_counter() < deadline and (limit is None or issued < limit):
                counted = measuring
                if counted:
                    issued += 1
                started = time.perf_counter()
                try:
                    variant, response = await request(client, n)
                except (httpx.HTTPError, OSError) as exc:
                    if counted:
                        after = (time.perf_counter() - started) * 1000
                        run.error("request", f"{type(exc).__name__} after {after:.0f} ms: {exc}")
                    continue
                latency = time.perf_counter() - started
                if not counted:
                    continue
                if check(response):
                    run.latencies.setdefault(variant, []).append(latency)
                else:
                    run.error(variant, f"{response.status_code} {response.text[:200]}")

        if warmup > 0:
            await asyncio.gather(*(worker(n) for n in range(clients)))
        measuring = True
        cpu, server = _cpu(), _tree_cpu(tree)
        started = time.perf_counter()
        deadline = started + seconds
        await asyncio.gather(*(worker(n) for n in range(clients)))
        run.seconds = time.perf_counter() - started
        run.client_cpu_seconds = _cpu() - cpu
        run.server_cpu_seconds = _tree_cpu(tree) - server
    return run


def ok_json(response: httpx.Response) -> bool:
    """A 2xx answer with a JSON object body."""
    if not response.is_success:
        return False
    try:
        return isinstance(response.json(), dict)
    except ValueError:
        return False


def load(
    base_url: str,
    key: str,
    request: Request,
    *,
    clients: int,
    seconds: float,
    warmup: float = 2.0,
    limit: int | None = None,
    check: Check = ok_json,
) -> Run:
    """Run `request` from `clients` concurrent tasks for `seconds` (or until `limit` requests),
    after `warmup` seconds not counted; an exception or an answer `check` refuses is an error.
    The server's CPU is that of this process's descendants (the server runs as one)."""
    headers = {"Authorization": f"Bearer {key}"}
    return asyncio.run(_load(base_url, headers, request, check, clients, seconds, warmup, limit))
