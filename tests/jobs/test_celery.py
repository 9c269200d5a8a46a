"""Real Celery workers (`inboxsync worker` processes) on Redis, on SQLite and PostgreSQL:
the async path, two workers, retries, and workers killed in the middle of a job.

One worker process serves the whole module per database; the database is shared by the
tests, each of which uses its own company.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.config import Settings
from inboxsync.db import make_engine, make_sessionmaker
from inboxsync.db.models import Conversation, Mailbox
from inboxsync.db.outbox_models import OutboxEntry
from inboxsync.jobs import close_queues, follow_up
from inboxsync.jobs.schedule import schedule_round
from tests.jobs.scenario import loop_cases, people
from tests.outbound.helpers import ingest_raw, setup_company
from tests.support.celery import REDIS_URL, Worker, job_env, wait_for
from tests.support.dovecot import DovecotServer
from tests.support.fake_openai import FakeOpenAI
from tests.support.imap import IMAP_PASSWORD, IMAP_PASSWORD_ENV, add_imap_mailbox, crlf
from tests.support.postgres import TEST_SERVER
from tests.support.smtp_server import SmtpServer


class Env:
    """The module's database, settings of the test process, and its worker."""

    def __init__(self, db_url: str, settings: Settings, env: dict[str, str], logs: Path) -> None:
        self.db_url = db_url
        self.settings = settings
        self.env = env
        self.logs = logs
        engine = make_engine(db_url)
        self.engine = engine
        self.sessions: sessionmaker[Session] = make_sessionmaker(engine)
        self.worker = Worker(env, logs / "worker-1.log")
        self.companies = 0

    def company(self, smtp: SmtpServer) -> tuple[int, str]:
        """A new company of the shared database: its id and domain."""
        self.companies += 1
        name = f"Acme{self.companies}"
        company_id, _ = setup_company(self.sessions, smtp.port, name=name)
        return company_id, f"{name.lower()}.example"

    def close(self) -> None:
        self.worker.stop()
        self.engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def celery_env(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    fake_openai_server: FakeOpenAI,
    redis_prefix: str,
) -> Iterator[Env]:
    folder = tmp_path_factory.mktemp(f"celery-{request.param}")
    if request.param == "sqlite":
        path = folder / "jobs.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        db_url = f"sqlite:///{path}"
    else:
        name = TEST_SERVER.create("inboxsync_celery", request.getfixturevalue("pg_template"))
        db_url = TEST_SERVER.url(name)
    queue = f"{redis_prefix}-{request.param}"
    env = job_env(
        db_url=db_url,
        ai=fake_openai_server,
        prefix=redis_prefix,
        queue=queue,
        INBOXSYNC_JOBS_CLASSIFY_CHUNK="10",
        **{IMAP_PASSWORD_ENV: IMAP_PASSWORD},
    )
    settings = Settings(
        db=db_url,
        redis_url=REDIS_URL,
        jobs={
            "backend": "celery",
            "queue": queue,
            "key_prefix": redis_prefix,
            "classify_chunk": 10,
        },
    )
    celery = Env(db_url, settings, env, folder)
    yield celery
    celery.close()
    close_queues()
    if request.param == "postgresql":
        TEST_SERVER.drop(name)


def statuses(env: Env, company_id: int) -> dict[str, int]:
    with env.sessions() as session:
        rows = session.execute(
            select(Conversation.status, func.count())
            .where(Conversation.company_id == company_id)
            .group_by(Conversation.status)
        )
        return {status: int(n) for status, n in rows}


def outbox(env: Env, company_id: int) -> dict[str, int]:
    with env.sessions() as session:
        rows = session.execute(
            select(OutboxEntry.status, func.count())
            .where(OutboxEntry.company_id == company_id)
            .group_by(OutboxEntry.status)
        )
        return {status: int(n) for status, n in rows}


def settled(env: Env, company_id: int, classified: int, sent: int) -> Callable[[], bool]:
    def check() -> bool:
        done = statuses(env, company_id).get("classified", 0) == classified
        return done and outbox(env, company_id).get("sent", 0) == sent

    return check


def recipients(smtp: SmtpServer) -> list[str]:
    return sorted(r.rcpt_tos[0] for r in smtp.received)


def test_async_follow_up_returns_at_once_and_a_worker_does_the_rest(
    celery_env: Env, fake_openai: FakeOpenAI, smtp: SmtpServer, tmp_path: Path
) -> None:
    fake_openai.latency = 0.3
    company_id, domain = celery_env.company(smtp)
    mail = people(20) | people(5, tag="b", topic="billing") | loop_cases(domain=domain)
    new = ingest_raw(celery_env.sessions, celery_env.settings, company_id, tmp_path / "m", mail)
    follow_up(celery_env.sessions, celery_env.settings, company_id, new, wait=True)
    # Celery: `wait` does not wait, the mail is stored and classification is the workers' job.
    assert statuses(celery_env, company_id).get("classified", 0) < 25
    wait_for(settled(celery_env, company_id, 25, 20), what="classified and replied")
    assert statuses(celery_env, company_id) == {"classified": 25, "skipped": 3}
    assert recipients(smtp) == sorted(f"p{i}@client{i}.example" for i in range(20))


