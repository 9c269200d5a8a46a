"""The PostgreSQL server of the tests and benchmarks: databases made and dropped through its
admin database (user `postgres`, trust auth, on 127.0.0.1:5432 unless told otherwise)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg

LOCAL_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


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
