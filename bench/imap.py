"""IMAP benchmark: inboxsync's sync from a real Dovecot beside mbsync pulling the same folder.

    .venv/bin/python bench/imap.py                    # 10,000 messages, SQLite
    .venv/bin/python bench/imap.py --db postgresql    # the same on PostgreSQL
    .venv/bin/python bench/imap.py --messages 2000 --json
    .venv/bin/python bench/imap.py --repeat 3         # three rounds, the median run of each

Dovecot (Debian `dovecot-imapd`) and mbsync (Debian `isync`) are installed from Debian by
scripts/install-test-services.sh when missing. The run imports a copy of src/ taken at its start
(edits made meanwhile do not count) and prints the commit, the load average and the peers'
figures beside ours. The messages (inboxsync.demo.synthetic_messages) are written
straight into the Maildir, then indexed by Dovecot once before anything is timed. Measured, in
this one run: mbsync's pull into an empty Maildir (default FSync); inboxsync's first full sync
(download + parse + thread + store); a no-op sync; and the seed note's scenario, 140 new emails
of which half are already stored from another folder. Nothing printed is hard-coded.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from _common import code_state, console, ensure_tools, fresh_database, snapshot_source, table  # noqa: E402
from _common import verdict as pass_or_miss  # noqa: E402

if __name__ == "__main__":  # before any import of inboxsync: the run measures one state of src/
    WORKDIR = Path(tempfile.mkdtemp(prefix="inboxsync-bench-imap-"))
    CODE = code_state(ROOT, snapshot_source(ROOT, WORKDIR))

from tests.support.dovecot import DovecotServer, ImapUser  # noqa: E402
from tests.support.imap import add_imap_mailbox  # noqa: E402

from inboxsync.config import Settings  # noqa: E402
from inboxsync.db import make_engine, make_sessionmaker  # noqa: E402
from inboxsync.db.companies import company_id_by_name  # noqa: E402
from inboxsync.demo.synthetic import synthetic_messages  # noqa: E402
from inboxsync.mailboxes import MailboxSyncReport, sync_mailbox  # noqa: E402
from inboxsync.sources.base import FolderCursor  # noqa: E402
from inboxsync.sources.imap import (  # noqa: E402
    FetchLimits,
    ImapConnection,
    ImapEndpoint,
    ImapMailboxSource,
)
from inboxsync.sources.secrets import Secret  # noqa: E402

COMPANY, DOMAIN = "Acme", "acme.example"
TARGET_RATIO, AIM_RATIO = 1.0, 1.3  # of mbsync's messages/s, in the same run (issue 12)
TARGET_NOOP_MS = 100.0
SCENARIO_NEW, SCENARIO_KNOWN = 70, 70


def write_maildir(server: DovecotServer, user: ImapUser, folder: str, raws: list[bytes]) -> int:
    """Drop messages into a Maildir folder as the mail user, as a delivery agent would."""
    base = user.maildir if folder == "INBOX" else user.maildir / f".{folder}"
    for sub in ("cur", "new", "tmp"):
        (base / sub).mkdir(parents=True, exist_ok=True)
        os.chown(base / sub, server.mail_uid, server.mail_gid)
    os.chown(base, server.mail_uid, server.mail_gid)
    size = 0
    stamp = int(time.time())
    for i, raw in enumerate(raws):
        path = base / "new" / f"{stamp}.M{i}P{os.getpid()}.bench"
        path.write_bytes(raw)
        os.chown(path, server.mail_uid, server.mail_gid)
        size += len(raw)
    return size


def index(server: DovecotServer, user: ImapUser, folders: list[str]) -> int:
    """SELECT each folder once (Dovecot builds its index: UIDs), not timed; returns EXISTS.

    Dovecot's cache of sizes and headers stays cold: the first client to fetch builds it."""
    total = 0
    with server.client(user) as client:
        for folder in folders:
            total += int(client.select_folder(folder, readonly=True)[b"EXISTS"])
    return total


