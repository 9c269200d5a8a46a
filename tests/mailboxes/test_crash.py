"""kill -9 of a running sync at several points, then a rerun: the database of an uninterrupted run.

The killed sync runs in a subprocess (the reruns run here). Its driver passes `sync_all` a fetch
step hook that SIGKILLs the process at a named point (after the Nth header fetch, with the Nth
batch fetched but not handed over, when the pipeline comes back after the Nth batch); one more
run is killed from outside once a batch is stored.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session, sessionmaker

import inboxsync.db.registry  # noqa: F401  (every table in Base.metadata)
from inboxsync.db import make_engine, make_sessionmaker
from inboxsync.db.api_models import Event
from inboxsync.db.engine import normalize_url
from inboxsync.db.models import (
    Base,
    Client,
    Conversation,
    InboxMessage,
    MailboxFolder,
    MailboxLease,
    Quarantine,
)
from inboxsync.mailboxes import sync_all
from tests.factories import make_message
from tests.support.dovecot import DovecotServer, ImapUser
from tests.support.imap import COMPANY_ADDRESS, add_account, crlf, imap_settings, mails

KILL_POINTS = ["peeked:1", "fetched:3", "resumed:4", "peeked:4"]


def wipe(url: str) -> None:
    """Empty every table (the schema stays): cheaper than a new database per kill point."""
    engine = make_engine(url)
    tables = list(reversed(Base.metadata.sorted_tables))
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in tables)
                conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(table.delete())
    finally:
        engine.dispose()


def seed_mail(server: DovecotServer, user: ImapUser) -> None:
    inbox = mails(24)
    inbox.insert(5, crlf(make_message(msgid=None, subject="No Message-ID here")))
    inbox.insert(9, b"\x00\x01 not a message\r\n\r\n\xff")
    inbox.insert(14, crlf(make_message(msgid="<big@client.example>", body="Z" * 6000 + "\n")))
    inbox += mails(3, start=1, tag="m")  # same Message-IDs again: duplicates
    server.append(user, inbox)
    sent = [
        crlf(
            make_message(
                msgid=f"<reply-{i}@acme.example>",
                sender=f"Acme <{COMPANY_ADDRESS}>",
                to=f"Client {i % 7} <client{i % 7}@client.example>",
                subject=f"Re: Question number {i}",
                in_reply_to=f"<m-{i}@client.example>",
                minutes=100 + i,
            )
        )
        for i in range(6)
    ]
    server.append(user, sent, folder="Sent")


def setup_db(
    url: str, server: DovecotServer, user: ImapUser, monkeypatch: pytest.MonkeyPatch
) -> str:
    engine = make_engine(url)
    try:
        account = add_account(make_sessionmaker(engine), server, user, monkeypatch,
                              folders=["INBOX", "Sent"])  # fmt: skip
    finally:
        engine.dispose()
    return account.env_var


# As environment variables (INBOXSYNC_ + the upper-cased key): what imap_settings() sets.
SETTINGS = {
    "imap_fetch_batch": 4,
    "imap_header_batch": 10,
    "max_message_bytes": 4000,
    "imap_lease_seconds": 30,
}
# A small driver rather than the whole CLI: the same library call, a second less to start,
# and the kill point ("peeked:N", "fetched:N", "resumed:N", or none) as its argument.
DRIVER = """
import os, signal, sys
from inboxsync.config import Settings
from inboxsync.db import make_engine, make_sessionmaker
from inboxsync.mailboxes import sync_all

def kill_at(point, count):
    if sys.argv[1:] == [f"{point}:{count}"]:
        os.kill(os.getpid(), signal.SIGKILL)

settings = Settings()
report = sync_all(make_sessionmaker(make_engine(settings.db)), settings, on_fetch_step=kill_at)
raise SystemExit(1 if report.errors else 0)
"""


def run_sync(
    url: str, env_var: str, password: str, kill_at: str | None = None, **overrides: int
) -> subprocess.Popen[bytes]:
    """The sync in a subprocess, configured through the environment as a user would."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INBOXSYNC_")}
    env.update({f"INBOXSYNC_{k.upper()}": str(v) for k, v in (SETTINGS | overrides).items()})
    env.update({env_var: password, "INBOXSYNC_DB": url})
    argv = [sys.executable, "-c", DRIVER, *([kill_at] if kill_at else [])]
    return subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def sync_here(url: str) -> None:
    """The same sync in this process (the reference run and the reruns)."""
    engine = make_engine(url)
    try:
        report = sync_all(
            make_sessionmaker(engine),
            imap_settings(url, max_message_bytes=SETTINGS["max_message_bytes"]),
        )
    finally:
        engine.dispose()
    assert report.errors == []


def finish(proc: subprocess.Popen[bytes]) -> int:
    _out, err = proc.communicate(timeout=120)
    if proc.returncode not in (0, -signal.SIGKILL):
        raise AssertionError(f"sync failed ({proc.returncode}): {err.decode()}")
    return proc.returncode


