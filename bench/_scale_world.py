"""What bench/scale.py syncs and how it watches it: Dovecot users with generated Maildirs,
companies and their mailboxes in a fresh database, the rows a round left, and the CPU time
of the processes taking part (workers, PostgreSQL backends, Dovecot, Redis, the machine)."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from tests.support.dovecot import DovecotServer, ImapUser
from tests.support.imap import IMAP_PASSWORD, add_imap_mailbox

from imap import index, write_maildir
from inboxsync.db.companies import add_company
from inboxsync.db.models import InboxMessage, Mailbox, SyncRun
from inboxsync.demo.synthetic import synthetic_messages
from inboxsync.mail.headers import peek_key

TICKS = os.sysconf("SC_CLK_TCK")
SEED_STEP = 1_000_003


def distinct_mail(count: int, seed: int, domain: str) -> list[bytes]:
    """`count` generated messages with distinct keys (the generator's duplicate deliveries
    left out), so a mailbox fully synced holds exactly `count` messages."""
    kept: dict[str, bytes] = {}
    for _, raw in synthetic_messages(count + count // 10 + 10, seed, domain):
        kept.setdefault(peek_key(raw), raw)
        if len(kept) == count:
            return list(kept.values())
    # Too many duplicate deliveries among them: another seed, as deterministic.
    return distinct_mail(count, seed + SEED_STEP, domain)


@dataclass(frozen=True)
class Box:
    """One benchmark mailbox: its Dovecot user, seed and company domain."""

    user: ImapUser
    seed: int
    domain: str


def make_boxes(server: DovecotServer, count: int, companies: int, messages: int,
               first_seed: int) -> list[Box]:  # fmt: skip
    """`count` new Dovecot users (password IMAP_PASSWORD), each with `messages` generated
    messages written straight into its Maildir and indexed by Dovecot once (not timed).
    Mailbox i belongs to company i % companies."""
    boxes = []
    for i in range(count):
        user = server.new_user(IMAP_PASSWORD)
        domain = f"c{i % companies}.example"
        seed = first_seed + i
        write_maildir(server, user, "INBOX", distinct_mail(messages, seed, domain))
        boxes.append(Box(user, seed, domain))
    for box in boxes:
        index(server, box.user, ["INBOX"])
    return boxes


def add_more_mail(server: DovecotServer, boxes: list[Box], messages: int) -> None:
    """Deliver `messages` more to each mailbox, drawn with another seed (new keys)."""
    for box in boxes:
        more = distinct_mail(messages, box.seed + SEED_STEP // 2, box.domain)
        write_maildir(server, box.user, "INBOX", more)


def register(sessions: sessionmaker[Session], server: DovecotServer, boxes: list[Box]) -> list[int]:
    """The companies (one per domain) and one IMAP mailbox per box; returns the mailbox ids."""
    companies: dict[str, int] = {}
    ids = []
    for box in boxes:
        if box.domain not in companies:
            with sessions.begin() as session:
                companies[box.domain] = add_company(
                    session, f"Company {box.domain}", [f"support@{box.domain}"]
                )
        mailbox_id, _ = add_imap_mailbox(sessions, server, companies[box.domain], box.user)
        ids.append(mailbox_id)
    return ids


@dataclass(frozen=True)
class RoundRows:
    """What the database says about every mailbox: sync_runs rows by status, messages stored,
    duplicate keys, and the span of the runs."""

    runs: dict[int, dict[str, int]]
    messages: dict[int, int]
    duplicate_keys: int
    first_start: Any
    last_finish: Any
    synced: dict[int, Any]


def round_rows(sessions: sessionmaker[Session], since: Any = None) -> RoundRows:
    """Read the rows (runs started at or after `since`, when given)."""
    with sessions() as session:
        runs_q = select(SyncRun.mailbox_id, SyncRun.status, func.count()).group_by(
            SyncRun.mailbox_id, SyncRun.status
        )
        span_q = select(func.min(SyncRun.started_at), func.max(SyncRun.finished_at))
        if since is not None:
            runs_q = runs_q.where(SyncRun.started_at >= since)
            span_q = span_q.where(SyncRun.started_at >= since)
        runs: dict[int, dict[str, int]] = {}
        for mailbox_id, status, n in session.execute(runs_q):
            runs.setdefault(mailbox_id or 0, {})[status] = n
        by_mailbox = select(InboxMessage.mailbox_id, func.count()).group_by(InboxMessage.mailbox_id)
        messages = {m or 0: n for m, n in session.execute(by_mailbox)}
        total = session.scalar(select(func.count()).select_from(InboxMessage)) or 0
        distinct = session.scalar(
            select(func.count()).select_from(
                select(InboxMessage.company_id, InboxMessage.message_key).distinct().subquery()
            )
        )
        first, last = session.execute(span_q).one()
        synced = dict(session.execute(select(Mailbox.id, Mailbox.last_sync_at)).all())
    return RoundRows(runs, messages, int(total) - int(distinct or 0), first, last, synced)


# --- CPU time --------------------------------------------------------------------------------


def _stat_seconds(pid: int, children: bool) -> float:
    """utime + stime of `pid` (+ cutime + cstime: its reaped children) in seconds; 0 if gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / TICKS


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            found += map(int, Path(f"/proc/{pid}/task/{task}/children").read_text().split())
        except OSError:
            continue
    return found


