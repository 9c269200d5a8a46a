"""Fixtures of the hostile suite: the mix, imported once per database and layout.

The wall time of each import is printed in the terminal summary (with or without `-s`) and
recorded as a property of the timing test (JUnit XML).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from tests.hostile.runs import TIMINGS, HostileImports


@pytest.fixture(scope="session")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostileImports]:
    with ExitStack() as stack:
        yield HostileImports(tmp_path_factory, stack)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TIMINGS:
        terminalreporter.section("hostile mix: wall time of the CLI imports")
        for line in TIMINGS:
            terminalreporter.write_line(line)
