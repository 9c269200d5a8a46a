"""The `sync_runs` rows: a run's start, its end, runs whose process died, and how users read
them (a keyset page, newest first; one run with its report)."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from inboxsync.db.listing import Page, keyset_page
from inboxsync.db.models import Mailbox, SyncRun, utcnow
from inboxsync.errors import NotFound, UsageError

RUN_STATUSES = ("running", "finished", "failed", "interrupted")


@dataclass(frozen=True, slots=True)
class SyncRunItem:
    """A run of the pipeline: an import, an IMAP sync of a mailbox (`mailbox_id`), a retry."""

    id: int
    mailbox_id: int | None
    source: str
    status: str
    started_at: datetime
    finished_at: datetime | None


@dataclass(frozen=True, slots=True)
class SyncRunDetail:
    """A run with its report (the SyncReport's JSON, as stored when it finished)."""

    id: int
    mailbox_id: int | None
    source: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    report: dict[str, Any]


_COLUMNS = (
    SyncRun.id,
    SyncRun.mailbox_id,
    SyncRun.source,
    SyncRun.status,
    SyncRun.started_at,
    SyncRun.finished_at,
)


def start_run(session: Session, company_id: int, mailbox_id: int | None, source: str) -> int:
    """Record a run as `running` by this process; returns its id. Runs that a dead process
    left `running` are marked `interrupted` in the same commit: on this host, those whose
    process is gone; of `mailbox_id`, every one, wherever it ran (a mailbox's runs start under
    its lease, so no other run of it is alive)."""
    mark_interrupted_runs(session)
    if mailbox_id is not None:
        session.execute(
            update(SyncRun)
            .where(SyncRun.mailbox_id == mailbox_id, SyncRun.status == "running")
            .values(status="interrupted", finished_at=utcnow())
        )
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


def run_page(
    session: Session,
    company_id: int,
    *,
    mailbox_id: int | None = None,
    status: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[SyncRunItem]:
    """A page of the company's runs (of one mailbox, of one status), newest first."""
    criteria: list[ColumnElement[bool]] = [SyncRun.company_id == company_id]
    if status is not None:
        if status not in RUN_STATUSES:
            raise UsageError(f"status is one of {', '.join(RUN_STATUSES)}")
        criteria.append(SyncRun.status == status)
    if mailbox_id is not None:
        known = session.scalar(
            select(Mailbox.id).where(Mailbox.id == mailbox_id, Mailbox.company_id == company_id)
        )
        if known is None:
            raise NotFound(f"no mailbox {mailbox_id}")
        criteria.append(SyncRun.mailbox_id == mailbox_id)
    return keyset_page(
        session, select(*_COLUMNS).where(*criteria), [SyncRun.id], _item,
        cursor=cursor, limit=limit, descending=True,
    )  # fmt: skip


def run_detail(session: Session, company_id: int, run_id: int) -> SyncRunDetail:
    """One of the company's runs with its report; NotFound for another company's."""
    row: Sequence[Any] | None = session.execute(
        select(*_COLUMNS, SyncRun.report).where(
            SyncRun.id == run_id, SyncRun.company_id == company_id
        )
    ).first()
    if row is None:
        raise NotFound(f"no sync run {run_id} in this company")
    run_id, mailbox_id, source, status, started_at, finished_at, report = row
    try:
        parsed = json.loads(report or "{}")
    except ValueError:  # written by this module as JSON; a hand-edited row is shown empty
        parsed = {}
    report = parsed if isinstance(parsed, dict) else {}
    return SyncRunDetail(run_id, mailbox_id, source, status, started_at, finished_at, report)


def _item(row: Sequence[Any]) -> SyncRunItem:
    return SyncRunItem(*row)
