"""A loopback webhook receiver for the API benchmark that notes when each delivery arrived
(tests/support/webhook_receiver.py records requests, not their times)."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class WebhookSink:
    """Answers 204 to every POST; `arrivals` holds (arrival time.time(), event JSON)."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, dict[str, Any]]] = []
        lock = threading.Lock()
        arrivals = self.arrivals

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                arrived = time.time()
                with lock:
                    arrivals.append((arrived, json.loads(body)))
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/hooks/bench"

    def __enter__(self) -> WebhookSink:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def latencies(self, after_seq: int = 0) -> dict[str, tuple[str, float]]:
        """(type, seconds from its created_at, its commit, to its first arrival) of each event
        numbered past `after_seq`, by event id."""
        first: dict[str, tuple[str, float]] = {}
        for arrived, event in list(self.arrivals):
            if event["seq"] <= after_seq:
                continue
            created = datetime.fromisoformat(event["created_at"].replace("Z", "+00:00"))
            if created.tzinfo is None:
                created = created.replace(tzinfo=UTC)
            first.setdefault(event["id"], (event["type"], arrived - created.timestamp()))
        return first
