"""Background-work benchmark (issue 5), against the tests' OpenAI-compatible server at 300 ms
a call, a recording SMTP server, Redis and real Celery worker processes.

1. The note's sync (140 emails: 20 new conversations from new people, 10 automated new
   senders, 60 replies in known threads, 50 newsletters) on SQLite: time until the
   `--async` sync returns (mail stored, jobs queued) vs until every new conversation is
   classified and auto-replied by two workers; beside the inline backend, which waits.
2. Classification throughput of one and of two workers on 10,000 pending conversations.

    .venv/bin/python bench/jobs.py [--json] [--latency 0.3] [--pending 10000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import redis  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402
from tests.factories import make_message, words, write_files  # noqa: E402
from tests.support.ai import fake_ai_settings  # noqa: E402
from tests.support.celery import REDIS_URL, Worker, job_env  # noqa: E402
from tests.support.dovecot import DOVECOT, DovecotServer  # noqa: E402
from tests.support.fake_openai import FakeOpenAI  # noqa: E402
from tests.support.imap import (  # noqa: E402
    IMAP_PASSWORD,
    IMAP_PASSWORD_ENV,
    add_imap_mailbox,
    crlf,
)
from tests.support.smtp_server import SmtpServer  # noqa: E402

from _common import console, fresh_database, table, verdict  # noqa: E402
from _jobs_mail import history, note_sync, now  # noqa: E402
from inboxsync.config import Settings  # noqa: E402
from inboxsync.db import make_engine, make_sessionmaker  # noqa: E402
from inboxsync.db.companies import add_company, add_folder  # noqa: E402
from inboxsync.db.models import Conversation  # noqa: E402
from inboxsync.db.outbox_models import OutboxEntry  # noqa: E402
from inboxsync.jobs import close_queues, follow_up, get_queue  # noqa: E402
from inboxsync.mailboxes import sync_mailbox as imap_sync  # noqa: E402
from inboxsync.outbound import SmtpSettings, set_company_smtp, set_folder_auto_reply  # noqa: E402
from inboxsync.pipeline.sync import ingest  # noqa: E402
from inboxsync.sources.local import open_source  # noqa: E402

FOLDERS = {"Support": "technical problems, bugs", "Billing": "invoices and payments"}
ASYNC_TARGET_MS = 150.0
SPEEDUP_TARGET = 1.7
log = logging.getLogger("bench.jobs")


def settings_for(db: str, ai: FakeOpenAI, **changes: Any) -> Settings:
    """Settings against the fake AI server; `changes` as `Settings.replace` takes them."""
    settings = fake_ai_settings(db, ai, redis_url=REDIS_URL, ai={"timeout_seconds": 30})
    return settings.replace(**changes)


def setup_company(sessions: sessionmaker[Session], name: str, smtp_port: int) -> int:
    domain = f"{name.lower()}.example"
    with sessions.begin() as session:
        company_id = add_company(session, name, [f"support@{domain}"])
        for folder, description in FOLDERS.items():
            add_folder(session, company_id, folder, description)
            set_folder_auto_reply(
                session, company_id, folder, subject="Re: {subject}", body="Hello {client_name}."
            )
        set_company_smtp(session, company_id, SmtpSettings("127.0.0.1", smtp_port, "none"))
    return company_id


def store(
    sessions: sessionmaker[Session],
    settings: Settings,
    company_id: int,
    folder: Path,
) -> list[int]:
    new: list[int] = []
    ingest(
        sessions,
        company_id,
        open_source(folder),
        settings=settings,
        on_new_conversations=new.extend,
    )
    return new


def count(sessions: sessionmaker[Session], query: Any) -> int:
    with sessions() as session:
        return int(session.scalar(query) or 0)


def wait_until(check: Callable[[], bool], every: float = 0.02, timeout: float = 900.0) -> None:
    """Poll `check` (a light query: polling must not steal the workers' CPU)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("the workers did not finish")
        time.sleep(every)


# --- 1. the note's sync -------------------------------------------------------------------


def note_run(
    workdir: Path,
    ai: FakeOpenAI,
    smtp: SmtpServer,
    backend: str,
    prefix: str,
    dovecot: DovecotServer | None = None,
) -> dict[str, float]:
    """One note's sync: from a directory of files, or (with `dovecot`) from an IMAP mailbox
    whose first sync brought the history."""
    smtp.reset()
    with fresh_database("sqlite", workdir, "Seed", ["seed@seed.example"]) as db:
        engine = make_engine(db.url)
        sessions = make_sessionmaker(engine)
        queue = f"{prefix}-{uuid.uuid4().hex[:6]}"
        settings = settings_for(
            db.url, ai, jobs={"backend": backend, "queue": queue, "key_prefix": prefix}
        )
        inline = settings.replace(jobs={"backend": "inline"})
        company_id = setup_company(sessions, "Acme", smtp.port)
        mailbox_id = 0
        if dovecot is None:
            hist = write_files(workdir / f"hist-{queue}", history(60, "base"))
            old: list[int] | None = store(sessions, inline, company_id, hist)
        else:
            mailbox_id, user = add_imap_mailbox(sessions, dovecot, company_id)
            dovecot.append(user, [crlf(raw) for raw in history(60, "base").values()])
            imap_sync(sessions, inline, mailbox_id)  # the first sync: history
            old = None
        follow_up(sessions, inline, company_id, old, wait=True)  # classified; history: no reply
        close_queues()
        if dovecot is None:
            mail = write_files(workdir / f"sync-{queue}", note_sync(60))
        else:
            time.sleep(1.1)  # received after the first sync (Date headers have whole seconds)
            dovecot.append(user, [crlf(raw) for raw in note_sync(60).values()])
        workers: list[Worker] = []
        if backend == "celery":
            env = job_env(
                db_url=db.url,
                ai=ai,
                prefix=prefix,
                queue=queue,
                **{IMAP_PASSWORD_ENV: IMAP_PASSWORD},
            )
            workers = [Worker(env, workdir / f"{queue}-w{i}.log") for i in range(2)]
        get_queue(settings, sessions)  # at start-up, as the CLI does: the broker is reachable
        try:
            started = time.perf_counter()
            if dovecot is None:
                new: list[int] | None = store(sessions, settings, company_id, mail)
                new_conversations = len(new or [])
            else:
                new = None  # a sweep of the company's pending conversations
                new_conversations = imap_sync(sessions, settings, mailbox_id).new_conversations
            stored = time.perf_counter() - started
            follow_up(sessions, settings, company_id, new, wait=backend == "inline")
            returned = time.perf_counter() - started
            pending = Conversation.status.in_(("pending", "classifying"))
            sent = select(func.count()).where(OutboxEntry.status == "sent")
            wait_until(
                lambda: (
                    count(sessions, select(func.count()).where(pending)) == 0
                    and len(smtp.received) >= 20
                    and count(sessions, sent) >= 20
                )
            )
            done = time.perf_counter() - started
        finally:
            for w in workers:
                w.stop()
            close_queues()
        classified = count(
            sessions, select(func.count()).where(Conversation.status == "classified")
        )
        replies = count(sessions, select(func.count()).where(OutboxEntry.status == "sent"))
        engine.dispose()
    return {
        "stored_ms": stored * 1000,
        "returned_ms": returned * 1000,
        "done_ms": done * 1000,
        "new_conversations": new_conversations,
        "classified": classified,
        "auto_replies": replies,
        "received": len(smtp.received),
    }


# --- 2. throughput --------------------------------------------------------------------------


def throughput(
    workdir: Path, ai: FakeOpenAI, smtp: SmtpServer, pending: int, prefix: str, backend: str
) -> dict[int, dict[str, float]]:
    results: dict[int, dict[str, float]] = {}
    with fresh_database(backend, workdir, "Seed", ["seed@seed.example"]) as db:
        engine = make_engine(db.url)
        sessions = make_sessionmaker(engine)
        settings = settings_for(db.url, ai, batch_size=1000, jobs={"backend": "celery"})
        for workers_n in (1, 2):
            name = f"Tp{workers_n}"
            company_id = setup_company(sessions, name, smtp.port)
            with sessions.begin() as session:  # no auto-replies: classification alone
                for folder in FOLDERS:
                    set_folder_auto_reply(session, company_id, folder, enabled=False)
            mail = {
                f"t{i:05d}.eml": make_message(
                    msgid=f"<t{i}.{name}@bulk.example>",
                    sender=f"Person {i} <p{i}@c{i % 500}.example>",
                    subject=f"{'Support' if i % 2 else 'Billing'} case {name} {words(i)}",
                    body=f"Case {name} {words(i)}: please help with {words(i * 7919 % 10007)}.",
                    date=now() - timedelta(days=30),
                )
                for i in range(pending)
            }
            ids = store(sessions, settings, company_id, write_files(workdir / name, mail))
            queue = f"{prefix}-tp{workers_n}-{backend}"
            run_settings = settings.replace(jobs={"queue": queue, "key_prefix": prefix})
            env = job_env(db_url=db.url, ai=ai, prefix=prefix, queue=queue)
            workers = [Worker(env, workdir / f"{queue}-{i}.log") for i in range(workers_n)]
            calls = ai.stats.calls
            try:
                started = time.perf_counter()
                follow_up(sessions, run_settings, company_id, ids, wait=False)
                left = select(func.count()).where(
                    Conversation.company_id == company_id,
                    Conversation.status.in_(("pending", "classifying")),
                )
                wait_until(lambda q=left: count(sessions, q) == 0, every=0.25)
                elapsed = time.perf_counter() - started
            finally:
                for w in workers:
                    w.stop()
                close_queues()
            results[workers_n] = {
                "conversations": len(ids),
                "seconds": elapsed,
                "per_second": len(ids) / elapsed,
                "ai_calls": ai.stats.calls - calls,
            }
        engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="Print one JSON object.")
    parser.add_argument("--latency", type=float, default=0.3, help="Seconds per AI call.")
    parser.add_argument("--pending", type=int, default=10_000, help="Conversations for part 2.")
    parser.add_argument("--runs", type=int, default=3, help="Repetitions of part 1.")
    parser.add_argument("--throughput-db", default="postgresql", choices=("sqlite", "postgresql"))
    parser.add_argument("--parts", default="note,throughput", help="Comma-separated parts to run.")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    logging.basicConfig(level=logging.WARNING)
    out = console(args.json)
    prefix = f"inboxsync-bench-{uuid.uuid4().hex[:8]}"
    ai = FakeOpenAI().start()
    ai.latency = args.latency
    smtp = SmtpServer().start()
    result: dict[str, Any] = {"latency_s": args.latency}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-jobs-") as tmp:
            workdir = Path(tmp)
            wanted = "note" in parts and os.path.exists(DOVECOT)
            dovecot = DovecotServer().start() if wanted else None
            os.environ[IMAP_PASSWORD_ENV] = IMAP_PASSWORD
            try:
                for source in ("files", "imap") if "note" in parts else ():
                    if source == "imap" and dovecot is None:
                        continue
                    note: dict[str, list[dict[str, float]]] = {"celery": [], "inline": []}
                    for _ in range(args.runs):
                        for backend in note:
                            note[backend].append(
                                note_run(
                                    workdir, ai, smtp, backend, prefix,
                                    dovecot if source == "imap" else None,
                                )
                            )  # fmt: skip
                    result[f"note_{source}"] = {
                        b: {k: statistics.median(r[k] for r in runs) for k in runs[0]}
                        for b, runs in note.items()
                    }
            finally:
                if dovecot is not None:
                    dovecot.stop()
            if "throughput" in parts:
                tp = throughput(workdir, ai, smtp, args.pending, prefix, args.throughput_db)
                result["throughput"] = tp
                result["speedup"] = tp[2]["per_second"] / tp[1]["per_second"]
    finally:
        smtp.stop()
        ai.stop()
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
    if args.json:
        print(json.dumps(result))
        return
    columns = [
        "source", "backend", "mail stored (ms)", "returns (ms)", "classified + replied (ms)",
        "new conv.",
    ]  # fmt: skip
    rows: list[list[Any]] = []
    for source in ("files", "imap"):
        found = result.get(f"note_{source}")
        if not found:
            continue
        celery, inline = found["celery"], found["inline"]
        fast = verdict(celery["returned_ms"] < ASYNC_TARGET_MS)
        label = "directory of files" if source == "files" else "IMAP (Dovecot)"
        rows += [
            [label, f"celery --async, 2 workers: {fast}", celery["stored_ms"],
             celery["returned_ms"], celery["done_ms"], int(celery["new_conversations"])],
            [label, "inline (waits)", inline["stored_ms"], inline["returned_ms"],
             inline["done_ms"], int(inline["new_conversations"])],
        ]  # fmt: skip
    if rows:
        out.print(
            table(
                f"The note's sync: 140 emails on SQLite, AI at {args.latency * 1000:.0f} ms a "
                f"call, 20 auto-replies (median of {args.runs}; target: --async returns in < "
                f"{ASYNC_TARGET_MS:.0f} ms)",
                columns,
                rows,
            )
        )
    if "throughput" in result:
        show_throughput(out, args, result)


def show_throughput(out: Any, args: argparse.Namespace, result: dict[str, Any]) -> None:
    tp = result["throughput"]
    out.print(
        table(
            f"Classification throughput, {args.pending:,} pending conversations "
            f"({args.throughput_db})",
            ["workers", "seconds", "conversations/s", "AI calls"],
            [[str(n), r["seconds"], r["per_second"], int(r["ai_calls"])] for n, r in tp.items()],
        )
    )
    out.print(
        f"two workers / one: {result['speedup']:.2f}x "
        f"{verdict(result['speedup'] >= SPEEDUP_TARGET)} (target {SPEEDUP_TARGET}x)"
    )


if __name__ == "__main__":
    main()
