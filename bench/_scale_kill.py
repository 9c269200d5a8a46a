"""bench/scale.py's kill test: a worker SIGKILLed mid-sync on "another machine" (a UTS
namespace of its own, so the lease cannot tell its process is dead and must expire), and a
second worker that picks the mailbox up once Redis delivers the unacknowledged job again."""

from __future__ import annotations

import argparse
import os
import signal
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from tests.support.celery import Worker
from tests.support.dovecot import DovecotServer
from tests.support.fake_openai import FakeOpenAI

from _common import fresh_database
from _scale_run import HostWorker, drop_keys, finish, queue_idle, schedule, wait_until, worker_env
from _scale_world import make_boxes, register, round_rows
from inboxsync.db import make_engine, make_sessionmaker
from inboxsync.db.models import InboxMessage, MailboxLease, SyncRun, utcnow

VICTIM_HOST = "scale-victim"
BATCH = 20  # bodies per fetch and pipeline batch: ten commits per mailbox, a kill lands between


def kill_test(
    args: argparse.Namespace, server: DovecotServer, ai: FakeOpenAI, workdir: Path
) -> dict[str, Any]:
    """Kill the only worker while it syncs a mailbox, start another; returns what the rows
    say: when the lease expired and the mailbox was taken up, counts, runs, duplicates."""
    boxes = make_boxes(server, args.kill_mailboxes, args.kill_mailboxes, args.messages, 700_000)
    prefix = f"inboxsync-bench-scale-{uuid.uuid4().hex[:8]}"
    # Redis delivers an unacknowledged job again after this: longer than the lease, so the
    # job comes back to a mailbox whose lease has expired.
    visibility = args.lease + 12
    logs = workdir / "logs-kill"
    logs.mkdir()
    with fresh_database("postgresql", workdir, "Seed", ["seed@seed.example"]) as db:
        engine = make_engine(db.url)
        sessions = make_sessionmaker(engine)
        ids = register(sessions, server, boxes)
        env = worker_env(db.url, ai, prefix, f"{prefix}-q",
                         INBOXSYNC_IMAP_LEASE_SECONDS=str(args.lease),
                         INBOXSYNC_JOBS_VISIBILITY_TIMEOUT=str(visibility),
                         INBOXSYNC_IMAP_FETCH_BATCH=str(BATCH))  # fmt: skip
        victim = HostWorker(env, logs / "victim.log", VICTIM_HOST)
        rescuer: Worker | None = None
        try:
            finish(schedule(env))
            target, stored = _mid_sync(sessions, args.messages)
            os.killpg(victim.process.pid, signal.SIGKILL)
            killed_at, clock = utcnow(), time.perf_counter()
            victim.process.wait(10)
            with sessions() as session:
                holder, expires = session.execute(
                    select(MailboxLease.holder, MailboxLease.expires_at).where(
                        MailboxLease.mailbox_id == target
                    )
                ).one()
            rescuer = Worker(env, logs / "rescuer.log")
            # The next beat of `schedule`, once the lease expired: Redis would deliver the
            # lost job again only after the visibility timeout and its sweep (kombu scans
            # unacknowledged jobs every 10 x 10 s).
            time.sleep(max(0.0, (expires - utcnow()).total_seconds()) + 0.5)
            finish(schedule(env))
            wait_until(lambda: all(round_rows(sessions).messages.get(m, 0) == args.messages
                                   for m in ids), "the rescue", timeout=300)  # fmt: skip
            recovered = time.perf_counter() - clock
            redelivered = None
            if args.redelivery:
                wait_until(lambda: queue_idle(prefix, f"{prefix}-q"), "the lost job", 400)
                redelivered = round(time.perf_counter() - clock, 1)
            rows = round_rows(sessions)
            with sessions() as session:
                runs = session.execute(
                    select(SyncRun.status, SyncRun.host, SyncRun.started_at)
                    .where(SyncRun.mailbox_id == target)
                    .order_by(SyncRun.id)
                ).all()
                after_kill = session.scalar(
                    select(func.count()).where(
                        InboxMessage.mailbox_id == target, InboxMessage.created_at > killed_at
                    )
                )
        finally:
            victim.stop()
            if rescuer is not None:
                rescuer.stop()
            drop_keys(prefix)
            engine.dispose()
    rescue_start = max(started for status, _, started in runs if status == "finished")
    return {
        "mailbox": target,
        "stored when killed": f"{stored} of {args.messages}",
        "lease holder at kill": holder,
        "lease left at kill (s)": round((expires - killed_at).total_seconds(), 1),
        "lease / visibility timeout (s)": f"{args.lease} / {visibility}",
        "picked up after kill (s)": round((rescue_start - killed_at).total_seconds(), 1),
        "all mailboxes complete after kill (s)": round(recovered, 1),
        "lost job delivered again and done after (s)": redelivered,
        "messages of the mailbox": rows.messages.get(target, 0),
        "stored by the rescue": after_kill,
        "every mailbox complete": all(rows.messages.get(m) == args.messages for m in ids),
        "duplicate keys": rows.duplicate_keys,
        "runs of the mailbox": [f"{status}@{host}" for status, host, _ in runs],
    }


def _mid_sync(sessions: Any, total: int) -> tuple[int, int]:
    """Wait until a mailbox's sync has committed a batch and has more to go: (mailbox, stored)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with sessions() as session:
            running = session.scalars(
                select(SyncRun.mailbox_id).where(SyncRun.status == "running")
            ).first()
            if running is not None:
                stored = int(session.scalar(
                    select(func.count()).where(InboxMessage.mailbox_id == running)
                ) or 0)  # fmt: skip
                if 0 < stored < total - BATCH:
                    return running, stored
        time.sleep(0.01)
    raise TimeoutError("no sync in progress to kill")
