"""The child side of bench/ingest.py: one import, or one fill of a large store, per fresh
interpreter, so that peak RSS is the task's own.

    python bench/_ingest_child.py --child '{"kind": "import", "url": …, "path": …, "engine": …}'

It prints its result as bench/_common.py's report_result does; bench/ingest.py runs it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path
from typing import Any

from _common import ProcessTree, loaded_code_digest, report_result
from _store_fill import copy_postgresql, insert_sqlite, store_rows

COMPANY = "Acme"
DOMAIN = "acme.example"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--child", required=True, help="the task, as JSON")
    task = json.loads(parser.parse_args().child)
    report_result(_import(task) if task["kind"] == "import" else _fill(task))


def _import(task: dict[str, Any]) -> dict[str, Any]:
    from inboxsync.api import Inbox
    from inboxsync.config import Settings

    settings = Settings(db=task["url"])
    for option in ("batch_size", "parse_workers"):
        if task.get(option) is not None:
            settings = settings.model_copy(update={option: task[option]})
    inbox = Inbox(settings)
    path = Path(task["path"])
    cpu = _cpu_seconds()
    rss_before = _rss_mb()
    with ProcessTree(interval=0.25) as tree:
        result, wall = _run_import(inbox, task, path)
    result["wall_seconds"] = wall
    result["rss_before_mb"] = round(rss_before, 1)
    result["cpu_seconds"] = _cpu_seconds() - cpu + sum(tree.cpu_seconds.values())
    result["workers_peak_rss_mb"] = round(tree.peak_mb, 1)
    result["peak_pss_mb_sampled"] = round(tree.peak_pss_kb / 1024, 1)
    result["code_digest"] = loaded_code_digest()
    result["worker_processes"] = len(tree.peak_kb)
    result["load_average_1m"] = os.getloadavg()[0]
    result["msgs_per_s"] = result["fetched"] / wall
    result["stored"] = count_rows(inbox)
    inbox.close()
    return result


def _run_import(inbox: Any, task: dict[str, Any], path: Path) -> tuple[dict[str, Any], float]:
    """Ingestion only, on both sides: `ingest` as `Inbox.import_path` calls it, without the AI
    detector and the classification follow-up that import_path adds (bench/ai.py measures
    those), so that inboxsync and the baseline do the same work."""
    from baseline import import_one_by_one
    from inboxsync.pipeline.sync import ingest
    from inboxsync.sources.local import open_source

    company_id = inbox.company_id(COMPANY)
    started = time.perf_counter()
    if task["engine"] == "inboxsync":
        report = ingest(
            inbox.sessions,
            company_id,
            open_source(path),
            settings=inbox.settings,
            source_name=str(path),
        )
        wall = time.perf_counter() - started
        counts = (report.fetched, report.new_messages, report.duplicates, report.quarantined,
                  report.db_round_trips, report.commits, report.seconds)  # fmt: skip
    else:
        base = import_one_by_one(
            inbox.sessions, company_id, open_source(path), limit=task.get("limit")
        )
        wall = time.perf_counter() - started
        counts = (base.fetched, base.new_messages, base.duplicates, base.unreadable,
                  base.db_round_trips, base.commits, base.seconds)  # fmt: skip
    names = ("fetched", "new_messages", "duplicates", "quarantined", "round_trips", "commits")
    result: dict[str, Any] = dict(zip(names, counts[:-1], strict=True))
    result["seconds"] = dict(counts[-1])
    return result, wall


def _rss_mb() -> float:
    """This process's resident set now."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def count_rows(inbox: Any) -> dict[str, int]:
    from sqlalchemy import text

    with inbox.engine.connect() as conn:
        return {
            table: conn.execute(text(f"SELECT count(*) FROM {name}")).scalar_one()
            for table, name in (
                ("messages", "inbox_messages"),
                ("conversations", "conversations"),
                ("clients", "clients"),
            )
        }


def _fill(task: dict[str, Any]) -> dict[str, Any]:
    """Bulk-insert `size` generated messages (with their conversations and clients) into the
    store of `url`, indexes in place; PostgreSQL is then VACUUM ANALYZEd as autovacuum would."""
    from inboxsync.api import Inbox
    from inboxsync.config import Settings

    seconds: dict[str, float] = {}
    started = time.perf_counter()
    inbox = Inbox(Settings(db=task["url"]))
    company_id = inbox.company_id(COMPANY)
    clients, conversations, messages = store_rows(company_id, task["size"], DOMAIN)
    seconds["generate"] = time.perf_counter() - started
    t = time.perf_counter()
    if inbox.engine.dialect.name == "postgresql":
        copy_postgresql(task["url"], clients, conversations, messages)
    else:
        insert_sqlite(inbox.engine, clients, conversations, messages)
    seconds["insert"] = time.perf_counter() - t
    seconds["total"] = time.perf_counter() - started
    stored = count_rows(inbox)
    inbox.close()
    return {"seconds": seconds, "stored": stored}


if __name__ == "__main__":
    main()
