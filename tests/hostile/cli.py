"""The `inboxsync` console script of the venv, run as an operator runs it: a subprocess (its
one-line errors and exit codes are what the hostile runs check), timed, with a timeout."""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.cli import CONSOLE_SCRIPT, clean_env

TIMEOUT_SECONDS = 300.0


@dataclass(frozen=True)
class CliRun:
    """One command: its arguments, exit code (None when it timed out), output and wall time."""

    args: tuple[str, ...]
    returncode: int | None
    stdout: str
    stderr: str
    seconds: float

    def describe(self) -> str:
        """The command, how it ended, and the end of its stderr, for assertion messages."""
        ended = "timed out" if self.returncode is None else f"exit {self.returncode}"
        tail = self.stderr.strip()[-3000:]
        return f"inboxsync {' '.join(self.args)}: {ended} after {self.seconds:.1f} s\n{tail}"

    def report(self) -> dict[str, Any]:
        """The `--json` report on stdout; AssertionError (with stderr) when there is none."""
        try:
            report = json.loads(self.stdout)
        except json.JSONDecodeError:
            raise AssertionError(f"no JSON report on stdout: {self.describe()}") from None
        assert isinstance(report, dict), self.describe()
        return report


def inboxsync(db: str, *args: str, cwd: Path, env: dict[str, str] | None = None) -> CliRun:
    """Run `inboxsync --db DB ARGS…` with a clean environment (no INBOXSYNC_ or OPENAI_
    variable of the caller) plus `env`."""
    command = (str(CONSOLE_SCRIPT), "--db", db, *args)
    started = time.perf_counter()
    try:
        done = subprocess.run(
            command, capture_output=True, cwd=cwd, env=clean_env(env), timeout=TIMEOUT_SECONDS
        )
    except subprocess.TimeoutExpired as exc:
        return CliRun(
            args, None, _text(exc.stdout), _text(exc.stderr), time.perf_counter() - started
        )
    return CliRun(
        args,
        done.returncode,
        _text(done.stdout),
        _text(done.stderr),
        time.perf_counter() - started,
    )


def _text(output: bytes | str | None) -> str:
    if output is None:
        return ""
    return output if isinstance(output, str) else output.decode("utf-8", "replace")