def snapshot(url: str) -> dict[str, Any]:
    """The database's content without surrogate ids, timestamps of the run or sync_runs rows."""
    engine = make_engine(url)
    sessions: sessionmaker[Session] = make_sessionmaker(engine)
    try:
        with sessions() as s:
            conv_key: dict[int, str] = {}
            for conv_id, key in s.execute(
                select(InboxMessage.conversation_id, InboxMessage.message_key)
            ):
                conv_key[conv_id] = min(key, conv_key.get(conv_id, key))
            client_email = dict(s.execute(select(Client.id, Client.email)).all())
            messages = sorted(
                (m.message_key, conv_key[m.conversation_id], m.direction, m.from_email, m.subject,
                 m.body_text, m.size, m.is_notification, m.mailbox_id, m.source_ref)
                for m in s.scalars(select(InboxMessage))
            )  # fmt: skip
            conversations = sorted(
                (conv_key.get(c.id, ""), c.subject, c.is_notification, c.participants,
                 c.message_count, c.status, client_email.get(c.client_id or 0), c.started_at,
                 c.last_message_at)
                for c in s.scalars(select(Conversation))
            )  # fmt: skip
            return {
                "messages": messages,
                "conversations": conversations,
                "clients": sorted(s.execute(select(Client.email, Client.name)).all()),
                "quarantine": sorted(
                    s.execute(
                        select(
                            Quarantine.source_ref,
                            Quarantine.reason,
                            Quarantine.raw_sha256,
                            Quarantine.headers_only,
                        )
                    ).all()
                ),
                "folders": sorted(
                    s.execute(
                        select(
                            MailboxFolder.name,
                            MailboxFolder.uidvalidity,
                            MailboxFolder.last_uid,
                            MailboxFolder.highestmodseq,
                        )
                    ).all()
                ),
                "leases": s.execute(select(MailboxLease.mailbox_id)).all(),
                "events": _message_events(s),
            }
    finally:
        engine.dispose()


def _message_events(s: Session) -> dict[str, Any]:
    """What a consumer of the event feed saw of the messages: the stored messages' keys of
    `message.created` events (each must come once) and whether the seqs run without a gap.
    Conversation events may differ: where a kill cut the batches, a reply can open a
    conversation that its parent's arrival merges later."""
    key_of = dict(s.execute(select(InboxMessage.id, InboxMessage.message_key)).all())
    rows = s.execute(select(Event.seq, Event.type, Event.message_id).order_by(Event.seq)).all()
    created = sorted(key_of[m] for _, kind, m in rows if kind == "message.created")
    quarantined = sum(1 for _, kind, _ in rows if kind == "message.quarantined")
    return {
        "message.created": created,
        "message.quarantined": quarantined,
        "gapless": [seq for seq, _, _ in rows] == list(range(1, len(rows) + 1)),
    }


def test_kill_9_at_any_point_then_a_rerun_equals_an_uninterrupted_run(
    db_url: str,
    dovecot: DovecotServer,
    imap_user: ImapUser,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed_mail(dovecot, imap_user)
    setup_db(db_url, dovecot, imap_user, monkeypatch)
    sync_here(db_url)
    expected = snapshot(db_url)
    assert len(expected["messages"]) == 31 and len(expected["quarantine"]) == 2
    assert len(expected["events"]["message.created"]) == 31 and expected["events"]["gapless"]
    assert expected["events"]["message.quarantined"] == 2

    for point in [*KILL_POINTS, "external"]:
        url = db_url
        wipe(url)
        env_var = setup_db(url, dovecot, imap_user, monkeypatch)
        if point == "external":
            # One message a batch: the kill lands while most of the mail is still to come.
            proc = run_sync(url, env_var, imap_user.password, imap_fetch_batch=1)
            wait_for_progress(url, proc)
            proc.send_signal(signal.SIGKILL)
        else:
            proc = run_sync(url, env_var, imap_user.password, kill_at=point)
        assert finish(proc) == -signal.SIGKILL, point
        partial = snapshot(url)
        assert len(partial["messages"]) < 31, point
        sync_here(url)
        assert snapshot(url) == expected, point


def wait_for_progress(url: str, proc: subprocess.Popen[bytes]) -> None:
    """Block until the running sync has committed a batch."""
    # A plain engine: ours begins every SQLite transaction with BEGIN IMMEDIATE, and a poller
    # queueing for the write lock would see the first commit only after the last one.
    engine = create_engine(normalize_url(url))
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            with engine.connect() as conn:
                if conn.execute(select(InboxMessage.id).limit(1)).first():
                    return
            time.sleep(0.005)
    finally:
        engine.dispose()
    raise AssertionError("the sync stored nothing before it ended")
