"""The jobs commands as an operator runs them, with the real SMTP server."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import Result

from inboxsync.db.models import Folder
from inboxsync.db.outbox_models import CompanySmtp
from tests.jobs.scenario import people
from tests.support.cli import assert_one_line_error, console_script, invoke, ok
from tests.support.fake_openai import FakeOpenAI
from tests.support.smtp_server import SmtpServer


def run(db_url: str, *args: str, env: dict[str, str] | None = None) -> Result:
    """`inboxsync --db DB ARGS…` in-process."""
    return invoke(*args, db=db_url, env=env)


def test_set_up_auto_replies_import_sweep_and_list_the_outbox(
    db_url: str,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    smtp: SmtpServer,
    fake_openai: FakeOpenAI,
) -> None:
    body = tmp_path / "body.txt"
    body.write_text("Bonjour {client_name},\nnous traitons « {subject} ».\n{company_name}\n")
    ok(run(db_url, "company", "add", "Acme", "--address", "support@acme.example"))
    ok(
        run(
            db_url, "folder", "add", "Support", "--company", "Acme",
            "--description", "technical problems",
            "--auto-reply-subject", "Re: {subject}", "--auto-reply-body-file", str(body),
        )
    )  # fmt: skip
    secret_env = {"ACME_SMTP_PASSWORD": "never-in-the-database"}
    ok(
        run(
            db_url, "company", "set-smtp", "Acme", "--host", "127.0.0.1",
            "--port", str(smtp.port), "--tls", "none",
        )
    )  # fmt: skip
    mail = tmp_path / "mail"
    mail.mkdir()
    for name, raw in people(3).items():
        (mail / name).write_bytes(raw)
    env = {
        "INBOXSYNC_AI_PROVIDER": "openai",
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": fake_openai.url,
    }
    ok(run(db_url, "import", str(mail), "--company", "Acme", "--json", env=env))
    # The sweep classifies what the import left pending and sends the auto-replies (or finds
    # them done, where the import waits for its own follow-up jobs).
    assert "queued 0 mailbox" in ok(run(db_url, "schedule", "--once", env=env))
    assert sorted(r.rcpt_tos[0] for r in smtp.received) == [
        "p0@client0.example",
        "p1@client1.example",
        "p2@client2.example",
    ]
    assert "nous traitons « support request" in smtp.received[0].message.get_body().get_content()  # type: ignore[union-attr]
    listing = json.loads(ok(run(db_url, "outbox", "--company", "Acme", "--json")))
    assert listing["counts"] == {"sent": 3}
    assert {row["status"] for row in listing["rows"]} == {"sent"}

    # Turning the auto-reply off, then a password that stays out of the database.
    ok(run(db_url, "folder", "edit", "Support", "--company", "Acme", "--no-auto-reply"))
    ok(
        run(
            db_url, "company", "set-smtp", "Acme", "--host", "127.0.0.1",
            "--port", str(smtp.port), "--tls", "starttls", "--user", "acme",
            "--password-env", "ACME_SMTP_PASSWORD", env=secret_env,
        )
    )  # fmt: skip
    with sessions() as session:
        row = session.scalars(select(CompanySmtp)).one()
    assert (row.tls, row.username, row.password_env) == ("starttls", "acme", "ACME_SMTP_PASSWORD")
    assert "never-in-the-database" not in repr(vars(row))


def test_bad_options_are_one_line_errors(
    db_url: str, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    ok(run(db_url, "company", "add", "Acme", "--address", "support@acme.example"))
    bad_tls = run(
        db_url, "company", "set-smtp", "Acme", "--host", "h", "--port", "25", "--tls", "tls"
    )
    assert bad_tls.exit_code == 2
    assert_one_line_error(bad_tls.stderr, "tls must be one of none, starttls, ssl, not 'tls'")
    no_env = run(
        db_url, "company", "set-smtp", "Acme", "--host", "h", "--port", "25", "--tls", "none",
        "--user", "acme",
    )  # fmt: skip
    assert no_env.exit_code == 2
    assert_one_line_error(no_env.stderr, "an SMTP user needs a password_env")
    body = tmp_path / "b.txt"
    body.write_text("Hello {name}")
    typo = run(
        db_url, "folder", "add", "Support", "--company", "Acme", "--description", "d",
        "--auto-reply-subject", "Re: {subject}", "--auto-reply-body-file", str(body),
    )  # fmt: skip
    assert typo.exit_code == 2
    assert_one_line_error(typo.stderr, "unknown placeholder(s) {name}")
    with sessions() as session:  # the refused `folder add` created nothing
        assert session.scalar(select(func.count()).select_from(Folder)) == 0
    worker = run(db_url, "worker")
    assert worker.exit_code == 2
    assert_one_line_error(worker.stderr, "INBOXSYNC_REDIS_URL")
    pool = run(db_url, "worker", "--pool", "gevent")
    assert pool.exit_code == 2
    assert_one_line_error(pool.stderr, "pool must be prefork, threads, solo, not 'gevent'")


def test_import_async_with_the_inline_backend_finishes_before_the_process_exits(
    db_url: str, tmp_path: Path, smtp: SmtpServer, fake_openai: FakeOpenAI
) -> None:
    body = tmp_path / "body.txt"
    body.write_text("Hello {client_name}")
    ok(run(db_url, "company", "add", "Acme", "--address", "support@acme.example"))
    ok(
        run(
            db_url, "folder", "add", "Support", "--company", "Acme", "--description", "help",
            "--auto-reply-subject", "Re: {subject}", "--auto-reply-body-file", str(body),
        )
    )  # fmt: skip
    ok(
        run(
            db_url, "company", "set-smtp", "Acme", "--host", "127.0.0.1",
            "--port", str(smtp.port), "--tls", "none",
        )
    )  # fmt: skip
    mail = tmp_path / "mail"
    mail.mkdir()
    for name, raw in people(3).items():
        (mail / name).write_bytes(raw)
    env = {
        "INBOXSYNC_AI_PROVIDER": "openai",
        "OPENAI_API_KEY": "sk-t",
        "OPENAI_BASE_URL": fake_openai.url,
    }
    done = console_script(
        "import", str(mail), "--company", "Acme", "--async", "--json", db=db_url, env=env
    )
    assert done.returncode == 0, done.stderr
    # No worker: the inline jobs (classification, then the auto-replies it queues) ran before
    # the process ended.
    assert len(smtp.received) == 3
