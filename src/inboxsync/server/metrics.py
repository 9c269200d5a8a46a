"""`GET /metrics` for Prometheus: each request counted and timed by route, and the store's
totals read from the database at scrape time."""

from __future__ import annotations

import time
from collections.abc import Iterator

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from inboxsync.api import Inbox

router = APIRouter(tags=["operations"])

# Methods counted by name; any other is `other`, so odd requests make no new series.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class StoreCollector(Collector):
    """The store's totals as gauges, counted when Prometheus scrapes."""

    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox

    def collect(self) -> Iterator[Metric]:
        counts = self.inbox.store_counts()
        yield _gauge("messages", "Stored messages.", counts.messages)
        yield _gauge("quarantine", "Quarantined messages.", counts.quarantine)
        yield _gauge("ai_cost_usd", "AI spend in the ledger, USD.", counts.ai_cost_usd)
        yield _labelled("conversations", "Conversations by status.", "status", counts.conversations)
        yield _labelled("sync_runs", "Sync runs by status.", "status", counts.sync_runs)
        yield _labelled("outbox", "Outbox rows by status.", "status", counts.outbox)
        yield _labelled("ai_calls", "AI requests by purpose/outcome.", "call", counts.ai_calls)
        yield _labelled(
            "webhook_deliveries",
            "Webhook delivery attempts by outcome.",
            "outcome",
            counts.webhook_deliveries,
        )


def _gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"inboxsync_{name}", doc, value=value)


def _labelled(name: str, doc: str, label: str, values: dict[str, int]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(f"inboxsync_{name}", doc, labels=[label])
    for key, value in sorted(values.items()):
        family.add_metric([key], value)
    return family


class RequestMetrics:
    """ASGI middleware counting and timing each request by method, route template and status
    (a path no route matches is `unmatched`, so random paths make no new series). Each answer
    carries its server time so far as `Server-Timing: app;dur=<ms>` (W3C Server Timing)."""

    def __init__(self, app: ASGIApp, registry: CollectorRegistry) -> None:
        self.app = app
        self.requests = Counter(
            "inboxsync_http_requests",
            "HTTP requests answered.",
            ["method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "inboxsync_http_request_seconds",
            "Time to answer an HTTP request (a stream: its lifetime).",
            ["method", "route"],
            registry=registry,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recording(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                elapsed_ms = (time.perf_counter() - started) * 1000
                timing = (b"server-timing", f"app;dur={elapsed_ms:.1f}".encode())
                message = {**message, "headers": [*message.get("headers", ()), timing]}
            await send(message)

        try:
            await self.app(scope, receive, recording)
        finally:
            route = _route_of(scope)
            method = scope["method"] if scope["method"] in METHODS else "other"
            self.requests.labels(method, route, str(status)).inc()
            self.latency.labels(method, route).observe(time.perf_counter() - started)


def _route_of(scope: Scope) -> str:
    # The router leaves the route it chose in the scope (a 405's too); none: no path matched.
    return str(getattr(scope.get("route"), "path", "unmatched"))


@router.get("/metrics", response_class=Response)
def metrics(request: Request) -> Response:
    """The Prometheus text exposition of the requests and of the store."""
    registry = request.app.state.metrics
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
