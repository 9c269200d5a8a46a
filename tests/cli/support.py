"""Running the CLI in tests: the installed console script in a real process, or the Typer
app in-process with `CliRunner`; and the shape every failure must have."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner, Result

from inboxsync.cli import app

CONSOLE_SCRIPT = Path(sys.executable).with_name("inboxsync")


def console_script(
    *args: str, db: str | None = None, stdin: bytes | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `inboxsync [--db DB] ARGS…` as an operator would, without our settings' variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INBOXSYNC_", "OPENAI_"))}
    prefix = ["--db", db] if db else []
    completed = subprocess.run(
        [str(CONSOLE_SCRIPT), *prefix, *args],
        input=stdin if stdin is not None else b"",
        capture_output=True,
        env=env,
        timeout=120,
    )
    return subprocess.CompletedProcess(
        completed.args,
        completed.returncode,
        completed.stdout.decode("utf-8", "replace"),
        completed.stderr.decode("utf-8", "replace"),
    )


def invoke(*args: str, db: str) -> Result:
    """Run `inboxsync --db DB ARGS…` in-process."""
    return CliRunner().invoke(app, ["--db", db, *args])


def assert_one_line_error(stderr: str, needle: str) -> None:
    """`stderr` is a single `error:` line that mentions `needle`, and no traceback."""
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: "), stderr
    assert needle in lines[0], stderr