def test_two_workers_share_the_jobs_and_each_reply_goes_once(
    celery_env: Env, fake_openai: FakeOpenAI, smtp: SmtpServer, tmp_path: Path
) -> None:
    fake_openai.latency = 0.3
    second = Worker(celery_env.env, celery_env.logs / "worker-2.log")
    try:
        company_id, _ = celery_env.company(smtp)
        mail = people(40, tag="q")
        new = ingest_raw(celery_env.sessions, celery_env.settings, company_id, tmp_path / "m", mail)
        smtp.fail("rcpt:451")  # and one auto-reply goes through a Celery retry
        follow_up(celery_env.sessions, celery_env.settings, company_id, new, wait=False)
        wait_for(settled(celery_env, company_id, 40, 40), what="two workers done")
    finally:
        second.stop()
    assert recipients(smtp) == sorted(f"q{i}@client{i}.example" for i in range(40))
    logs = [celery_env.worker.log.read_text(), second.log.read_text()]
    assert all("classify_pending" in log and "succeeded" in log for log in logs)
    assert any("Retry in" in log for log in logs)


def test_loop_cases_get_nothing_through_the_workers(
    celery_env: Env, fake_openai: FakeOpenAI, smtp: SmtpServer, tmp_path: Path
) -> None:
    company_id, domain = celery_env.company(smtp)
    mail = loop_cases("x", domain) | people(1, tag="z")
    new = ingest_raw(celery_env.sessions, celery_env.settings, company_id, tmp_path / "m", mail)
    follow_up(celery_env.sessions, celery_env.settings, company_id, new, wait=False)

    def done() -> bool:
        busy = {"pending", "classifying"} & set(statuses(celery_env, company_id))
        return not busy and outbox(celery_env, company_id).get("sent") == 1

    wait_for(done, what="the one person answered")
    time.sleep(0.5)
    assert recipients(smtp) == ["z0@client0.example"]
    # Three notifications never reach the classifier; our own message is filed, not answered.
    assert statuses(celery_env, company_id) == {"classified": 2, "skipped": 3}
    assert outbox(celery_env, company_id) == {"sent": 1, "skipped": 1}


def kill_running_child(worker: Worker) -> None:
    children = worker.children()
    assert children, "the worker has no pool process"
    for pid in children:
        os.kill(pid, signal.SIGKILL)


def test_a_worker_killed_while_classifying_runs_the_job_again(
    celery_env: Env, fake_openai: FakeOpenAI, smtp: SmtpServer, tmp_path: Path
) -> None:
    fake_openai.latency = 2.0
    company_id, _ = celery_env.company(smtp)
    new = ingest_raw(
        celery_env.sessions, celery_env.settings, company_id, tmp_path / "m", people(5, tag="k")
    )
    follow_up(celery_env.sessions, celery_env.settings, company_id, new, wait=False)
    wait_for(lambda: statuses(celery_env, company_id).get("classifying", 0) > 0, what="claimed")
    kill_running_child(celery_env.worker)
    fake_openai.latency = 0.0
    # The job comes back (acks late, rejected on worker loss); the dead claim expires (10 s).
    wait_for(settled(celery_env, company_id, 5, 5), timeout=90, what="job ran again")
    assert recipients(smtp) == sorted(f"k{i}@client{i}.example" for i in range(5))


def test_a_worker_killed_during_smtp_data_never_sends_twice(
    celery_env: Env, fake_openai: FakeOpenAI, smtp: SmtpServer, tmp_path: Path
) -> None:
    company_id, _ = celery_env.company(smtp)
    new = ingest_raw(
        celery_env.sessions, celery_env.settings, company_id, tmp_path / "m", people(1, tag="d")
    )
    smtp.fail("data:hang")
    follow_up(celery_env.sessions, celery_env.settings, company_id, new, wait=False)
    wait_for(smtp.handler.hanging.is_set, what="DATA in flight")
    kill_running_child(celery_env.worker)
    smtp.release()
    wait_for(lambda: outbox(celery_env, company_id) == {"failed": 1}, what="marked failed")
    time.sleep(1.0)
    assert len(smtp.received) == 1  # the server got it once; it was never sent again
    with celery_env.sessions() as session:
        reason = session.scalar(
            select(OutboxEntry.reason).where(OutboxEntry.company_id == company_id)
        )
    assert reason is not None and "delivery unknown" in reason


def test_scheduled_mailbox_sync_runs_in_the_worker(
    celery_env: Env,
    fake_openai: FakeOpenAI,
    smtp: SmtpServer,
    dovecot: DovecotServer,
) -> None:
    company_id, _ = celery_env.company(smtp)
    _, user = add_imap_mailbox(celery_env.sessions, dovecot, company_id)
    dovecot.append(user, [crlf(raw) for raw in people(2, tag="hist").values()])
    assert schedule_round(celery_env.sessions, celery_env.settings).mailboxes == 1

    def synced() -> bool:
        with celery_env.sessions() as session:
            first = session.scalar(
                select(Mailbox.first_synced_at).where(Mailbox.company_id == company_id)
            )
        return first is not None and outbox(celery_env, company_id).get("skipped") == 2

    wait_for(synced, what="first sync, history filed and not answered")
    time.sleep(1.1)
    dovecot.append(user, [crlf(raw) for raw in people(1, tag="fresh").values()])
    schedule_round(celery_env.sessions, celery_env.settings)
    wait_for(lambda: outbox(celery_env, company_id).get("sent") == 1, what="the new mail answered")
    assert recipients(smtp) == ["fresh0@client0.example"]