def run_mbsync(server: DovecotServer, user: ImapUser, workdir: Path, name: str) -> dict[str, Any]:
    """`mbsync -a` pulling INBOX into an empty Maildir; wall time and size."""
    target = workdir / f"mbsync-{name}"
    target.mkdir()
    config = workdir / f"mbsyncrc-{name}"
    config.write_text(
        f"""IMAPAccount bench
Host 127.0.0.1
Port {server.port}
User {user.name}
Pass {user.password}
SSLType None
AuthMechs LOGIN

IMAPStore remote
Account bench

MaildirStore local
Path {target}/
Inbox {target}/INBOX
SubFolders Verbatim

Channel bench
Far :remote:
Near :local:
Patterns INBOX
Create Near
Sync Pull
SyncState *
"""
    )
    config.chmod(0o600)
    os.sync()  # the previous run's writes are not flushed on this one's time
    start = time.perf_counter()
    subprocess.run(["mbsync", "-q", "-c", str(config), "-a"], check=True, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    files = [
        p for p in (target / "INBOX").rglob("*") if p.is_file() and p.parent.name in ("cur", "new")
    ]
    return {"wall": wall, "messages": len(files), "bytes": sum(p.stat().st_size for p in files)}


def add_mailbox(url: str, server: DovecotServer, user: ImapUser, folders: list[str]) -> int:
    engine = make_engine(url)
    try:
        sessions = make_sessionmaker(engine)
        with sessions() as session:
            company_id = company_id_by_name(session, COMPANY)
        password_env = f"BENCH_PW_{user.name}"
        mailbox_id, _ = add_imap_mailbox(
            sessions, server, company_id, user, password_env=password_env, folders=folders
        )
        return mailbox_id
    finally:
        engine.dispose()


def timed_sync(url: str, settings: Settings, mailbox_id: int) -> tuple[float, MailboxSyncReport]:
    engine = make_engine(url)
    try:
        sessions = make_sessionmaker(engine)
        os.sync()  # as before mbsync's run
        start = time.perf_counter()
        report = sync_mailbox(sessions, settings, mailbox_id)
        return time.perf_counter() - start, report
    finally:
        engine.dispose()


def new_user(server: DovecotServer) -> ImapUser:
    user = server.new_user()
    os.environ[f"BENCH_PW_{user.name}"] = user.password
    return user


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.add_argument(
        "--repeat", type=int, default=1, help="rounds of the four timed runs; medians shown"
    )
    args = parser.parse_args()
    out = console(args.json)
    ensure_tools("mbsync", "/usr/sbin/dovecot")

    workdir = WORKDIR
    server = DovecotServer().start()
    results: dict[str, Any] = {"messages": args.messages, "db": args.db, "code": CODE,
                               "load_average_at_start": os.getloadavg()}  # fmt: skip
    try:
        raws = [raw for _, raw in synthetic_messages(args.messages)]
        rounds = []
        for n in range(max(1, args.repeat)):
            part, warmed = one_round(server, workdir, args.db, raws, n)
            rounds.append(part)
        results.update({k: rounds[0][k] for k in ("maildir_bytes", "indexed", "dovecot_index_s")})
        for key in (*TIMED, "noop"):
            results[key] = sorted((r[key] for r in rounds), key=lambda run: run["wall"])[
                (len(rounds) - 1) // 2
            ]  # the median run (the lower one of an even count)
        results["rounds"] = [{key: r[key]["wall"] for key in TIMED} for r in rounds]
        results["source_only"] = source_only(server, warmed)
        results["scenario"] = scenario(server, workdir, args.db)
        results["load_average_at_end"] = os.getloadavg()
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    show(results, out, args.json)


TIMED = ("mbsync_cold", "full_cold", "mbsync_warm", "full_warm")


def one_round(
    server: DovecotServer, workdir: Path, backend: str, raws: list[bytes], n: int
) -> tuple[dict[str, Any], ImapUser]:
    """The four timed runs on two fresh folders; returns them and a user whose folder is warm.

    Two users with the same Maildir: each client meets a cold server once (the first to fetch
    builds Dovecot's cache, as on a server that never served those messages), then the other
    user's folder, warmed by the other client."""
    a, b = new_user(server), new_user(server)
    part: dict[str, Any] = {"maildir_bytes": write_maildir(server, a, "INBOX", raws)}
    write_maildir(server, b, "INBOX", raws)
    start = time.perf_counter()
    part["indexed"] = index(server, a, ["INBOX"]) + index(server, b, ["INBOX"])
    part["dovecot_index_s"] = time.perf_counter() - start
    part["mbsync_cold"] = run_mbsync(server, a, workdir, f"cold-{n}")
    part["full_cold"], part["noop"] = ours(backend, workdir, server, b)
    part["mbsync_warm"] = run_mbsync(server, b, workdir, f"warm-{n}")
    part["full_warm"], _ = ours(backend, workdir, server, a)
    return part, a


def source_only(server: DovecotServer, user: ImapUser) -> dict[str, Any]:
    """The IMAP side alone (phases 1 and 2 of every message, nothing stored), warm cache."""
    settings = Settings()
    endpoint = ImapEndpoint("127.0.0.1", server.port, "none", user.name)
    start = time.perf_counter()
    with ImapConnection.open(endpoint, Secret(user.password)) as conn:
        source = ImapMailboxSource(
            conn,
            [FolderCursor(0, "INBOX")],
            lambda keys: set(),
            mailbox_id=0,
            limits=FetchLimits(
                settings.imap.header_batch, settings.imap.fetch_batch, settings.imap.prefetch
            ),
        )
        messages = sum(len(batch.messages) for batch in source.batches(settings.batch_size))
    wall = time.perf_counter() - start
    return {"wall": wall, "messages": messages, "bytes": conn.stats.bytes_downloaded,
            "commands": conn.stats.commands}  # fmt: skip


def ours(
    backend: str, workdir: Path, server: DovecotServer, user: ImapUser
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A full sync into a fresh database, then the median of three no-op syncs."""
    with fresh_database(backend, workdir, COMPANY, [f"support@{DOMAIN}"]) as db:
        settings = Settings(db=db.url)
        mailbox_id = add_mailbox(db.url, server, user, ["INBOX"])
        wall, report = timed_sync(db.url, settings, mailbox_id)
        full = {"wall": wall, **report.as_dict()}
        noops = sorted(
            (timed_sync(db.url, settings, mailbox_id) for _ in range(3)), key=lambda p: p[0]
        )
        wall, report = noops[1]
    return full, {"wall": wall, **report.as_dict()}


def scenario(server: DovecotServer, workdir: Path, backend: str) -> dict[str, Any]:
    """140 new emails in INBOX, 70 of them already stored from the Archive folder."""
    user = new_user(server)
    raws = [raw for _, raw in synthetic_messages(SCENARIO_NEW + SCENARIO_KNOWN, seed=7)]
    write_maildir(server, user, "Archive", raws[:SCENARIO_KNOWN])
    write_maildir(server, user, "INBOX", raws)
    index(server, user, ["INBOX", "Archive"])
    with fresh_database(backend, workdir, COMPANY, [f"support@{DOMAIN}"]) as db:
        settings = Settings(db=db.url)
        archive = add_mailbox(db.url, server, user, ["Archive"])
        timed_sync(db.url, settings, archive)
        inbox = add_mailbox(db.url, server, user, ["INBOX"])
        wall, report = timed_sync(db.url, settings, inbox)
    new_bytes = sum(
        len(raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")) for raw in raws[SCENARIO_KNOWN:]
    )
    return {"wall": wall, "new_body_bytes": new_bytes, **report.as_dict()}


def show(r: dict[str, Any], out: Any, as_json: bool) -> None:
    def rate(run: dict[str, Any], count: str) -> float:
        return float(run[count]) / float(run["wall"])

    cold = rate(r["full_cold"], "fetched") / rate(r["mbsync_cold"], "messages")
    warm = rate(r["full_warm"], "fetched") / rate(r["mbsync_warm"], "messages")
    noop, sc, src = r["noop"], r["scenario"], r["source_only"]
    r["verdicts"] = {
        "cold_vs_mbsync": cold,
        "warm_vs_mbsync": warm,
        "cold_ok": cold >= TARGET_RATIO,
        "warm_ok": warm >= TARGET_RATIO,
        "noop_ok": noop["wall"] * 1000 < TARGET_NOOP_MS and noop["bytes_downloaded"] == 0,
        "scenario_ok": sc["bytes_downloaded"] < sc["new_body_bytes"] * 1.1
        and sc["new_messages"] == SCENARIO_NEW,
    }
    if as_json:
        print(json.dumps(r))
        return
    code, changed = r["code"], len(r["code"]["changed_under_src"])
    changed_text = f" + {changed} files changed under src/" if changed else ""
    out.print(
        f"{r['messages']} messages, {r['maildir_bytes'] / 1e6:.1f} MB in each of two Maildirs; "
        f"Dovecot indexed them in {r['dovecot_index_s']:.2f} s (not timed); db {r['db']}; "
        f"code {code['commit']}{changed_text} (digest {code['src_digest']}); load average "
        + " → ".join(
            "/".join(f"{x:.2f}" for x in r[k])
            for k in ("load_average_at_start", "load_average_at_end")
        )
    )

    def mbsync_row(label: str, run: dict[str, Any]) -> list[Any]:
        return [label, run["messages"], f"{run['wall']:.2f}", f"{rate(run, 'messages'):.0f}",
                f"{run['bytes'] / run['wall'] / 1e6:.1f}", f"{run['bytes']:,}", "-", "-", "-",
                "reference"]  # fmt: skip

    def our_row(label: str, run: dict[str, Any], target: str) -> list[Any]:
        return [label, run["fetched"], f"{run['wall']:.2f}", f"{rate(run, 'fetched'):.0f}",
                f"{run['bytes_downloaded'] / run['wall'] / 1e6:.1f}",
                f"{run['bytes_downloaded']:,}", run["imap_round_trips"], run["db_round_trips"],
                run["commits"], target]  # fmt: skip

    rows = [
        mbsync_row("mbsync pull, cold server cache", r["mbsync_cold"]),
        our_row("inboxsync full sync, cold server cache", r["full_cold"],
                f"{cold:.2f}× mbsync (target ≥ {TARGET_RATIO}×, aim {AIM_RATIO}×) "
                + pass_or_miss(r["verdicts"]["cold_ok"])),
        mbsync_row("mbsync pull, warm server cache", r["mbsync_warm"]),
        our_row("inboxsync full sync, warm server cache", r["full_warm"],
                f"{warm:.2f}× mbsync (target ≥ {TARGET_RATIO}×) "
                + pass_or_miss(r["verdicts"]["warm_ok"])),
        ["inboxsync IMAP side alone (nothing stored), warm", src["messages"], f"{src['wall']:.2f}",
         f"{rate(src, 'messages'):.0f}", f"{src['bytes'] / src['wall'] / 1e6:.1f}",
         f"{src['bytes']:,}", src["commands"], "-", "-", "what the pipeline waits on"],
        ["inboxsync no-op sync (median of 3)", noop["fetched"], f"{noop['wall'] * 1000:.1f} ms",
         "-", "-", f"{noop['bytes_downloaded']:,}", noop["imap_round_trips"],
         noop["db_round_trips"], noop["commits"],
         f"< {TARGET_NOOP_MS:.0f} ms, no body " + pass_or_miss(r["verdicts"]["noop_ok"])],
        ["note's scenario: 140 new, 70 stored elsewhere", sc["fetched"], f"{sc['wall']:.2f}",
         "-", "-", f"{sc['bytes_downloaded']:,}", sc["imap_round_trips"], sc["db_round_trips"],
         sc["commits"],
         f"new bodies {sc['new_body_bytes']:,} B; {sc['new_messages']} stored, "
         f"{sc['duplicates']} skipped " + pass_or_miss(r["verdicts"]["scenario_ok"])],
    ]  # fmt: skip
    columns = ["run", "messages", "wall s", "msgs/s", "MB/s", "bytes downloaded",
               "IMAP round trips", "DB round trips", "commits", "target"]  # fmt: skip
    out.print(table("IMAP sync vs mbsync (mbsync: default FSync yes)", columns, rows))
    if len(r["rounds"]) > 1:
        per = r["full_cold"]["fetched"] / r["mbsync_cold"]["messages"]  # the same each round
        ratios = [
            f"cold {per * x['mbsync_cold'] / x['full_cold']:.2f}×, "
            f"warm {per * x['mbsync_warm'] / x['full_warm']:.2f}×"
            for x in r["rounds"]
        ]
        out.print(f"{len(ratios)} rounds, medians shown; each round: " + "; ".join(ratios))
    for name in ("full_cold", "full_warm"):
        stages = ", ".join(f"{k} {v:.2f}" for k, v in r[name]["seconds"].items())
        out.print(f"{name} stages (s): {stages}")


if __name__ == "__main__":
    main()
