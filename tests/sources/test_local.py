"""The import path itself: a FIFO, a socket, a device or /dev/stdin is one clear error, at once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from inboxsync.api import Inbox
from inboxsync.config import Settings
from inboxsync.errors import SourceError
from inboxsync.sources.local import open_source
from tests.sources.helpers import deadline, make_special, message

OPEN_STDIN = (
    "from pathlib import Path\n"
    "from inboxsync.errors import SourceError\n"
    "from inboxsync.sources.local import open_source\n"
    "try:\n"
    "    open_source(Path('/dev/stdin'))\n"
    "except SourceError as exc:\n"
    "    print(exc)\n"
)


@pytest.mark.parametrize("kind", ["fifo", "socket", "character device"])
def test_a_special_import_path_is_a_source_error_without_blocking(
    tmp_path: Path, kind: str
) -> None:
    make_special(tmp_path / "path", kind)

    with deadline(10), pytest.raises(SourceError) as caught:
        open_source(tmp_path / "path")

    assert str(caught.value) == (
        f"{tmp_path / 'path'} is a {kind}, not a Maildir, an mbox file or a folder of messages"
    )


@pytest.mark.parametrize(
    ("stdin", "kind"), [(subprocess.PIPE, "fifo"), (subprocess.DEVNULL, "character device")]
)
def test_dev_stdin_from_a_pipe_or_a_device_is_a_source_error(stdin: int, kind: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", OPEN_STDIN], stdin=stdin, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert (
        result.stdout
        == f"/dev/stdin is a {kind}, not a Maildir, an mbox file or a folder of messages\n"
    )


def test_a_missing_import_path_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file or directory"):
        open_source(tmp_path / "absent")


def test_a_link_loop_as_import_path_is_a_source_error(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")

    with pytest.raises(SourceError, match=r"cannot read .*: Too many levels of symbolic links"):
        open_source(tmp_path / "a")


@pytest.mark.parametrize("path", ["fifo", "/dev/stdin"])
def test_cli_import_of_a_fifo_or_stdin_prints_one_line_and_exits(
    db_url: str, tmp_path: Path, path: str
) -> None:
    Inbox(Settings(db=db_url)).add_company("Acme", ["support@acme.example"])
    target = tmp_path / "fifo"
    make_special(target, "fifo")
    argument = str(target) if path == "fifo" else path

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "inboxsync",
            "--db",
            db_url,
            "import",
            "--company",
            "Acme",
            argument,
        ],
        input=message(1).decode(),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode in (1, 2)
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"error: {argument} is a fifo")
