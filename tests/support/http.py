"""The HTTP API in tests: a real uvicorn server in a thread on a free loopback port over the
test's database, and an httpx client on it."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import uvicorn
from fastapi import FastAPI

from inboxsync import Settings
from inboxsync.server import create_app

START_TIMEOUT_SECONDS = 10.0
T = TypeVar("T")


@dataclass(frozen=True)
class ApiServer:
    """A running API: its base URL and the app it serves."""

    url: str
    app: FastAPI

    def client(self, key: str | None = None, **options: object) -> httpx.Client:
        """An httpx client on the server, sending `key` as its bearer token when given."""
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30, **options)  # type: ignore[arg-type]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def api_server(settings: Settings, **app_options: object) -> Iterator[ApiServer]:
    """Serve `create_app(settings)` on loopback until the block ends; wait until it answers."""
    app = create_app(settings, **app_options)  # type: ignore[arg-type]
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=1
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the API server did not start on port {port}")
        time.sleep(0.02)
    try:
        yield ApiServer(url, app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(coroutine)` on a thread of its own: this thread may run a loop already (the
    browser tests' Playwright does, for the rest of a pytest worker that ran them first)."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()
