"""The TLS certificate of the outbound tests' STARTTLS and implicit-TLS SMTP servers (the
plain recording server is the run's, in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.smtp_server import make_cert


@pytest.fixture(scope="session")
def smtp_cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_cert(tmp_path_factory.mktemp("smtp-tls"))
