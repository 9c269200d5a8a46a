"""Scale-out benchmark (issue 12, target 4): IMAP mailboxes synced by real Celery workers.

100 Dovecot users x 200 generated messages (distinct seeds), PostgreSQL and Redis, rounds
queued by `inboxsync schedule --once` and run by `inboxsync worker` processes. In one run:

1. throughput of 1 worker, then of 2 (fresh mailboxes and a fresh database each), the ratio,
   and the CPU seconds of the workers, PostgreSQL (this database's backends), Dovecot, Redis;
2. each mailbox synced once per round, counted from sync_runs and mailbox rows: the first
   round, a second one queued twice at once (a doubled beat) after 10 new messages each,
   a third with nothing new;
3. a worker SIGKILLed mid-sync, in a UTS namespace of its own (another host to the lease):
   another worker picks the mailbox up once the lease expired; nothing lost or duplicated;
4. per-mailbox costs of one sync in this process (CPU, round trips, bytes, wall).

    .venv/bin/python bench/scale.py                       # ~6 min on 2 cores
    .venv/bin/python bench/scale.py --mailboxes 20 --messages 100 --parts throughput
    .venv/bin/python bench/scale.py --configs 1x1,2x1 --repeat 3 --parse-workers 1 --json
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from _scale_code import pin_code  # noqa: E402

CODE = pin_code(ROOT)  # before any import of inboxsync

from sqlalchemy import event, text  # noqa: E402
from tests.support.celery import REDIS_URL  # noqa: E402
from tests.support.dovecot import DovecotServer  # noqa: E402
from tests.support.fake_openai import FakeOpenAI  # noqa: E402
from tests.support.imap import IMAP_PASSWORD, IMAP_PASSWORD_ENV  # noqa: E402

from _common import POSTGRES, console, fresh_database, table, verdict  # noqa: E402
from _scale_kill import kill_test  # noqa: E402
from _scale_run import (  # noqa: E402
    dovecot_pid,
    drop_keys,
    finish,
    load_average,
    queue_idle,
    schedule,
    start_workers,
    summary,
    wait_until,
    worker_env,
)
from _scale_world import (  # noqa: E402
    CpuMeter,
    add_more_mail,
    make_boxes,
    register,
    round_rows,
)
from inboxsync.config import Settings  # noqa: E402
from inboxsync.db import make_engine, make_sessionmaker  # noqa: E402
from inboxsync.db.models import utcnow  # noqa: E402
from inboxsync.mailboxes import sync_mailbox  # noqa: E402

SPEEDUP_TARGET = 1.7
MORE = 10  # messages delivered to each mailbox before the second round
log = logging.getLogger("bench.scale")


def throughput_run(
    args: argparse.Namespace, server: DovecotServer, ai: FakeOpenAI, workdir: Path,
    workers_n: int, concurrency: int, index: int, rounds: bool,
) -> dict[str, Any]:  # fmt: skip
    """The first round on fresh mailboxes and a fresh database with `workers_n` workers
    (then, with `rounds`, the doubled round and the no-op round)."""
    log.info("run %d: %d worker(s) x %d: writing %d Maildirs", index, workers_n, concurrency,
             args.mailboxes)  # fmt: skip
    boxes = make_boxes(server, args.mailboxes, args.companies, args.messages, 10_000 * index)
    prefix = f"inboxsync-bench-scale-{uuid.uuid4().hex[:8]}"
    queue = f"{prefix}-q"
    with fresh_database("postgresql", workdir, "Seed", ["seed@seed.example"]) as db:
        engine = make_engine(db.url)
        sessions = make_sessionmaker(engine)
        ids = register(sessions, server, boxes)
        env = worker_env(db.url, ai, prefix, queue, INBOXSYNC_PARSE_WORKERS=str(args.parse_workers))
        logs = workdir / f"logs-{index}"
        logs.mkdir()
        workers = start_workers(env, logs, workers_n, concurrency)
        trees = {"workers": [w.process.pid for w in workers], "dovecot": [dovecot_pid(server)]}
        dbname = db.url.rsplit("/", 1)[1]
        meter = CpuMeter(POSTGRES.admin_url, dbname, REDIS_URL, trees)
        result: dict[str, Any] = {"workers": workers_n, "concurrency": concurrency,
                                  "load_before": load_average()}  # fmt: skip
        try:
            total = args.messages * len(ids)
            log.info("run %d: round 1 (load %s)", index, load_average())
            started, clock = utcnow(), time.perf_counter()
            meter.start()
            finish(schedule(env))
            wait_until(lambda: _all_done(sessions, ids, started), "the first round")
            wall = time.perf_counter() - clock
            meter.stop()
            first = round_rows(sessions)
            with sessions() as session:
                size = session.scalar(text("SELECT pg_database_size(current_database())"))
            span = (first.last_finish - first.first_start).total_seconds()
            ours = sum(v for k, v in meter.seconds.items() if not k.startswith("redis"))
            result |= {
                "messages": total, "wall_s": wall, "span_s": span,
                "messages_per_s": total / span, "mailboxes_per_s": len(ids) / span,
                "cpu_s": meter.seconds, "machine_busy": meter.machine_busy,
                "our_cores": ours / span, "messages_per_cpu_s": total / ours,
                "database_bytes_per_message": int(size or 0) / total,
                "redis_commands": meter.redis_commands, "load_after": load_average(),
                "round1": check_round(first, ids, args.messages, 1),
            }  # fmt: skip
            log.info("run %d: round 1 took %.1f s", index, wall)
            wait_until(lambda: queue_idle(prefix, queue), "the follow-up jobs")
            if not rounds:
                return result
            result["round2"] = doubled_round(args, server, boxes, sessions, ids, env, prefix, queue)
            noop_meter = CpuMeter(POSTGRES.admin_url, dbname, REDIS_URL, trees)
            result["round3"] = noop_round(sessions, ids, env, (prefix, queue), noop_meter,
                                          args.messages + MORE)  # fmt: skip
        finally:
            for w in workers:
                w.stop()
            drop_keys(prefix)
            engine.dispose()
    return result


def _all_done(sessions: Any, ids: list[int], since: Any) -> bool:
    rows = round_rows(sessions, since)
    failed = [m for m, runs in rows.runs.items() if runs.get("failed")]
    if failed:
        raise RuntimeError(f"sync failed for mailboxes {failed}")
    return all(rows.runs.get(m, {}).get("finished") for m in ids)


def ratios(runs: list[dict[str, Any]], configs: int) -> dict[str, Any]:
    """The second configuration's median throughput over the first's, and each repetition's."""
    rates = [[t["messages_per_s"] for t in runs[i::configs]] for i in (0, 1)]
    return {
        "ratio": summary(rates[1])["median"] / summary(rates[0])["median"],
        "pair_ratios": [b / a for a, b in zip(rates[0], rates[1], strict=True)],
    }


