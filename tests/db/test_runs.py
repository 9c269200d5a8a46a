"""A run whose process was killed is marked `interrupted` by the next run, never left
`running` forever; a live one is left alone."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from inboxsync.api import Inbox
from inboxsync.config import Settings
from inboxsync.db.models import InboxMessage, Mailbox, SyncRun, utcnow
from inboxsync.db.runs import start_run
from inboxsync.demo.synthetic import synthetic_messages
from tests.factories import cli_env, make_message, write_files


def _statuses(inbox: Inbox) -> list[str]:
    with inbox.sessions() as session:
        return list(session.scalars(select(SyncRun.status).order_by(SyncRun.id)))


def _wait_for_first_batch(inbox: Inbox, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        with inbox.sessions() as session:
            if session.scalar(select(InboxMessage.id).limit(1)) is not None:
                return
        time.sleep(0.05)
    raise AssertionError("the import stored nothing before it ended")


def test_a_killed_import_is_marked_interrupted_by_the_next_run(db_url: str, tmp_path: Path) -> None:
    inbox = Inbox(Settings(db=db_url))
    inbox.add_company("Acme", ["support@acme.example"])
    mail = write_files(tmp_path / "mail", dict(synthetic_messages(4000, seed=3)))
    process = subprocess.Popen(
        [sys.executable, "-m", "inboxsync", "--db", db_url, "import", "--company", "Acme", mail],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=cli_env(),
    )
    _wait_for_first_batch(inbox, process)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert _statuses(inbox) == ["running"]

    later = write_files(tmp_path / "later", {"one": make_message(msgid="<later@c.example>")})
    inbox.import_path("Acme", later)
    assert _statuses(inbox) == ["interrupted", "finished"]


def test_a_run_whose_process_lives_stays_running(db_url: str, tmp_path: Path) -> None:
    inbox = Inbox(Settings(db=db_url))
    company_id = inbox.add_company("Acme", ["support@acme.example"])
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with inbox.sessions() as session:
            session.add(
                SyncRun(
                    company_id=company_id,
                    source="another process",
                    started_at=utcnow(),
                    status="running",
                    host=socket.gethostname(),
                    pid=sleeper.pid,
                )
            )
            session.commit()
        inbox.import_path("Acme", write_files(tmp_path / "m", {"a": make_message(msgid="<a@c>")}))
        assert _statuses(inbox) == ["running", "finished"]
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_mailbox_run_left_running_on_another_host_is_interrupted_by_its_next_run(
    db_url: str,
) -> None:
    inbox = Inbox(Settings(db=db_url))
    company_id = inbox.add_company("Acme", ["support@acme.example"])
    with inbox.sessions() as session:
        boxes = [
            Mailbox(company_id=company_id, imap_host="imap.example", imap_port=993,
                    imap_tls="ssl", username=f"user{n}", secret_kind="env", secret_ref="PW")
            for n in (1, 2)
        ]  # fmt: skip
        session.add_all(boxes)
        session.flush()
        for box in boxes:  # a worker on another machine, killed mid-sync
            session.add(SyncRun(company_id=company_id, mailbox_id=box.id, source="imap",
                                started_at=utcnow(), status="running", host="elsewhere",
                                pid=1))  # fmt: skip
        session.commit()
        start_run(session, company_id, boxes[0].id, "imap")
        states = session.execute(
            select(SyncRun.mailbox_id, SyncRun.status).order_by(SyncRun.id)
        ).all()
    first, second = boxes[0].id, boxes[1].id
    assert states == [(first, "interrupted"), (second, "running"), (first, "running")]