def tree_seconds(pid: int) -> float:
    """CPU seconds of a process tree: every live process, and every child already reaped
    (a Dovecot `imap` process per login, the parse workers of each sync)."""
    return _stat_seconds(pid, True) + sum(tree_seconds(child) for child in _children(pid))


def machine_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of all cores since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def redis_counters(url: str) -> tuple[float, int]:
    """Redis's own CPU seconds and commands processed so far (every client's, not only ours)."""
    client = redis.Redis.from_url(url)
    try:
        info: dict[str, Any] = client.info()
    finally:
        client.close()
    cpu = float(info["used_cpu_user"]) + float(info["used_cpu_sys"])
    return cpu, int(info["total_commands_processed"])


@dataclass
class CpuMeter:
    """CPU seconds of each party between `start` and `stop`. The PostgreSQL backends of
    database `dbname` are sampled every `every` seconds (one per pooled connection; a backend
    that came and went between two samples is missed), or only at start and stop (0)."""

    admin_url: str
    dbname: str
    redis_url: str
    trees: dict[str, list[int]]
    every: float = 0.5
    seconds: dict[str, float] = field(default_factory=dict)
    machine_busy: float = 0.0
    redis_commands: int = 0
    _backends: dict[int, list[float]] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> CpuMeter:
        self._t0 = {name: sum(map(tree_seconds, pids)) for name, pids in self.trees.items()}
        self._m0 = machine_jiffies()
        self._r0 = redis_counters(self.redis_url)
        self._sample(first=True)
        if self.every:
            self._thread = threading.Thread(target=self._loop, daemon=True)
            self._thread.start()
        return self

    def stop(self) -> CpuMeter:
        """Stop measuring (before the measured processes are stopped)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._sample(first=False)
        for name, pids in self.trees.items():
            self.seconds[name] = sum(map(tree_seconds, pids)) - self._t0[name]
        self.seconds["postgres"] = sum(last - first for first, last in self._backends.values())
        busy, total = machine_jiffies()
        # Busy share of both cores, e.g. 0.95 = 95 % of the machine's CPU time was used.
        self.machine_busy = (busy - self._m0[0]) / max(1, total - self._m0[1])
        cpu, commands = redis_counters(self.redis_url)
        self.seconds["redis (all clients)"] = cpu - self._r0[0]
        self.redis_commands = commands - self._r0[1]
        return self

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            self._sample(first=False)

    def _sample(self, first: bool) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            pids = [
                row[0]
                for row in conn.execute(
                    "SELECT pid FROM pg_stat_activity"
                    " WHERE datname = %s AND pid <> pg_backend_pid()",
                    (self.dbname,),
                )
            ]
        for pid in pids:
            now = _stat_seconds(pid, False)
            seen = self._backends.setdefault(pid, [now if first else 0.0, now])
            seen[1] = max(seen[1], now)