def check_round(rows: Any, ids: list[int], messages: int, runs_each: int) -> dict[str, Any]:
    """Per mailbox: finished runs == `runs_each` and nothing else, `messages` stored, no
    duplicate key; the counts of mailboxes that break each rule."""
    runs = {m: rows.runs.get(m, {}) for m in ids}
    return {
        "double_synced": sum(1 for r in runs.values() if r.get("finished", 0) > runs_each),
        "starved": sum(1 for r in runs.values() if r.get("finished", 0) < runs_each),
        "other_runs": sum(n for r in runs.values() for s, n in r.items() if s != "finished"),
        "wrong_count": sum(1 for m in ids if rows.messages.get(m, 0) != messages),
        "duplicate_keys": rows.duplicate_keys,
    }


def doubled_round(
    args: argparse.Namespace, server: DovecotServer, boxes: list[Any], sessions: Any,
    ids: list[int], env: dict[str, str], prefix: str, queue: str,
) -> dict[str, Any]:  # fmt: skip
    """MORE new messages each, then two schedulers queue the round at once: every mailbox
    must be synced once (one run row with the new mail), not twice."""
    total = args.messages + MORE
    add_more_mail(server, boxes, MORE)
    started, clock = utcnow(), time.perf_counter()
    for process in [schedule(env), schedule(env)]:
        finish(process)
    wait_until(lambda: sum(round_rows(sessions).messages.values()) == total * len(ids),
               "the second round's mail")  # fmt: skip
    wait_until(lambda: queue_idle(prefix, queue), "the doubled round's jobs")
    wall = time.perf_counter() - clock
    return {"wall_s": wall, **check_round(round_rows(sessions, started), ids, total, 1)}


def noop_round(sessions: Any, ids: list[int], env: dict[str, str], broker: tuple[str, str],
               meter: CpuMeter, total: int) -> dict[str, Any]:  # fmt: skip
    """Nothing new: every mailbox checked (last_sync_at moves), no run row, nothing stored;
    the CPU seconds it took (`schedule`'s own process aside)."""
    started, clock = utcnow(), time.perf_counter()
    meter.start()
    finish(schedule(env))
    wait_until(
        lambda: all(t is not None and t >= started for t in round_rows(sessions).synced.values()),
        "the no-op round",
    )
    wall = time.perf_counter() - clock
    wait_until(lambda: queue_idle(*broker), "the no-op round's jobs")
    meter.stop()
    rows = round_rows(sessions, started)
    return {"wall_s": wall, "mailboxes_per_s": len(ids) / wall,
            "cpu_ms_per_mailbox": {k: 1000 * v / len(ids) for k, v in meter.seconds.items()},
            "run_rows": sum(n for r in rows.runs.values() for n in r.values()),
            "wrong_count": sum(1 for m in ids if rows.messages.get(m, 0) != total)}  # fmt: skip


