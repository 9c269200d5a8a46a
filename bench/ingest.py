"""Ingestion benchmark: inboxsync's batched pipeline against the note's one-by-one workflow.

    .venv/bin/python bench/ingest.py               # everything (10–15 minutes on 2 cores)
    .venv/bin/python bench/ingest.py --quick       # no 10,000 / 100,000; a 50,000-message store
    .venv/bin/python bench/ingest.py --only store,sqlite --store-size 200000
    .venv/bin/python bench/ingest.py --json > run.json

Sections: `throughput` (public corpus, 140, 1,000 and 10,000 generated messages, on SQLite
and PostgreSQL, inboxsync and the baseline of bench/baseline.py), `store` (140 new messages
into an empty store and into one already holding --store-size messages), `memory` (peak
RSS of a 100,000-message import) and `peers` (the whole `inboxsync import` process beside
`mu index` on the same 10,000-message Maildir; mu comes from Debian's maildir-utils, installed
when missing). Every import runs in a fresh interpreter on a fresh database,
so peak RSS is the import's own (its parse workers are sampled from /proc). Ingestion only: the
pipeline's `ingest`, without the AI detector and classification follow-up that
`Inbox.import_path` adds. Nothing printed is hard-coded: every figure is of this run.
See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _common import (
    BACKENDS,
    code_state,
    console,
    ensure_tools,
    err,
    fresh_database,
    run_child,
    snapshot_source,
    table,
)
from _common import verdict as pass_or_miss
from _ingest_child import COMPANY, DOMAIN

SCRIPT = Path(__file__).resolve()
CHILD = SCRIPT.with_name("_ingest_child.py")
CORPUS = SCRIPT.parents[2] / "shared" / "corpus"
ADDRESSES = [f"{box}@{DOMAIN}" for box in ("support", "contact", "billing", "sales")]
BASELINE_CAP = 1_000  # the baseline imports at most this many messages of a large source
STORE_MESSAGES = 140
STORE_SEEDS = tuple(range(7001, 7010))
MEMORY_MESSAGES = 100_000

TARGET_RT_RATIO = 50.0
TARGET_SPEED_RATIO = 10.0
TARGET_MSGS_PER_S = 2_000.0
TARGET_STORE_SLOWDOWN = 1.5
TARGET_RSS_MB = 300.0
PEER_MESSAGES = 10_000
TARGET_VS_MU = {"sqlite": 1.0, "postgresql": 0.7}  # messages/s of `mu index` on the same Maildir

IMPORT_COLUMNS = [
    "source", "db", "engine", "messages", "msgs/s", "min–max msgs/s", "wall s", "CPU s",
    "round trips", "RT/msg", "commits", "peak RSS MB", "peak PSS, all procs",
    "stored msgs/convs/clients", "where the time goes", "target",
]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the 10,000/100,000 scenarios")
    parser.add_argument(
        "--only", default="", help="comma-separated names that a scenario must all carry: "
        "throughput, store, memory, peers, corpus, 140, 1000, 10000, sqlite, postgresql",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.add_argument("--store-size", type=int, help="messages in the full store (1,000,000)")
    parser.add_argument("--runs", type=int, help="runs per throughput figure (3; --quick: 1)")
    parser.add_argument("--repeat", type=int, default=9, help="runs per store measurement")
    parser.add_argument("--batch-size", type=int, help="pipeline batch size (default: Settings)")
    parser.add_argument(
        "--parse-workers", type=int, help="Settings.parse_workers (default: its own)"
    )
    parser.add_argument("--save", type=Path, help="also write the JSON object to this file")
    args = parser.parse_args()
    args.repeat = max(1, min(args.repeat, len(STORE_SEEDS)))
    args.runs = max(1, args.runs or (1 if args.quick else 3))
    store_size = args.store_size or (50_000 if args.quick else 1_000_000)
    bench = Bench(args, store_size)
    try:
        bench.run()
    finally:
        shutil.rmtree(bench.workdir, ignore_errors=True)


class Bench:
    """Runs the selected scenarios, prints a table per section and collects every figure."""

    def __init__(self, args: argparse.Namespace, store_size: int) -> None:
        self.args = args
        self.only = {w.strip() for w in args.only.split(",") if w.strip()}
        self.store_size = store_size
        self.out = console(args.json)
        self.workdir = Path(tempfile.mkdtemp(prefix="inboxsync-bench-"))
        self.src = snapshot_source(SCRIPT.parents[1], self.workdir)
        self.maildirs: dict[tuple[int, int], Path] = {}
        self.results: dict[str, Any] = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {
                "cpus": len(os.sched_getaffinity(0)),
                "python": platform.python_version(),
                "platform": platform.platform(),
                "load_average_at_start": os.getloadavg(),
            },
            "options": {
                "quick": args.quick,
                "only": sorted(self.only),
                "store_size": store_size,
                "repeat": args.repeat,
                "runs": args.runs,
                "batch_size": args.batch_size,
                "parse_workers": args.parse_workers,
            },
            "code": code_state(SCRIPT.parents[1], self.src),
            "throughput": [],
            "store": [],
            "memory": [],
            "peers": [],
            "targets": [],
        }

    def run(self) -> None:
        machine = self.results["machine"]
        load = ", ".join(f"{x:.1f}" for x in machine["load_average_at_start"])
        code = self.results["code"]
        changed = len(code["changed_under_src"])
        self.out.print(
            f"inboxsync ingestion benchmark, {self.results['date']}: {machine['cpus']} CPUs, "
            f"Python {machine['python']}, load average {load} at start; code: src/ at "
            f"{code['commit']} with {changed} changed file(s), copied to {self.src} "
            f"(digest {code['src_digest']}) and imported from there\n"
        )
        started = time.perf_counter()
        self.throughput()
        self.store()
        self.memory()
        self.peers()
        machine["load_average_at_end"] = os.getloadavg()
        self.results["seconds"] = round(time.perf_counter() - started, 1)
        self.print_targets()
        load = ", ".join(f"{x:.1f}" for x in machine["load_average_at_end"])
        self.out.print(f"{self.results['seconds']:.0f} s in all; load average {load} at the end")
        digests = sorted({r["code_digest"] for r in self._all_imports()})
        self.results["code_digests_of_imports"] = digests
        if len(digests) > 1:
            self.out.print(
                "[bold red]WARNING: the inboxsync modules that the imports loaded changed during "
                f"the run ({len(digests)} versions): figures mix versions[/]"
            )
        elif digests:
            self.out.print(f"every import ran the same inboxsync code (digest {digests[0]})")
        if self.args.json:
            print(json.dumps(self.results, indent=2))
        if self.args.save:
            self.args.save.write_text(json.dumps(self.results, indent=2) + "\n")

    def _all_imports(self) -> list[dict[str, Any]]:
        stores = self.results["store"]
        runs = [r for s in stores for r in (*s["empty"], *s["full"])]
        return [*self.results["throughput"], *runs, *self.results["memory"]]

    def show(self, title: str, columns: list[str], rows: list[list[Any]]) -> None:
        if rows:
            self.out.print(table(title, columns, rows))
            self.out.print()
            sys.stdout.flush()

    def wanted(self, *tags: str) -> bool:
        return not self.only or self.only <= set(tags)

    def maildir(self, n: int, seed: int = 42) -> Path:
        """A Maildir of `n` generated messages, written once per run."""
        if (n, seed) not in self.maildirs:
            from inboxsync.demo.synthetic import synthetic_messages, write_maildir_files

            root = self.workdir / f"maildir-{n}-{seed}"
            started = time.perf_counter()
            write_maildir_files(root, synthetic_messages(n, seed, DOMAIN))
            err.print(f"  wrote {n:,} messages to {root} in {time.perf_counter() - started:.1f} s")
            self.maildirs[n, seed] = root
        return self.maildirs[n, seed]

    def measure(self, backend: str, path: Path, engine: str, limit: int | None = None) -> Any:
        """One import in a child process on a fresh database."""
        with fresh_database(backend, self.workdir, COMPANY, ADDRESSES) as db:
            return self.import_into(db.url, path, engine, limit)

    def median_run(self, backend: str, path: Path, engine: str, limit: int | None = None) -> Any:
        """The run of median wall time among --runs imports, with every run's msgs/s."""
        runs = sorted(
            (self.measure(backend, path, engine, limit) for _ in range(self.args.runs)),
            key=lambda r: r["wall_seconds"],
        )
        median = runs[len(runs) // 2]
        median["runs_msgs_per_s"] = [r["msgs_per_s"] for r in runs]
        return median

    def import_into(self, url: str, path: Path, engine: str, limit: int | None = None) -> Any:
        task = {"kind": "import", "url": url, "path": str(path), "engine": engine,
                "limit": limit, "batch_size": self.args.batch_size,
                "parse_workers": self.args.parse_workers}  # fmt: skip
        return run_child(CHILD, task)

    def target(self, name: str, goal: str, measured: str, passed: bool) -> str:
        """Record a target; returns the text printed beside the figure."""
        self.results["targets"].append(
            {"target": name, "goal": goal, "measured": measured, "pass": passed}
        )
        return f"{goal}: {pass_or_miss(passed)}"

    # --- (a) throughput ------------------------------------------------------------------

    def throughput(self) -> None:
        sources: list[tuple[str, int | None]] = [("corpus", None), ("140", 140), ("1000", 1000)]
        if not self.args.quick:
            sources.append(("10000", 10_000))
        rows: list[list[Any]] = []
        for name, n in sources:
            for backend in BACKENDS:
                if not self.wanted("throughput", name, backend):
                    continue
                if n is None and not CORPUS.is_dir():
                    err.print(f"[yellow]skipping the corpus: {CORPUS} is absent[/]")
                    continue
                label = "corpus" if n is None else f"{n:,} generated"
                path = CORPUS if n is None else self.maildir(n)
                err.print(f"throughput: {label} · {backend} · inboxsync")
                ours = self.median_run(backend, path, "inboxsync")
                cap = BASELINE_CAP if n is None or n > BASELINE_CAP else None
                err.print(f"throughput: {label} · {backend} · baseline")
                base = self.median_run(backend, path, "baseline", cap)
                rows += self.compare(name, label, backend, ours, base, cap)
        self.show(
            "(a) Throughput: inboxsync vs the one-by-one baseline; the median of "
            f"{self.args.runs} runs (each a fresh process and database); ratios per message",
            IMPORT_COLUMNS,
            rows,
        )

    def compare(
        self, name: str, label: str, backend: str, ours: Any, base: Any, cap: int | None
    ) -> list[list[Any]]:
        """The two result rows and the ratio row of one source on one database."""
        rt_ratio = _per_message(base, "round_trips") / max(_per_message(ours, "round_trips"), 1e-9)
        speed_ratio = ours["msgs_per_s"] / base["msgs_per_s"]
        commit_ratio = _per_message(base, "commits") / max(_per_message(ours, "commits"), 1e-9)
        for engine, r in (("inboxsync", ours), ("baseline", base)):
            r.update(
                source=name, backend=backend, engine=engine, limited_to=cap if r is base else None
            )
            self.results["throughput"].append(r)
        self.results.setdefault("ratios", []).append(
            {"source": name, "backend": backend, "round_trip_ratio": rt_ratio,
             "commit_ratio": commit_ratio, "throughput_ratio": speed_ratio}
        )  # fmt: skip
        ours_target, ratio_target = "", ""
        if name == "1000":
            ratio_target = "; ".join((
                self.target(f"round trips at 1,000 messages ({backend})",
                            f"≥ {TARGET_RT_RATIO:.0f}× fewer", f"{rt_ratio:,.0f}× fewer",
                            rt_ratio >= TARGET_RT_RATIO),
                self.target(f"throughput at 1,000 messages ({backend})",
                            f"≥ {TARGET_SPEED_RATIO:.0f}× baseline", f"{speed_ratio:.1f}×",
                            speed_ratio >= TARGET_SPEED_RATIO),
            ))  # fmt: skip
        if name == "10000" and backend == "sqlite":
            ours_target = self.target(
                "10,000-message Maildir into SQLite", f"≥ {TARGET_MSGS_PER_S:,.0f} msgs/s",
                f"{ours['msgs_per_s']:,.0f} msgs/s", ours["msgs_per_s"] >= TARGET_MSGS_PER_S,
            )  # fmt: skip
        basis = f"baseline: first {cap:,} messages" if cap else "same messages"
        return [
            _import_row(label, backend, "inboxsync", ours, ours_target),
            _import_row(label, backend, "baseline", base, ""),
            [label, backend, "ratio", basis, f"{speed_ratio:.1f}×", "", "", "", "",
             f"{rt_ratio:,.0f}× fewer", f"{commit_ratio:,.0f}× fewer", "", "", "", "",
             ratio_target],
        ]  # fmt: skip

    # --- (b) store size ------------------------------------------------------------------

    def store(self) -> None:
        rows: list[list[Any]] = []
        seeds = STORE_SEEDS[: self.args.repeat]
        for backend in BACKENDS:
            if not self.wanted("store", backend):
                continue
            empty = []
            for seed in seeds:
                err.print(f"store: {STORE_MESSAGES} into an empty {backend} store (seed {seed})")
                empty.append(self.measure(backend, self.maildir(STORE_MESSAGES, seed), "inboxsync"))
            with fresh_database(backend, self.workdir, COMPANY, ADDRESSES) as db:
                err.print(f"store: filling {backend} with {self.store_size:,} messages…")
                fill = run_child(CHILD, {"kind": "fill", "url": db.url, "size": self.store_size})
                err.print(f"  filled in {fill['seconds']['total']:.0f} s: {fill['seconds']}")
                full = []
                for seed in seeds:
                    err.print(f"store: {STORE_MESSAGES} into the full {backend} store ({seed})")
                    path = self.maildir(STORE_MESSAGES, seed)
                    full.append(self.import_into(db.url, path, "inboxsync"))
            t_empty = statistics.median(r["wall_seconds"] for r in empty)
            t_full = statistics.median(r["wall_seconds"] for r in full)
            slowdown = t_full / t_empty
            self.results["store"].append(
                {"backend": backend, "store_size": self.store_size, "seeds": seeds,
                 "fill": fill, "empty": empty, "full": full, "median_empty_s": t_empty,
                 "median_full_s": t_full, "slowdown": slowdown}
            )  # fmt: skip
            verdict = self.target(
                f"140 new messages into a {self.store_size:,}-message store ({backend})",
                f"≤ {TARGET_STORE_SLOWDOWN}× empty", f"{slowdown:.2f}×",
                slowdown <= TARGET_STORE_SLOWDOWN,
            )  # fmt: skip
            rows.append(_store_row(backend, "empty", 0, None, empty, t_empty, ""))
            rows.append(_store_row(backend, "full", fill["stored"]["messages"],
                                   fill["seconds"]["total"], full, t_full,
                                   f"{slowdown:.2f}× empty; {verdict}"))  # fmt: skip
        self.show(
            f"(b) {STORE_MESSAGES} new messages into an empty store vs a full one "
            f"(median of {len(seeds)} runs, each a fresh process and its own {STORE_MESSAGES} "
            "messages)",
            ["db", "store", "stored msgs", "fill s", "import s (median)", "min–max s",
             "round trips", "commits", "new msgs", "where the time goes", "ratio / target"],
            rows,
        )  # fmt: skip

    # --- (c) memory ----------------------------------------------------------------------

    def memory(self) -> None:
        if self.args.quick or not self.wanted("memory", "sqlite"):
            return
        path = self.maildir(MEMORY_MESSAGES)
        err.print(f"memory: {MEMORY_MESSAGES:,} messages into SQLite")
        r = self.measure("sqlite", path, "inboxsync")
        shutil.rmtree(path, ignore_errors=True)
        r.update(source=str(MEMORY_MESSAGES), backend="sqlite", engine="inboxsync")
        self.results["memory"].append(r)
        goal = f"< {TARGET_RSS_MB:.0f} MB"
        pss = r["peak_pss_mb_sampled"]
        own = self.target(
            f"peak RSS, {MEMORY_MESSAGES:,} messages into SQLite: the import's process",
            goal, f"{r['peak_rss_mb']:.0f} MB", r["peak_rss_mb"] < TARGET_RSS_MB,
        )  # fmt: skip
        total = self.target(
            f"peak memory, {MEMORY_MESSAGES:,} messages into SQLite: with its parse workers "
            "(PSS, sampled)",
            goal, f"{pss:.0f} MB", pss < TARGET_RSS_MB,
        )  # fmt: skip
        note = (
            f"process {own} ({r['rss_before_mb']:.0f} MB before the import); with workers "
            f"{total} (summed peak RSS, counting shared pages per process: {_total_rss(r):.0f} MB)"
        )
        self.show(
            f"(c) Peak RSS of a {MEMORY_MESSAGES:,}-message import (one Maildir) into SQLite",
            IMPORT_COLUMNS,
            [_import_row(f"{MEMORY_MESSAGES:,} generated", "sqlite", "inboxsync", r, note)],
        )

    # --- (d) peers -----------------------------------------------------------------------

    def peers(self) -> None:
        """`mu index` and the whole `inboxsync import` CLI process (full-text index, detector and
        follow-up included; no folders, so nothing to classify) on the same Maildir, alternated,
        --runs times each; medians compared."""
        backends = [b for b in BACKENDS if self.wanted("peers", "10000", b)]
        if not backends:
            return
        ensure_tools("mu")
        path = self.maildir(PEER_MESSAGES)
        mu_runs, ours = [], {b: [] for b in backends}
        for run in range(self.args.runs):
            err.print(f"peers: mu index, run {run + 1}")
            mu_runs.append(self.mu_index(path))
            for backend in backends:
                err.print(f"peers: inboxsync import · {backend}, run {run + 1}")
                ours[backend].append(self.cli_import(backend, path))
        mu = statistics.median(r["wall_seconds"] for r in mu_runs)
        rows: list[list[Any]] = [
            ["mu index (Xapian full-text)", "–", mu_runs[0]["messages"], PEER_MESSAGES / mu,
             _spread(mu_runs), "", ""]
        ]  # fmt: skip
        for backend, runs in ours.items():
            wall = statistics.median(r["wall_seconds"] for r in runs)
            ratio = mu / wall
            goal = TARGET_VS_MU[backend]
            verdict = self.target(
                f"10,000-message Maildir, whole CLI process, vs mu index ({backend})",
                f"≥ {goal:.1f}× mu", f"{ratio:.2f}×", ratio >= goal,
            )  # fmt: skip
            label = f"inboxsync import ({backend})"
            rows.append([label, backend, runs[0]["messages"], PEER_MESSAGES / wall,
                         _spread(runs), f"{ratio:.2f}× mu", verdict])  # fmt: skip
        self.results["peers"].append({"mu": mu_runs, "inboxsync": ours})
        self.show(
            f"(d) {PEER_MESSAGES:,} generated messages (one Maildir): the whole CLI process beside "
            f"mu index, alternated, median of {self.args.runs} run(s) each",
            ["run", "db", "messages", "msgs/s (median)", "wall s (each run)", "ratio", "target"],
            rows,
        )

    def mu_index(self, maildir: Path) -> dict[str, Any]:
        """`mu init` (untimed) then `mu index` into a fresh mu home; its wall time and count."""
        home = Path(tempfile.mkdtemp(prefix="mu-", dir=self.workdir))
        mu = ["mu", f"--muhome={home}"]
        quiet = {"check": True, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        subprocess.run([mu[0], "init", *mu[1:], f"--maildir={maildir}"], **quiet)
        started = time.perf_counter()
        subprocess.run([mu[0], "index", *mu[1:]], **quiet)
        wall = time.perf_counter() - started
        found = subprocess.run([mu[0], "find", *mu[1:], "--fields=i", ""],
                               capture_output=True, text=True, check=True)  # fmt: skip
        shutil.rmtree(home, ignore_errors=True)
        return {"wall_seconds": round(wall, 3), "messages": len(found.stdout.splitlines())}

    def cli_import(self, backend: str, maildir: Path) -> dict[str, Any]:
        """`python -m inboxsync import` into a fresh database (migrated, company created, both
        untimed): the wall time of the whole process, interpreter start included."""
        with fresh_database(backend, self.workdir, COMPANY, ADDRESSES) as db:
            command = [sys.executable, "-m", "inboxsync", "--db", db.url, "import",
                       str(maildir), "--company", COMPANY, "--json"]  # fmt: skip
            started = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            wall = time.perf_counter() - started
        report = json.loads(done.stdout)
        return {"wall_seconds": round(wall, 3), "messages": report["new_messages"],
                "seconds": report["seconds"]}  # fmt: skip

    def print_targets(self) -> None:
        rows = [[t["target"], t["goal"], t["measured"], pass_or_miss(t["pass"])]
                for t in self.results["targets"]]  # fmt: skip
        self.show("Targets", ["target", "goal", "measured", "verdict"], rows)


def _spread(runs: list[dict[str, Any]]) -> str:
    return " · ".join(f"{r['wall_seconds']:.2f}" for r in runs)


def _per_message(r: dict[str, Any], key: str) -> float:
    return float(r[key]) / max(r["fetched"], 1)


def _where(r: dict[str, Any], top: int = 3) -> str:
    """The stages that took the most of the import's time, as shares of its total."""
    seconds = {k: v for k, v in r["seconds"].items() if k != "total"}
    total = r["seconds"].get("total") or sum(seconds.values()) or 1.0
    ranked = sorted(seconds.items(), key=lambda kv: -kv[1])[:top]
    return " · ".join(f"{stage} {100 * s / total:.0f}%" for stage, s in ranked)


def _pss_text(r: dict[str, Any]) -> str:
    return f"{r['peak_pss_mb_sampled']:.0f} ({1 + r['worker_processes']} proc.)"


def _total_rss(r: dict[str, Any]) -> float:
    """Peak RSS of the import's own process plus its workers' peaks (an upper bound: pages the
    workers share with each other are counted once per process)."""
    return float(r["peak_rss_mb"] + r.get("workers_peak_rss_mb", 0.0))


def _stored_text(r: dict[str, Any]) -> str:
    s = r["stored"]
    return f"{s['messages']:,} / {s['conversations']:,} / {s['clients']:,}"


def _import_row(label: str, backend: str, engine: str, r: Any, target: str) -> list[Any]:
    spread = r.get("runs_msgs_per_s") or [r["msgs_per_s"]]
    return [label, backend, engine, r["fetched"], r["msgs_per_s"],
            f"{min(spread):,.0f}–{max(spread):,.0f}", r["wall_seconds"],
            r["cpu_seconds"], r["round_trips"], _per_message(r, "round_trips"), r["commits"],
            r["peak_rss_mb"], _pss_text(r), _stored_text(r), _where(r), target]  # fmt: skip


def _store_row(
    backend: str, store: str, stored: int, fill_s: float | None, runs: list[Any], median: float,
    note: str,
) -> list[Any]:  # fmt: skip
    walls = [r["wall_seconds"] for r in runs]
    return [backend, store, stored, fill_s, median, f"{min(walls):.2f}–{max(walls):.2f}",
            runs[0]["round_trips"], runs[0]["commits"], runs[0]["new_messages"],
            _where(runs[len(runs) // 2]), note]  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
