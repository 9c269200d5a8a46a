"""SMTP servers for the outbound tests: plain, STARTTLS and implicit TLS, on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.smtp_server import SmtpServer, make_cert


@pytest.fixture(scope="session")
def smtp_cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_cert(tmp_path_factory.mktemp("smtp-tls"))


@pytest.fixture(scope="session")
def _smtp_plain() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp(_smtp_plain: SmtpServer) -> Iterator[SmtpServer]:
    """The recording SMTP server, emptied for each test."""
    _smtp_plain.reset()
    yield _smtp_plain
    _smtp_plain.reset()
