"""Running the CLI in tests: in-process through `typer.testing.CliRunner` (what most tests do:
the app's own entry point, so exit codes and one-line errors are those of the console script),
or as the installed console script in a real process, for what only a process shows (exiting,
signals, two runs at once, stdin, the file system refusing it). Either way without the test
process's INBOXSYNC_ and OPENAI_ variables, so that only what a test passes counts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner, Result

from inboxsync.cli import app

CONSOLE_SCRIPT = Path(sys.executable).with_name("inboxsync")
OUR_VARIABLES = ("INBOXSYNC_", "OPENAI_")


def clean_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment without our settings' variables, plus `env`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(OUR_VARIABLES)}
    return clean | (env or {})


def invoke(*args: str, db: str | None = None, env: dict[str, str] | None = None) -> Result:
    """Run `inboxsync [--db DB] ARGS…` in-process, with `env` as the only settings' variables."""
    unset: dict[str, str | None] = {k: None for k in os.environ if k.startswith(OUR_VARIABLES)}
    prefix = ["--db", db] if db else []
    return CliRunner().invoke(app, [*prefix, *args], env=unset | dict(env or {}))


def ok(result: Result) -> str:
    """The stdout of a command that must have succeeded."""
    assert result.exit_code == 0, result.output
    return result.stdout


def console_script(
    *args: str,
    db: str | None = None,
    env: dict[str, str] | None = None,
    stdin: bytes | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `inboxsync [--db DB] ARGS…` as an operator would, in a process of its own."""
    prefix = ["--db", db] if db else []
    completed = subprocess.run(
        [str(CONSOLE_SCRIPT), *prefix, *args],
        input=stdin if stdin is not None else b"",
        capture_output=True,
        env=clean_env(env),
        timeout=120,
    )
    return subprocess.CompletedProcess(
        completed.args,
        completed.returncode,
        completed.stdout.decode("utf-8", "replace"),
        completed.stderr.decode("utf-8", "replace"),
    )


def spawn(*args: str, db: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """Start `inboxsync --db DB ARGS…` in a process of its own and return at once."""
    return subprocess.Popen(
        [str(CONSOLE_SCRIPT), "--db", db, *args],
        env=clean_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def assert_one_line_error(stderr: str, needle: str) -> None:
    """`stderr` is a single `error:` line that mentions `needle`, and no traceback."""
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: "), stderr
    assert needle in lines[0], stderr