def costs(args: argparse.Namespace, server: DovecotServer, workdir: Path) -> dict[str, Any]:
    """One mailbox's full sync, then its no-op sync, in this process, for a few mailboxes:
    CPU of this process and its parse workers, of the PostgreSQL backend and of Dovecot;
    statements sent (every one, lease and bookkeeping included), IMAP commands, bytes, wall."""
    boxes = make_boxes(server, args.cost_mailboxes, args.cost_mailboxes, args.messages, 900_000)
    os.environ[IMAP_PASSWORD_ENV] = IMAP_PASSWORD
    rows: dict[str, list[dict[str, float]]] = {"full": [], "noop": []}
    with fresh_database("postgresql", workdir, "Seed", ["seed@seed.example"]) as db:
        engine = make_engine(db.url)
        statements = [0]
        event.listen(engine, "before_cursor_execute",
                     lambda *_: statements.__setitem__(0, statements[0] + 1))  # fmt: skip
        sessions = make_sessionmaker(engine)
        settings = Settings(db=db.url, parse_workers=args.parse_workers)
        dbname = db.url.rsplit("/", 1)[1]
        for mailbox_id in register(sessions, server, boxes):
            for kind in ("full", "noop"):
                rows[kind].append(
                    _one_sync(sessions, settings, mailbox_id, server, dbname, statements)
                )
        engine.dispose()
    return {
        kind: {k: summary([r[k] for r in runs]) for k in runs[0]} for kind, runs in rows.items()
    }


def _one_sync(sessions: Any, settings: Settings, mailbox_id: int, server: DovecotServer,
              dbname: str, statements: list[int]) -> dict[str, float]:  # fmt: skip
    # No sampling thread: its CPU would count as this process's; the pooled backend stays.
    meter = CpuMeter(POSTGRES.admin_url, dbname, REDIS_URL, {"dovecot": [dovecot_pid(server)]}, 0)
    before = statements[0]
    own = _own_cpu()
    clock = time.perf_counter()
    meter.start()
    report = sync_mailbox(sessions, settings, mailbox_id)
    wall = time.perf_counter() - clock
    meter.stop()
    return {
        "wall_s": wall, "process_cpu_s": _own_cpu() - own,
        "postgres_cpu_s": meter.seconds["postgres"], "dovecot_cpu_s": meter.seconds["dovecot"],
        "db_statements": statements[0] - before, "imap_commands": report.imap_round_trips,
        "bytes": report.bytes_downloaded, "messages": report.new_messages,
    }  # fmt: skip


def _own_cpu() -> float:
    """CPU seconds of this process (every thread) and of its reaped children (parse workers;
    Dovecot is a live child, not counted here)."""
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mailboxes", type=int, default=100)
    parser.add_argument("--messages", type=int, default=200, help="Per mailbox.")
    parser.add_argument("--companies", type=int, default=10,
                        help="Mailbox i belongs to company i %% N (PostgreSQL writes of one "
                             "company are serialized by its advisory lock).")  # fmt: skip
    parser.add_argument("--configs", default="1x1,2x1",
                        help="Throughput runs as WORKERSxCONCURRENCY, in order; the ratio is "
                             "of the second to the first.")  # fmt: skip
    parser.add_argument("--repeat", type=int, default=1,
                        help="Runs of each configuration, alternated; the ratio is of medians "
                             "(rounds 2 and 3 only in the first).")  # fmt: skip
    parser.add_argument(
        "--parse-workers",
        type=int,
        default=0,
        help="INBOXSYNC_PARSE_WORKERS of each sync (0: one per core).",
    )
    parser.add_argument("--cost-mailboxes", type=int, default=5)
    parser.add_argument("--kill-mailboxes", type=int, default=4)
    parser.add_argument("--lease", type=int, default=8, help="Lease seconds in the kill test.")
    parser.add_argument("--no-redelivery", dest="redelivery", action="store_false",
                        help="Kill test: do not wait (up to ~2 min) for Redis to deliver the "
                             "killed worker's job again.")  # fmt: skip
    parser.add_argument("--parts", default="throughput,kill,costs")
    parser.add_argument("--json", action="store_true", help="Print one JSON object.")
    parser.add_argument("--worktree", action="store_true",
                        help="Measure the checkout's src/ as it is, not HEAD's.")  # fmt: skip
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    log.setLevel(logging.INFO)
    parts = set(args.parts.split(","))
    out = console(args.json)
    result: dict[str, Any] = {"args": vars(args), "code": CODE, "cores": os.cpu_count(),
                              "load_start": load_average()}  # fmt: skip
    workdir = Path(tempfile.mkdtemp(prefix="inboxsync-bench-scale-"))
    server = DovecotServer().start()
    ai = FakeOpenAI().start()  # the workers' AI settings point here; nothing is classified
    try:
        if "throughput" in parts:
            configs = [tuple(map(int, c.split("x"))) for c in args.configs.split(",")]
            # Alternated (A B A B …), so that a change of the machine's load hits both.
            plan = [(w, c, rep) for rep in range(args.repeat) for w, c in configs]
            result["throughput"] = [
                throughput_run(args, server, ai, workdir, w, c, i, rep == 0)
                for i, (w, c, rep) in enumerate(plan, start=1)
            ]
            if len(configs) > 1:
                result |= ratios(result["throughput"], len(configs))
        if "kill" in parts:
            log.info("kill test")
            result["kill"] = kill_test(args, server, ai, workdir)
        if "costs" in parts:
            log.info("per-mailbox costs")
            result["costs"] = costs(args, server, workdir)
        result["ai_calls"] = ai.stats.calls
    finally:
        ai.stop()
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    result["load_end"] = load_average()
    if args.json:
        print(json.dumps(result, default=str))
        return
    show(out, result)


