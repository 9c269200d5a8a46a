"""Every failure of the installed `inboxsync` script is one line on stderr: exit 2 for a wrong
setting or usage, exit 1 for anything else, the traceback only with --verbose."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import typer
from sqlalchemy import event
from sqlalchemy.pool import Pool
from typer.testing import CliRunner

from inboxsync.cli._app import Commands
from tests.factories import make_message, write_files
from tests.support.cli import assert_one_line_error, console_script, invoke

PASSWORD = "hunter2"


@pytest.mark.parametrize(
    ("url", "needle"),
    [
        (f"mysql://app:{PASSWORD}@db.example/mail", "unsupported database 'mysql'"),
        ("foo+bar://x", "unsupported database 'foo+bar'"),
        (f"postgresql://app:{PASSWORD}@db.example:abc/mail", "port is not a number"),
        (f"postgresql://app:{PASSWORD}@db.example:70000/mail", "between 1 and 65535"),
        (
            f"postgresql+psycopg2://app:{PASSWORD}@db.example/mail",
            "driver for 'postgresql+psycopg2' is not installed",
        ),
        (f"app:{PASSWORD}@db.example", "cannot be parsed"),
    ],
)
def test_an_unusable_database_url_is_one_line_exit_2_without_its_password(
    url: str, needle: str
) -> None:
    result = console_script("company", "list", db=url)
    assert result.returncode == 2
    assert_one_line_error(result.stderr, needle)
    assert PASSWORD not in result.stderr


def test_an_unreachable_postgresql_is_one_line_exit_1_without_its_password() -> None:
    result = console_script("company", "list", db=f"postgresql://postgres:{PASSWORD}@127.0.0.1:1/x")
    assert result.returncode == 1
    assert_one_line_error(result.stderr, "cannot reach the database")
    assert PASSWORD not in result.stderr


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make `path` unwritable until the block ends, for root too (the immutable attribute)."""
    if os.geteuid() != 0:
        mode = path.stat().st_mode
        path.chmod(mode & ~0o222)
        try:
            yield
        finally:
            path.chmod(mode)
        return
    try:
        subprocess.run(["chattr", "+i", str(path)], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("root cannot be kept from writing here (no chattr +i)")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def sqlite_with_company(folder: Path) -> str:
    """A migrated SQLite database in `folder` holding the company Acme; returns its URL."""
    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{folder / 'inbox.db'}"
    assert console_script("init", db=url).returncode == 0
    assert console_script("company", "add", "Acme", db=url).returncode == 0
    return url


def one_message_folder(tmp_path: Path) -> Path:
    return write_files(tmp_path / "mail", {"1.eml": make_message(msgid="<1@c.example>")})


def test_an_import_into_a_read_only_database_file_is_one_line_exit_1(tmp_path: Path) -> None:
    url = sqlite_with_company(tmp_path / "db")
    mail = one_message_folder(tmp_path)
    with read_only(tmp_path / "db" / "inbox.db"):
        result = console_script("import", "--company", "Acme", str(mail), db=url)
    assert result.returncode == 1
    assert_one_line_error(result.stderr, "readonly database")


def test_a_database_in_a_read_only_directory_is_one_line_exit_1(tmp_path: Path) -> None:
    url = sqlite_with_company(tmp_path / "db")
    mail = one_message_folder(tmp_path)
    with read_only(tmp_path / "db"):
        result = console_script("import", "--company", "Acme", str(mail), db=url)
    assert result.returncode == 1
    assert_one_line_error(result.stderr, "database")


def test_verbose_shows_the_traceback_but_never_the_sql_parameters(tmp_path: Path) -> None:
    url = sqlite_with_company(tmp_path / "db")
    with read_only(tmp_path / "db" / "inbox.db"):
        result = console_script("--verbose", "company", "add", "Confidential Client Ltd", db=url)
    assert result.returncode == 1
    assert "Traceback" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("error: database error: ")
    assert "Confidential Client Ltd" not in result.stderr


def many_messages(tmp_path: Path, count: int) -> Path:
    """`count` messages of about 6 KB each."""
    return write_files(
        tmp_path / "mail",
        {
            f"{n}.eml": make_message(msgid=f"<{n}@c.example>", body=os.urandom(3000).hex())
            for n in range(count)
        },
    )


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MB tmpfs, unmounted afterwards (skipped where tmpfs cannot be mounted): room for
    the migrated schema (270 KB, and its WAL while a company is added), not for the mail."""
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    mount = ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)]
    try:
        subprocess.run(mount, check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("cannot mount a tmpfs here (it takes root)")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=True)


def test_an_import_onto_a_full_disk_is_one_line_exit_1(tiny_disk: Path, tmp_path: Path) -> None:
    url = sqlite_with_company(tiny_disk)
    mail = many_messages(tmp_path, 400)  # 2.4 MB of mail for 1 MB of disk
    result = console_script("import", "--company", "Acme", str(mail), db=url)
    assert result.returncode == 1
    assert_one_line_error(result.stderr, "full")


def test_a_database_that_reaches_its_size_limit_is_one_line_exit_1(tmp_path: Path) -> None:
    """SQLite's own 'database or disk is full', where no tmpfs can be mounted: each new
    connection may grow the file by two pages at most."""
    url = sqlite_with_company(tmp_path / "db")
    mail = many_messages(tmp_path, 50)

    def cap_size(dbapi_connection: object, _record: object) -> None:
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        pages = cursor.execute("PRAGMA page_count").fetchone()[0]
        cursor.execute(f"PRAGMA max_page_count = {pages + 2}")
        cursor.close()

    event.listen(Pool, "connect", cap_size)
    try:
        result = invoke("import", "--company", "Acme", str(mail), db=url)
    finally:
        event.remove(Pool, "connect", cap_size)
    assert result.exit_code == 1
    assert_one_line_error(result.stderr, "database or disk is full")


def test_dev_stdin_as_the_import_path_is_one_line_exit_1(tmp_path: Path) -> None:
    url = sqlite_with_company(tmp_path / "db")
    result = console_script("import", "--company", "Acme", "/dev/stdin", db=url, stdin=b"hello\n")
    assert result.returncode == 1
    assert_one_line_error(result.stderr, "/dev/stdin")


def test_an_unexpected_exception_is_one_line_and_its_traceback_is_for_verbose() -> None:
    """No command of ours raises a bare exception on purpose; one made for the test does."""
    app = typer.Typer(cls=Commands)

    @app.callback()
    def root(verbose: bool = typer.Option(False, "--verbose")) -> None:
        """The real app's root takes --verbose too; the error boundary reads it."""

    @app.command()
    def broken() -> None:
        raise KeyError("no such key")

    quiet = CliRunner().invoke(app, ["broken"])
    assert quiet.exit_code == 1
    assert_one_line_error(quiet.stderr, "unexpected KeyError: 'no such key'")
    verbose = CliRunner().invoke(app, ["--verbose", "broken"])
    assert verbose.exit_code == 1
    assert "Traceback" in verbose.stderr and 'raise KeyError("no such key")' in verbose.stderr
