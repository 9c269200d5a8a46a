"""A webhook receiver for the tests: a real HTTP server on 127.0.0.1 in a thread that records
every request (headers and body) and, on demand, fails the next requests with 500, answers
410 Gone, or holds its answers (slow) until released or a delay has passed."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MAX_BODY = 1024 * 1024


@dataclass(frozen=True)
class Request:
    """One request received and the status it was answered with."""

    path: str
    headers: dict[str, str]
    body: bytes
    status: int

    @property
    def event(self) -> dict[str, Any]:
        """The JSON body."""
        payload = json.loads(self.body)
        assert isinstance(payload, dict)
        return payload


class WebhookReceiver:
    """Records requests; `fail_next`, `gone` and `hold`/`slow` change how it answers."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.arrived = 0  # requests read, answered or not yet
        self._answers: deque[int] = deque()
        self._always: int | None = None
        self._delay = 0.0
        self._released = threading.Event()
        self._released.set()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(min(length, MAX_BODY))
                with receiver._lock:
                    receiver.arrived += 1
                receiver._wait()
                status = receiver._next_status()
                headers = {k.lower(): v for k, v in self.headers.items()}
                with receiver._lock:
                    receiver.requests.append(Request(self.path, headers, body, status))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The receiver's base URL (any path is accepted)."""
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        """Forget the requests and every fault."""
        with self._lock:
            self.requests.clear()
            self.arrived = 0
            self._answers.clear()
            self._always = None
            self._delay = 0.0
        self.release()

    def fail_next(self, n: int, status: int = 500) -> None:
        """Answer the next `n` requests with `status`."""
        with self._lock:
            self._answers.extend([status] * n)

    def fail_always(self, status: int = 500) -> None:
        """Answer every request with `status` (410: the endpoint is gone)."""
        with self._lock:
            self._always = status

    def slow(self, seconds: float) -> None:
        """Wait `seconds` before each answer."""
        self._delay = seconds

    def hold(self) -> None:
        """Answer nothing until `release` (or 30 s)."""
        self._released.clear()

    def release(self) -> None:
        self._released.set()

    def accepted(self, path: str | None = None) -> list[Request]:
        """The requests answered 2xx (to `path` only, if given), in arrival order."""
        with self._lock:
            return [
                r
                for r in self.requests
                if 200 <= r.status < 300 and (path is None or r.path == path)
            ]

    def _wait(self) -> None:
        self._released.wait(30)
        if self._delay:
            time.sleep(self._delay)

    def _next_status(self) -> int:
        with self._lock:
            if self._answers:
                return self._answers.popleft()
            return self._always if self._always is not None else 200