def show(out: Any, r: dict[str, Any]) -> None:
    a = r["args"]
    out.print(f"{a['mailboxes']} mailboxes x {a['messages']} messages, {a['companies']} "
              f"companies, parse workers {a['parse_workers'] or 'one per core'}; "
              f"{r['cores']} cores; code {r['code']}; load {r['load_start']} → "
              f"{r['load_end']}")  # fmt: skip
    if "throughput" in r:
        show_throughput(out, r)
    if "kill" in r:
        rows = [[key, str(value)] for key, value in r["kill"].items()]
        title = "A worker SIGKILLed mid-sync (another host to the lease)"
        out.print(table(title, ["what", "value"], rows))
    if "costs" in r:
        rows = [[kind, key, v["median"], v["min"], v["max"]]
                for kind, figures in r["costs"].items() for key, v in figures.items()]  # fmt: skip
        out.print(table("Per-mailbox costs, one sync in this process (PostgreSQL)",
                        ["sync", "figure", "median", "min", "max"], rows))  # fmt: skip


def show_throughput(out: Any, r: dict[str, Any]) -> None:
    rows = []
    for t in r["throughput"]:
        cpu = t["cpu_s"]
        rows.append([
            f"{t['workers']} x {t['concurrency']}", t["messages"], t["span_s"], t["wall_s"],
            t["messages_per_s"], t["mailboxes_per_s"], cpu["workers"], cpu["postgres"],
            cpu["dovecot"], cpu["redis (all clients)"], t["our_cores"], t["messages_per_cpu_s"],
            f"{t['machine_busy']:.0%}",
            f"{t['load_before']} → {t['load_after']}",
        ])  # fmt: skip
    out.print(table(
        "Round 1: every mailbox's first sync (span: first run's start to last run's end)",
        ["workers x pool", "messages", "span s", "wall s", "msgs/s", "mailboxes/s",
         "CPU s workers", "CPU s postgres", "CPU s dovecot", "CPU s redis", "cores ours",
         "msgs per CPU s", "machine busy",
         "load"], rows))  # fmt: skip
    checks = []
    for t in r["throughput"]:
        for name in ("round1", "round2", "round3") if "round2" in t else ("round1",):
            checks.append([f"{t['workers']} x {t['concurrency']}", name,
                           json.dumps({k: v for k, v in t[name].items() if k != "wall_s"}),
                           t[name].get("wall_s", t["wall_s"])])  # fmt: skip
    out.print(table("Once per round (from sync_runs and mailbox rows; round 2 queued by two "
                    "schedulers at once, round 3 finds nothing new)",
                    ["workers", "round", "counts (all 0 = pass, round 3: run_rows 0)", "wall s"],
                    checks))  # fmt: skip
    if "ratio" in r:
        runs = r["throughput"]
        names = [f"{t['workers']} x {t['concurrency']}" for t in runs[:2]]
        passed = verdict(r["ratio"] >= SPEEDUP_TARGET)
        each = ", ".join(f"{x:.2f}" for x in r["pair_ratios"])
        out.print(f"{names[1]} / {names[0]}: {r['ratio']:.2f}x {passed} (target {SPEEDUP_TARGET}x;"
                  f" medians; each repetition: {each})")  # fmt: skip
        if runs[0]["machine_busy"] > 0.9:
            busy, ours = runs[0]["machine_busy"], runs[0]["our_cores"]
            out.print(f"the machine was {busy:.0%} busy during the first run, ours "
                      f"{ours:.2f} cores of it: the others' load decides "
                      "this ratio; compare 'msgs per CPU s' (the work's own cost)")  # fmt: skip


if __name__ == "__main__":
    main()
