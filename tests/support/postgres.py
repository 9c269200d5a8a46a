"""The PostgreSQL server of the tests and benchmarks: databases made and dropped through its
admin database (user `postgres`, trust auth, on 127.0.0.1:5432 unless told otherwise)."""

from __future__ import annotations

import os
import uuid
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg

LOCAL_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
# Drops at once: each DROP DATABASE waits for a checkpoint, and drops waiting together share one.
DROPPERS = 4


@dataclass(frozen=True)
class PostgresServer:
    """A server reached through the URL of its admin database."""

    admin_url: str

    @classmethod
    def from_env(cls, variable: str) -> PostgresServer:
        """The server `variable` names (an admin database URL), else the local one."""
        return cls(os.environ.get(variable, LOCAL_ADMIN_URL))

    def url(self, name: str) -> str:
        """The URL of database `name` on this server."""
        return f"{self.admin_url.rsplit('/', 1)[0]}/{name}"

    def create(self, prefix: str, template: str | None = None) -> str:
        """A new database `<prefix>_<random>` (a copy of `template` if given): its name."""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        copy = f' TEMPLATE "{template}"' if template else ""
        with self._admin() as admin:
            admin.execute(f'CREATE DATABASE "{name}"{copy}')
        return name

    def drop(self, name: str) -> None:
        """Drop database `name`, whoever is still connected to it."""
        with self._admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    @contextmanager
    def database(self, prefix: str, template: str | None = None) -> Iterator[str]:
        """The URL of a new database (see `create`), dropped on exit."""
        name = self.create(prefix, template)
        try:
            yield self.url(name)
        finally:
            self.drop(name)

    def _admin(self) -> psycopg.Connection[Any]:
        return psycopg.connect(self.admin_url, autocommit=True)


TEST_SERVER = PostgresServer.from_env("INBOXSYNC_TEST_PG")


class DatabasePool:
    """Copies of one template made ahead, and databases dropped, on threads of their own: a
    test neither waits for its database to be copied nor for the last one to be dropped (a DROP
    DATABASE waits for a checkpoint). `close` drops whatever is left, once the drops are done."""

    def __init__(self, server: PostgresServer, template: str, prefix: str, ahead: int = 2) -> None:
        self.server, self.template, self.prefix = server, template, prefix
        self._creating = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pg-create")
        self._dropping = ThreadPoolExecutor(max_workers=DROPPERS, thread_name_prefix="pg-drop")
        self._drops: list[Future[None]] = []
        self._ready: deque[Future[str]] = deque(self._copy() for _ in range(ahead))

    def take(self) -> str:
        """The name of a fresh copy of the template (drop it with `drop`)."""
        name = self._ready.popleft().result()
        self._ready.append(self._copy())
        return name

    def drop(self, name: str) -> None:
        """Drop database `name` soon, whoever is still connected to it."""
        self._drops.append(self._dropping.submit(self.server.drop, name))

    def close(self) -> None:
        """Drop the copies made ahead, and wait for every drop."""
        self._creating.shutdown(wait=True)
        for made in self._ready:
            self.drop(made.result())
        self._dropping.shutdown(wait=True)
        for dropped in self._drops:
            dropped.result()  # a failed drop fails the run

    def _copy(self) -> Future[str]:
        return self._creating.submit(self.server.create, self.prefix, self.template)
