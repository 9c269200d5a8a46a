"""The `sync_runs` rows: a run's start, its end, and runs whose process died."""

from __future__ import annotations

import json
import os
import socket
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from inboxsync.db.models import SyncRun, utcnow


def start_run(session: Session, company_id: int, mailbox_id: int | None, source: str) -> int:
    """Record a run as `running` by this process; returns its id. Runs that a dead process
    left `running` are marked `interrupted` in the same commit."""
    mark_interrupted_runs(session)
    run = SyncRun(
        company_id=company_id,
        mailbox_id=mailbox_id,
        source=source,
        started_at=utcnow(),
        status="running",
        host=_host(),
        pid=os.getpid(),
    )
    session.add(run)
    session.commit()
    return run.id


def finish_run(session: Session, run_id: int, report: dict[str, Any], status: str) -> None:
    """Record the end of a run with its report."""
    session.execute(
        update(SyncRun)
        .where(SyncRun.id == run_id)
        .values(finished_at=utcnow(), status=status, report=json.dumps(report))
    )
    session.commit()


def mark_interrupted_runs(session: Session) -> int:
    """Mark `interrupted` the runs still `running` whose process on this host is gone (it was
    killed, or the machine stopped); returns how many, uncommitted. Runs of other hosts are
    left alone: their processes cannot be seen from here."""
    running = session.execute(
        select(SyncRun.id, SyncRun.pid).where(SyncRun.status == "running", SyncRun.host == _host())
    ).all()
    dead = [run_id for run_id, pid in running if pid is None or not _alive(pid)]
    if dead:
        session.execute(
            update(SyncRun)
            .where(SyncRun.id.in_(dead), SyncRun.status == "running")
            .values(status="interrupted", finished_at=utcnow())
        )
    return len(dead)


def _host() -> str:
    return socket.gethostname()[:255]


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process holds that pid: alive
        return True
    return True
