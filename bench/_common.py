"""Shared by the benchmarks: fresh databases, child processes, peak RSS, tables."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

# The benchmarks use the tests' servers and helpers (tests/support), never their conftests.
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.postgres import PostgresServer  # noqa: E402

POSTGRES = PostgresServer.from_env("INBOXSYNC_BENCH_PG")
BACKENDS = ("sqlite", "postgresql")
RESULT_MARK = "BENCH-RESULT "

err = Console(stderr=True, highlight=False, soft_wrap=True)


def console(json_mode: bool) -> Console:
    """Human output (wide, so a table never wraps in a log file); silent in --json mode."""
    return Console(width=400, highlight=False, soft_wrap=True, quiet=json_mode)


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class ProcessTree:
    """Samples the peak RSS (VmHWM) and CPU time of this process's descendants, such as the
    pipeline's parse workers and their forkserver, which RUSAGE_SELF does not see."""

    def __init__(self, interval: float = 0.1) -> None:
        self.interval = interval
        self.peak_kb: dict[int, int] = {}
        self.cpu_seconds: dict[int, float] = {}
        self.peak_pss_kb = 0  # of this process and its descendants together, as sampled
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> ProcessTree:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    @property
    def peak_mb(self) -> float:
        """The descendants' peak RSS, summed (shared pages counted once per process)."""
        return sum(self.peak_kb.values()) / 1024

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        ticks = os.sysconf("SC_CLK_TCK")
        descendants = _descendants(os.getpid())
        pss = sum(_pss_kb(pid) for pid in [os.getpid(), *descendants])
        self.peak_pss_kb = max(self.peak_pss_kb, pss)
        for pid in descendants:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                stat = Path(f"/proc/{pid}/stat").read_text()
            except OSError:
                continue  # gone since we listed it
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    self.peak_kb[pid] = max(self.peak_kb.get(pid, 0), int(line.split()[1]))
            fields = stat.rpartition(")")[2].split()
            self.cpu_seconds[pid] = (int(fields[11]) + int(fields[12])) / ticks


def _pss_kb(pid: int) -> int:
    """Proportional set size: pages shared between processes are split between them."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    for line in rollup.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                children = Path(f"/proc/{parent}/task/{task}/children").read_text().split()
            except OSError:
                continue
            found += map(int, children)
            todo += map(int, children)
    return found


def snapshot_source(root: Path, workdir: Path) -> Path:
    """Copy `root`/src into `workdir` and put the copy first on the import path of this process
    and of its children: every import of a run then measures the same code, whatever is
    edited in the checkout meanwhile."""
    target = workdir / "src"
    shutil.copytree(
        root / "src", target, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    sys.path.insert(0, str(target))
    inherited = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(target), *([inherited] if inherited else [])])
    return target


def code_state(root: Path, src: Path) -> dict[str, Any]:
    """The commit checked out in `root`, the files changed under its src/ since, and a digest
    of the sources in `src` (the copy that the run imports)."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
        return done.stdout.strip()

    digest = hashlib.sha256()
    for path in sorted(src.rglob("*.py")):
        digest.update(str(path.relative_to(src)).encode() + b"\0" + path.read_bytes())
    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "changed_under_src": git("status", "--porcelain", "--", "src").splitlines(),
        "src_digest": digest.hexdigest()[:16],
    }


def loaded_code_digest(package: str = "inboxsync") -> str:
    """A digest of the source of every module of `package` this process has loaded."""
    digest = hashlib.sha256()
    for name in sorted(n for n in sys.modules if n == package or n.startswith(package + ".")):
        path = getattr(sys.modules[name], "__file__", None)
        if path:
            digest.update(name.encode() + b"\0" + Path(path).read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Database:
    """A fresh, migrated database holding one company."""

    backend: str
    url: str
    company: str


@contextmanager
def fresh_database(
    backend: str, workdir: Path, company: str, addresses: Sequence[str]
) -> Iterator[Database]:
    """A new SQLite file in `workdir` or a new PostgreSQL database `bench_<random>`, migrated,
    with `company` created; removed (dropped) on exit."""
    from inboxsync.api import Inbox
    from inboxsync.config import Settings

    with ExitStack() as cleanup:
        if backend == "sqlite":
            folder = Path(tempfile.mkdtemp(prefix="db-", dir=workdir))
            cleanup.callback(shutil.rmtree, folder, ignore_errors=True)
            url = f"sqlite:///{folder / 'bench.db'}"
        else:
            url = cleanup.enter_context(POSTGRES.database("bench"))
        inbox = Inbox.initialise(Settings(db=url))
        inbox.add_company(company, list(addresses))
        inbox.close()
        yield Database(backend, url, company)


def run_child(script: Path, task: dict[str, Any]) -> dict[str, Any]:
    """Run `script --child TASK` in a fresh interpreter and return the JSON it reports."""
    done = subprocess.run(
        [sys.executable, str(script), "--child", json.dumps(task)],
        capture_output=True,
        text=True,
        check=False,
    )
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(RESULT_MARK):
            return json.loads(line[len(RESULT_MARK) :])  # type: ignore[no-any-return]
    raise RuntimeError(
        f"benchmark child failed ({done.returncode}) on {task}:\n{done.stderr[-4000:]}"
    )


def report_result(result: dict[str, Any]) -> None:
    """What a child prints last: its result, peak RSS included."""
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    print(RESULT_MARK + json.dumps(result), flush=True)


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> Table:
    """A Rich table, numbers right-aligned."""
    out = Table(title=title, title_justify="left", box=box.MARKDOWN, pad_edge=False)
    for i, name in enumerate(columns):
        numeric = bool(rows) and not isinstance(rows[0][i], str)
        out.add_column(name, justify="right" if numeric else "left", no_wrap=True)
    for row in rows:
        out.add_row(*(cell if isinstance(cell, str) else fmt(cell) for cell in row))
    return out


def fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        if value >= 100:
            return f"{value:,.0f}"
        if value >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def verdict(passed: bool) -> str:
    return "PASS" if passed else "MISS"


def ensure_tools(*commands: str) -> None:
    """Install what the benchmark's peers need (Dovecot, mbsync, mu) from Debian's packages when
    one of `commands` is missing, through the script the test suite uses."""
    missing = [c for c in commands if shutil.which(c) is None and not Path(c).exists()]
    if not missing:
        return
    err.print(f"installing {', '.join(missing)} from Debian: scripts/install-test-services.sh")
    script = Path(__file__).resolve().parents[1] / "scripts" / "install-test-services.sh"
    subprocess.run(["bash", str(script)], check=True, stdout=subprocess.DEVNULL)
