"""HTTP API benchmark (issue 10): a real `inboxsync serve` under 50 concurrent clients.

    .venv/bin/python bench/api.py                          # the issue's sizes, both databases
    .venv/bin/python bench/api.py --db sqlite --messages 20000 --seconds 5   # a quick check
    .venv/bin/python bench/api.py --json > run.json

Per database: a fresh store bulk-filled straight into the tables (by default 100,000
conversations / 1,000,000 messages on PostgreSQL, 100,000 messages on SQLite; see
bench/_api_store.py), then `inboxsync serve --workers N` in a subprocess on loopback, the
search index rebuilt when the list takes `q`, and from this process (httpx.AsyncClient,
--clients tasks) bounded runs of: the conversation list (first pages and pages further on
by cursor, with and without a folder filter), conversation detail (random ids), search
(common and rare words, a phrase) and `POST /v1/messages` (distinct generated messages);
latency percentiles over all samples, any non-2xx or failed request an error. Then commit →
webhook: a loopback receiver registered as an endpoint while small Maildirs are imported
through the pipeline at a steady rate (bench/_api_feeder.py), each event's arrival minus its
created_at. The load generator shares the machine's cores with the server: both CPU shares
are printed. Nothing printed is hard-coded: every figure is of this run.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import os
import platform
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from _api_load import Run, load, ok_json, percentile, summary
from _common import (
    BACKENDS,
    code_state,
    console,
    err,
    fresh_database,
    run_child,
    snapshot_source,
    table,
)
from _common import verdict as pass_or_miss

SCRIPT = Path(__file__).resolve()
FEEDER = SCRIPT.with_name("_api_feeder.py")
COMPANY = "Acme"
DOMAIN = "acme.example"
ADDRESSES = [f"{box}@{DOMAIN}" for box in ("support", "contact", "billing", "sales")]
SIZES = {"postgresql": (100_000, 1_000_000), "sqlite": (10_000, 100_000)}
LIST_VARIANTS = ("first page", "cursor page", "folder, first page", "folder, cursor page")
COMMON_WORDS = ("facture", "livraison", "invoice", "delivery", "réunion", "password")
PHRASES = ('"mot de passe"', '"purchase order number"')
SEARCH_VARIANTS = ("common word", "rare word", "phrase")
CURSOR_PAGES = 500  # pages of 200 walked to collect cursors all along the list
SECTIONS = ("list", "detail", "search", "post", "webhooks")
FEED_BATCH = 5  # messages per import in the commit → webhook section
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Timeout|Cancelled)\b")

TARGET_LIST_P99_MS = 50.0
TARGET_DETAIL_P99_MS = 50.0
TARGET_SEARCH_P99_MS = 200.0
TARGET_LIST_RPS = 500.0
TARGET_WEBHOOK_P95_S = 1.0

COLUMNS = [
    "scenario", "requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms",
    "load-gen CPU", "server CPU", "target",
]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--messages", type=int, help="messages in the store (1,000,000 on PostgreSQL, "
        "100,000 on SQLite)",
    )  # fmt: skip
    parser.add_argument(
        "--conversations", type=int, help="conversations in the store (--messages / 10)"
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="each measured run")
    parser.add_argument("--warmup", type=float, default=2.0, help="before each run, not counted")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients")
    parser.add_argument("--workers", type=int, default=2, help="`inboxsync serve --workers`")
    parser.add_argument(
        "--webhook-seconds", type=float, default=20.0, help="how long mail is imported"
    )
    parser.add_argument(
        "--feed-interval", type=float, default=0.5, help=f"seconds between imports of {FEED_BATCH}"
    )
    parser.add_argument(
        "--skip", default="", help=f"comma-separated sections left out: {', '.join(SECTIONS)}"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.add_argument("--save", type=Path, help="also write the JSON object to this file")
    args = parser.parse_args()
    args.skip = {name.strip() for name in args.skip.split(",") if name.strip()}
    if args.skip - set(SECTIONS):
        parser.error(f"--skip takes {', '.join(SECTIONS)}")
    bench = Bench(args)
    try:
        bench.run()
    finally:
        shutil.rmtree(bench.workdir, ignore_errors=True)


class Bench:
    """Runs every section on each database, prints a table per database, collects figures."""

    title = "inboxsync HTTP API benchmark"

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.out = console(args.json)
        self.workdir = Path(tempfile.mkdtemp(prefix="inboxsync-bench-api-"))
        self.src = snapshot_source(SCRIPT.parents[1], self.workdir)
        self.cpus = len(os.sched_getaffinity(0))
        # The receiver is on loopback: here and in the feeder, which delivers.
        os.environ["INBOXSYNC_WEBHOOK_ALLOW_PRIVATE_TARGETS"] = "true"
        self.results: dict[str, Any] = {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {
                "cpus": self.cpus,
                "python": platform.python_version(),
                "platform": platform.platform(),
                "load_average_at_start": os.getloadavg(),
            },
            "options": {
                k: sorted(v) if isinstance(v, set) else str(v) if isinstance(v, Path) else v
                for k, v in vars(args).items()
            },
            "code": code_state(SCRIPT.parents[1], self.src),
            "databases": [],
            "targets": [],
            "notes": [],
        }

    def run(self) -> None:
        machine, code = self.results["machine"], self.results["code"]
        load_avg = ", ".join(f"{x:.1f}" for x in machine["load_average_at_start"])
        self.out.print(
            f"{self.title}, {self.results['date']}: {self.cpus} CPUs, Python "
            f"{machine['python']}, load average {load_avg} at start; code: src/ at "
            f"{code['commit']} with {len(code['changed_under_src'])} changed file(s), copied "
            f"to {self.src} (digest {code['src_digest']}); the server and this load generator "
            "share the machine's cores\n"
        )
        started = time.perf_counter()
        backends = BACKENDS if self.args.db == "both" else (self.args.db,)
        for backend in backends:
            self.database(backend)
        machine["load_average_at_end"] = os.getloadavg()
        self.results["seconds"] = round(time.perf_counter() - started, 1)
        rows = [[t["target"], t["goal"], t["measured"], pass_or_miss(t["pass"])]
                for t in self.results["targets"]]  # fmt: skip
        self.show("Targets", ["target", "goal", "measured", "verdict"], rows)
        for note in self.results["notes"]:
            self.out.print(f"note: {note}")
        load_avg = ", ".join(f"{x:.1f}" for x in machine["load_average_at_end"])
        self.out.print(
            f"{self.results['seconds']:.0f} s in all; load average {load_avg} at the end"
        )
        if self.args.json:
            print(json.dumps(self.results, indent=2))
        if self.args.save:
            self.args.save.write_text(json.dumps(self.results, indent=2) + "\n")

    def show(self, title: str, columns: list[str], rows: list[list[Any]]) -> None:
        if rows:
            self.out.print(table(title, columns, rows))
            self.out.print()
            sys.stdout.flush()

    def note(self, text: str) -> None:
        err.print(f"[yellow]{text}[/]")
        self.results["notes"].append(text)

    def target(self, name: str, goal: str, measured: str, passed: bool) -> str:
        """Record a target; returns the text printed beside the figure."""
        self.results["targets"].append(
            {"target": name, "goal": goal, "measured": measured, "pass": passed}
        )
        return f"{goal}: {pass_or_miss(passed)}"

    # --- one database --------------------------------------------------------------------

    def sizes(self, backend: str) -> tuple[int, int]:
        conversations, messages = SIZES[backend]
        messages = self.args.messages or messages
        if self.args.messages and not self.args.conversations:
            conversations = max(1, messages // 10)
        return self.args.conversations or conversations, messages

    def database(self, backend: str) -> None:
        from inboxsync.api import Inbox
        from inboxsync.config import Settings

        conversations, messages = self.sizes(backend)
        section: dict[str, Any] = {"backend": backend, "workers": self.args.workers}
        self.results["databases"].append(section)
        with fresh_database(backend, self.workdir, COMPANY, ADDRESSES) as db:
            inbox = Inbox(Settings(db=db.url))
            try:
                store = self.fill(inbox, db.url, conversations, messages, section)
                read = inbox.create_api_key(COMPANY, scope="read", name="bench").key
                write = inbox.create_api_key(COMPANY, scope="write", name="bench-write").key
                with self.server(db.url) as url:
                    rows = self.load_sections(backend, inbox, url, read, write, store, section)
                    if "webhooks" not in self.args.skip:
                        rows += self.webhooks(backend, inbox, db.url, section)
            finally:
                inbox.close()
        self.show(
            f"{backend}: {section['store']['conversations']:,} conversations, "
            f"{section['store']['messages']:,} messages; `inboxsync serve --workers "
            f"{self.args.workers}`, {self.args.clients} clients, {self.args.seconds:.0f} s runs "
            f"(after {self.args.warmup:.0f} s of warm-up); CPU as shares of {self.cpus} cores",
            COLUMNS,
            [r for r in rows if r],
        )

    def fill(
        self, inbox: Any, url: str, conversations: int, messages: int, section: dict[str, Any]
    ) -> Any:
        from sqlalchemy import text

        from _api_store import api_store
        from _store_fill import copy_tables_postgresql, insert_tables_sqlite

        err.print(f"{section['backend']}: filling {conversations:,} conversations, "
                  f"{messages:,} messages…")  # fmt: skip
        started = time.perf_counter()
        store = api_store(inbox.company_id(COMPANY), conversations, messages, DOMAIN)
        planned = time.perf_counter() - started
        if inbox.engine.dialect.name == "postgresql":
            copy_tables_postgresql(url, store.tables)
        else:
            insert_tables_sqlite(inbox.engine, store.tables)
        filled = time.perf_counter() - started
        with inbox.engine.connect() as conn:
            counts = {
                name: conn.execute(text(f"SELECT count(*) FROM {name}")).scalar_one()
                for name in ("folders", "clients", "conversations", "inbox_messages", "events")
            }
            notifications = conn.execute(
                text("SELECT count(*) FROM conversations WHERE is_notification")
            ).scalar_one()
        section["store"] = {
            "conversations": counts["conversations"], "messages": counts["inbox_messages"],
            "clients": counts["clients"], "folders": counts["folders"],
            "notifications": notifications, "events": counts["events"],
            "plan_s": round(planned, 1), "fill_s": round(filled, 1),
        }  # fmt: skip
        s = section["store"]
        err.print(
            f"  filled in {filled:.0f} s (planned in {planned:.0f} s): {s['clients']:,} clients, "
            f"{s['folders']} folders, {notifications:,} notifications"
        )
        store.tables.clear()  # the generated rows are not needed any more
        return store

    def rebuild_search(self, inbox: Any, store: dict[str, Any]) -> bool:
        """Index the stored messages with db/search.py's rebuild_search_index, if it exists."""
        if importlib.util.find_spec("inboxsync.db.search") is None:
            return False
        from inboxsync.db import search

        err.print("  rebuilding the search index…")
        started = time.perf_counter()
        with inbox.sessions.begin() as session:
            search.rebuild_search_index(session)
        store["search_index_s"] = round(time.perf_counter() - started, 1)
        err.print(f"  search index rebuilt in {store['search_index_s']:.0f} s")
        return True

    @contextmanager
    def server(self, db_url: str) -> Iterator[str]:
        """`inboxsync serve` in a subprocess on a free loopback port, until the block ends."""
        from tests.support.http import free_port

        port = free_port()
        log = (self.workdir / f"serve-{port}.log").open("wb")
        env = {**os.environ, "INBOXSYNC_DB": db_url}
        command = [sys.executable, "-m", "inboxsync", "serve", "--host", "127.0.0.1",
                   "--port", str(port), "--workers", str(self.args.workers)]  # fmt: skip
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{url}/health", timeout=2).is_success:
                        break
                except httpx.HTTPError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    tail = (self.workdir / f"serve-{port}.log").read_text()[-3000:]
                    raise RuntimeError(f"`inboxsync serve` did not start:\n{tail}")
                time.sleep(0.2)
            yield url
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()
            lines = (self.workdir / f"serve-{port}.log").read_text(errors="replace").splitlines()
            errors = [line for line in lines if "ERROR" in line or "Traceback" in line]
            # A traceback's last line names the exception: those, counted, say what failed.
            raised = Counter(line[:160] for line in lines if _EXCEPTION_LINE.match(line))
            if errors:
                self.note(f"the server logged {len(errors)} error line(s); exceptions: "
                          f"{dict(raised.most_common(3))}")  # fmt: skip

    # --- the load runs -------------------------------------------------------------------

    def measure(self, name: str, url: str, key: str, request: Any, **options: Any) -> Run:
        err.print(f"  {name}: {self.args.clients} clients for {self.args.seconds:.0f} s…")
        return load(
            url, key, request, clients=self.args.clients, seconds=self.args.seconds,
            warmup=self.args.warmup, **options,
        )  # fmt: skip

    def load_sections(
        self, backend: str, inbox: Any, url: str, read: str, write: str, store: Any,
        section: dict[str, Any],
    ) -> list[list[Any]]:  # fmt: skip
        routes = httpx.get(f"{url}/openapi.json", timeout=10).json()["paths"]
        rows: list[list[Any]] = []
        rng = random.Random(7)
        cursors, folder_cursors = (
            ([], []) if "list" in self.args.skip else self.cursors(url, read, store.folders[2])
        )
        section["cursors"] = {"all": len(cursors), "folder": len(folder_cursors)}
        turn = itertools.count()

        async def listing(client: httpx.AsyncClient, _task: int) -> tuple[str, httpx.Response]:
            variant = LIST_VARIANTS[next(turn) % len(LIST_VARIANTS)]
            params: dict[str, Any] = {"limit": 50}
            if variant.startswith("folder"):
                params["folder"] = store.folders[2]
            pool = folder_cursors if variant.startswith("folder") else cursors
            if variant.endswith("cursor page") and pool:
                params["cursor"] = rng.choice(pool)
            return variant, await client.get("/v1/conversations", params=params)

        if "list" not in self.args.skip:
            run = self.measure("conversation list", url, read, listing)
            rows += self.rows(backend, "list", run, LIST_VARIANTS, section, self.list_targets)

        async def detail(client: httpx.AsyncClient, _task: int) -> tuple[str, httpx.Response]:
            conversation = rng.randint(1, store.conversations)
            return "detail", await client.get(f"/v1/conversations/{conversation}")

        if "detail" not in self.args.skip:
            run = self.measure("conversation detail", url, read, detail)
            rows += self.rows(backend, "detail", run, None, section, self.detail_target)

        parameters = routes["/v1/conversations"]["get"].get("parameters", [])
        if "search" in self.args.skip:
            self.note(f"{backend}: search left out (--skip)")
        elif "q" not in {p["name"] for p in parameters}:
            self.note(f"{backend}: search skipped: GET /v1/conversations takes no `q` yet")
        elif not self.rebuild_search(inbox, section["store"]):
            self.note(f"{backend}: search skipped: src/inboxsync/db/search.py is absent")
        else:
            rows += self.search(backend, url, read, store, section, rng)

        if "post" in self.args.skip:
            self.note(f"{backend}: POST /v1/messages left out (--skip)")
        elif "post" not in routes.get("/v1/messages", {}):
            self.note(f"{backend}: POST /v1/messages skipped: the route does not exist yet")
        else:
            rows += self.post_messages(backend, url, write, section)
        return rows

    def cursors(self, url: str, key: str, folder: str) -> tuple[list[str], list[str]]:
        """Cursors all along the list, and along one folder's, walking pages of 200."""
        found: list[list[str]] = []
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"}) as client:
            for params in ({"limit": 200}, {"limit": 200, "folder": folder}):
                pool: list[str] = []
                cursor: dict[str, str] = {}
                for _ in range(CURSOR_PAGES):
                    page = client.get("/v1/conversations", params={**params, **cursor})
                    page.raise_for_status()
                    following = page.json()["next_cursor"]
                    if following is None:
                        break
                    pool.append(following)
                    cursor = {"cursor": following}
                found.append(pool)
        return found[0], found[1]

    def search(
        self, backend: str, url: str, key: str, store: Any, section: dict[str, Any],
        rng: random.Random,
    ) -> list[list[Any]]:  # fmt: skip
        words = {"common word": COMMON_WORDS, "rare word": store.rare_words, "phrase": PHRASES}
        turn = itertools.count()

        async def searching(client: httpx.AsyncClient, _task: int) -> tuple[str, httpx.Response]:
            variant = SEARCH_VARIANTS[next(turn) % len(SEARCH_VARIANTS)]
            q = rng.choice(words[variant])
            return variant, await client.get("/v1/conversations", params={"q": q, "limit": 50})

        run = self.measure("search", url, key, searching)
        return self.rows(backend, "search", run, SEARCH_VARIANTS, section, self.search_target)

    def post_messages(
        self, backend: str, url: str, key: str, section: dict[str, Any]
    ) -> list[list[Any]]:
        from inboxsync.demo.synthetic import synthetic_messages

        # Enough distinct messages for the run at a rate no server here reaches.
        count = int(2_000 * (self.args.seconds + self.args.warmup))
        pool = iter(synthetic_messages(count, 9_001, DOMAIN))
        headers = {"Content-Type": "message/rfc822"}

        async def posting(client: httpx.AsyncClient, _task: int) -> tuple[str, httpx.Response]:
            _, raw = next(pool)
            return "post", await client.post("/v1/messages", content=raw, headers=headers)

        def check(response: httpx.Response) -> bool:
            return response.status_code in (200, 201) and ok_json(response)

        limit = int(2_000 * self.args.seconds)  # the rest of the pool is for the warm-up
        run = self.measure("POST /v1/messages", url, key, posting, check=check, limit=limit)
        return self.rows(backend, "post", run, None, section, None)

    def rows(
        self, backend: str, name: str, run: Run, variants: Any, section: dict[str, Any],
        targets: Any,
    ) -> list[list[Any]]:  # fmt: skip
        whole = summary(run, None, self.cpus)
        section[name] = {"all": whole, "error_examples": run.error_examples,
                         "load_average_after": os.getloadavg()}  # fmt: skip
        if run.error_examples:
            self.note(f"{backend} {name}: errors, e.g. {run.error_examples}")
        label = {"post": "POST /v1/messages (messages/s)"}.get(name, name)
        verdict = targets(backend, whole) if targets else ""
        rows = [_row(label + (" (all)" if variants else ""), whole, verdict)]
        for variant in variants or ():
            part = summary(run, [variant], self.cpus)
            section[name][variant] = part
            rows.append(_row(f"  {name}: {variant}", part, ""))
        self.target(f"zero errors: {label} ({backend})", "0 errors", f"{whole['errors']}",
                    whole["errors"] == 0)  # fmt: skip
        return rows

    def list_targets(self, backend: str, s: dict[str, Any]) -> str:
        return "; ".join((
            self.target(f"conversation list p99 ({backend})", f"< {TARGET_LIST_P99_MS:.0f} ms",
                        f"{_ms(s['p99_ms'])}", _below(s["p99_ms"], TARGET_LIST_P99_MS)),
            self.target(f"conversation list throughput ({backend}, {self.cpus} cores shared "
                        "with the load generator)", f"≥ {TARGET_LIST_RPS:.0f} req/s",
                        f"{s['requests_per_s']:.0f} req/s",
                        s["requests_per_s"] >= TARGET_LIST_RPS),
        ))  # fmt: skip

    def detail_target(self, backend: str, s: dict[str, Any]) -> str:
        return self.target(f"conversation detail p99 ({backend})",
                           f"< {TARGET_DETAIL_P99_MS:.0f} ms", f"{_ms(s['p99_ms'])}",
                           _below(s["p99_ms"], TARGET_DETAIL_P99_MS))  # fmt: skip

    def search_target(self, backend: str, s: dict[str, Any]) -> str:
        messages = self.results["databases"][-1]["store"]["messages"]
        return self.target(f"search p99 on {messages:,} messages ({backend})",
                           f"< {TARGET_SEARCH_P99_MS:.0f} ms", f"{_ms(s['p99_ms'])}",
                           _below(s["p99_ms"], TARGET_SEARCH_P99_MS))  # fmt: skip

    # --- commit → webhook ----------------------------------------------------------------

    def webhooks(
        self, backend: str, inbox: Any, db_url: str, section: dict[str, Any]
    ) -> list[list[Any]]:
        from _webhook_sink import WebhookSink
        from inboxsync.demo.synthetic import synthetic_messages, write_maildir_files

        imports = max(1, int(self.args.webhook_seconds / self.args.feed_interval))
        mail = list(synthetic_messages((imports + 1) * FEED_BATCH, 4_242, DOMAIN))
        maildirs = []
        for n in range(imports + 1):
            root = self.workdir / f"feed-{backend}-{n}"
            write_maildir_files(root, mail[n * FEED_BATCH : (n + 1) * FEED_BATCH])
            maildirs.append(str(root))
        err.print(f"  commit → webhook: {imports} imports of {FEED_BATCH} messages, one every "
                  f"{self.args.feed_interval} s…")  # fmt: skip
        with WebhookSink() as sink:
            endpoint = inbox.add_webhook(COMPANY, sink.url).webhook.id
            fed = run_child(FEEDER, {"url": db_url, "company": COMPANY, "warmup": maildirs[0],
                                     "maildirs": maildirs[1:],
                                     "interval": self.args.feed_interval})  # fmt: skip
            expected = self.last_event_seq(inbox) - fed["warm_seq"]
            deadline = time.monotonic() + 30
            while len(sink.latencies(fed["warm_seq"])) < expected and time.monotonic() < deadline:
                time.sleep(0.1)
            delivered = sink.latencies(fed["warm_seq"])
        latencies = [seconds for _, seconds in delivered.values()]
        p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
        worst = percentile(latencies, 100)
        by_type: dict[str, list[float]] = {}
        for kind, seconds in delivered.values():
            by_type.setdefault(kind, []).append(seconds)
        section["webhooks"] = {
            "feeder": fed, "events": expected, "delivered": len(latencies), "p50_s": p50,
            "p95_s": p95, "max_s": worst,
            "split": self.delivery_split(inbox, endpoint, fed["warm_seq"]),
            "by_type": {kind: {"events": len(v), "p50_s": percentile(v, 50),
                               "p95_s": percentile(v, 95)} for kind, v in by_type.items()},
        }  # fmt: skip
        verdict = self.target(
            f"commit → webhook p95 ({backend})", f"< {TARGET_WEBHOOK_P95_S:.0f} s",
            "none delivered" if p95 is None else f"{p95:.2f} s",
            p95 is not None and p95 < TARGET_WEBHOOK_P95_S,
        )  # fmt: skip
        missing = expected - len(latencies)
        if missing:
            arrived = {int(event_id.rpartition("-")[2]) for event_id in delivered}
            lost = sorted(set(range(fed["warm_seq"] + 1, fed["warm_seq"] + expected + 1)) - arrived)
            section["webhooks"]["undelivered"] = self.undelivered(inbox, endpoint, lost)
            self.note(f"{backend}: events never delivered: {section['webhooks']['undelivered']}")
        self.target(f"every event delivered ({backend})", f"{expected} events",
                    f"{len(latencies)} delivered", missing == 0)  # fmt: skip
        split = section["webhooks"]["split"]
        if split["until_post_p95_s"] is not None:
            self.note(
                f"{backend} commit → webhook, from the delivery log: commit → POST started "
                f"p50 {split['until_post_p50_s']:.2f} s, p95 {split['until_post_p95_s']:.2f} s; "
                f"the POST p50 {1000 * split['post_p50_s']:.0f} ms, p95 "
                f"{1000 * split['post_p95_s']:.0f} ms"
            )
        rate = len(latencies) / max(fed["seconds"], 1e-9)
        rows = [_webhook_row(f"commit → webhook ({fed['new_messages']} messages, events/s)",
                             latencies, missing, rate, verdict)]  # fmt: skip
        for kind, values in sorted(by_type.items()):
            rows.append(_webhook_row(f"  webhook: {kind}", values, None, None, ""))
        return rows

    def delivery_split(self, inbox: Any, endpoint: int, after_seq: int) -> dict[str, Any]:
        """From the delivery log: how long each accepted event waited from its commit until
        its POST started, and how long the POST took (p50/p95, seconds)."""
        from sqlalchemy import text

        with inbox.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT d.created_at, d.duration_ms, e.created_at FROM webhook_deliveries d "
                    "JOIN events e ON e.seq = d.event_seq AND e.company_id = "
                    "(SELECT company_id FROM webhook_endpoints WHERE id = :endpoint) "
                    "WHERE d.endpoint_id = :endpoint AND d.event_seq > :after "
                    "AND d.status_code BETWEEN 200 AND 299"
                ),
                {"endpoint": endpoint, "after": after_seq},
            ).all()
        waits = [
            (_naive(logged) - _naive(created)).total_seconds() - ms / 1000
            for logged, ms, created in rows
        ]
        posts = [ms / 1000 for _, ms, _ in rows]
        return {
            "until_post_p50_s": percentile(waits, 50), "until_post_p95_s": percentile(waits, 95),
            "post_p50_s": percentile(posts, 50), "post_p95_s": percentile(posts, 95),
        }  # fmt: skip

    def undelivered(self, inbox: Any, endpoint: int, seqs: list[int]) -> dict[str, Any]:
        """The events that never arrived (seq, type) and where the endpoint stands."""
        from sqlalchemy import bindparam, text

        with inbox.engine.connect() as conn:
            events = conn.execute(
                text("SELECT seq, type FROM events WHERE seq IN :seqs ORDER BY seq").bindparams(
                    bindparam("seqs", expanding=True)
                ),
                {"seqs": seqs},
            ).all()
            delivered_seq = conn.execute(
                text("SELECT delivered_seq FROM webhook_endpoints WHERE id = :id"), {"id": endpoint}
            ).scalar_one()
        return {"events": [list(row) for row in events], "endpoint_delivered_seq": delivered_seq}

    def last_event_seq(self, inbox: Any) -> int:
        from sqlalchemy import text

        with inbox.engine.connect() as conn:
            seq = conn.execute(
                text("SELECT last_event_seq FROM companies WHERE name = :n"), {"n": COMPANY}
            ).scalar_one()
        return int(seq)


def _naive(value: Any) -> datetime:
    """A stored UTC time as a naive datetime (SQLite hands back text)."""
    stamp = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return stamp.replace(tzinfo=None)


def _below(value: float | None, limit: float) -> bool:
    return value is not None and value < limit


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} ms"


def _share(value: float) -> str:
    return f"{100 * value:.0f}%"


def _webhook_row(
    label: str, latencies: list[float], missing: int | None, rate: float | None, verdict: str
) -> list[Any]:
    ms = [None if x is None else x * 1000 for x in (percentile(latencies, p) for p in (50, 95))]
    worst = percentile(latencies, 100)
    return [label, len(latencies), missing, rate, ms[0], ms[1], None,
            None if worst is None else worst * 1000, "", "", verdict]  # fmt: skip


def _row(label: str, s: dict[str, Any], verdict: str) -> list[Any]:
    return [label, s["requests"], s["errors"], s["requests_per_s"], s["p50_ms"], s["p95_ms"],
            s["p99_ms"], s["max_ms"], _share(s["client_cpu_share"]),
            _share(s["server_cpu_share"]), verdict]  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
