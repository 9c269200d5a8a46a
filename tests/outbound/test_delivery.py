"""Delivering auto-replies to a real SMTP server: transient failures retried, then failed;
a permanent refusal failed at once; a worker lost before DATA retried, one lost during DATA
never resent; a missing password retried, then failed, and never leaked."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.config import Settings
from inboxsync.db.models import utcnow
from inboxsync.db.outbox_models import OutboxEntry
from inboxsync.outbound import send_auto_reply
from tests.outbound.helpers import (
    auto_reply_events,
    file_into,
    ingest_raw,
    one_filed,
    outbox_row,
    recent,
    setup_company,
)
from tests.support.smtp_server import SmtpServer


def test_transient_smtp_failures_retry_then_send(
    sessions: sessionmaker[Session], settings: Settings, smtp: SmtpServer, tmp_path: Path
) -> None:
    cid = one_filed(sessions, settings, smtp, tmp_path, recent("<a1@client.example>"))
    smtp.fail("rcpt:451", "data:451")
    first = send_auto_reply(sessions, settings, cid)
    assert first.state == "retry" and first.retry_in is not None
    assert outbox_row(sessions, cid).status == "retry"
    assert send_auto_reply(sessions, settings, cid).state == "retry"
    assert send_auto_reply(sessions, settings, cid).state == "sent"
    assert len(smtp.received) == 1
    assert outbox_row(sessions, cid).attempts == 3


def test_transient_failures_end_as_failed_after_the_last_attempt(
    sessions: sessionmaker[Session], settings: Settings, smtp: SmtpServer, tmp_path: Path
) -> None:
    cid = one_filed(sessions, settings, smtp, tmp_path, recent("<a1@client.example>"))
    smtp.fail("rcpt:451", "rcpt:451", "rcpt:451", "rcpt:451")
    states = [send_auto_reply(sessions, settings, cid).state for _ in range(4)]
    assert states == ["retry", "retry", "failed", "failed"]
    row = outbox_row(sessions, cid)
    assert row.status == "failed" and row.attempts == 3 and "451" in row.reason
    assert smtp.received == []
    assert auto_reply_events(sessions, cid) == ["message.created", "auto_reply.failed"]


def test_a_permanent_refusal_fails_at_once(
    sessions: sessionmaker[Session], settings: Settings, smtp: SmtpServer, tmp_path: Path
) -> None:
    cid = one_filed(sessions, settings, smtp, tmp_path, recent("<a1@client.example>"))
    smtp.fail("rcpt:550")
    assert send_auto_reply(sessions, settings, cid).state == "failed"
    assert outbox_row(sessions, cid).attempts == 1


def test_a_retry_waits_for_its_time(
    sessions: sessionmaker[Session], settings: Settings, smtp: SmtpServer, tmp_path: Path
) -> None:
    settings = settings.replace(outbound={"smtp_backoff_seconds": 600})
    cid = one_filed(sessions, settings, smtp, tmp_path, recent("<a1@client.example>"))
    smtp.fail("rcpt:451")
    assert send_auto_reply(sessions, settings, cid).state == "retry"
    again = send_auto_reply(sessions, settings, cid)
    assert again.state == "wait" and again.retry_in is not None and again.retry_in > 200
    assert smtp.handler.rcpt_seen == 1


def left_by_a_worker(
    sessions: sessionmaker[Session],
    settings: Settings,
    smtp: SmtpServer,
    tmp_path: Path,
    status: str,
    lease_left: timedelta,
) -> int:
    """A conversation whose first attempt failed, its outbox row then left as a worker that
    took it over leaves it: `status`, the lease ending in `lease_left` (negative: expired)."""
    cid = one_filed(sessions, settings, smtp, tmp_path, recent("<a1@client.example>"))
    smtp.fail("rcpt:451")
    send_auto_reply(sessions, settings, cid)
    with sessions.begin() as session:
        session.execute(
            update(OutboxEntry)
            .where(OutboxEntry.conversation_id == cid)
            .values(status=status, lease_until=utcnow() + lease_left)
        )
    return cid


def test_a_worker_lost_before_data_is_retried_and_sends_once(
    sessions: sessionmaker[Session], settings: Settings, smtp: SmtpServer, tmp_path: Path
) -> None:
    # It claimed the row and died before DATA: the lease has run out.
    cid = left_by_a_worker(sessions, settings, smtp, tmp_path, "claimed", -timedelta(seconds=1))
    assert send_auto_reply(sessions, settings, cid).state == "sent"
    assert len(smtp.received) == 1


def test_a_live_claim_is_left_alone(
    sessions: sessionmaker[Session], settings: Settings, smtp: SmtpServer, tmp_path: Path
) -> None:
    cid = left_by_a_worker(sessions, settings, smtp, tmp_path, "claimed", timedelta(seconds=60))
    outcome = send_auto_reply(sessions, settings, cid)
    assert outcome.state == "busy" and outcome.retry_in is not None
    assert smtp.received == []


def test_a_worker_lost_during_data_is_never_resent(
    sessions: sessionmaker[Session], settings: Settings, smtp: SmtpServer, tmp_path: Path
) -> None:
    cid = left_by_a_worker(sessions, settings, smtp, tmp_path, "sending", -timedelta(seconds=1))
    outcome = send_auto_reply(sessions, settings, cid)
    assert outcome.state == "failed" and "delivery unknown" in outcome.reason
    assert smtp.received == []


def test_no_answer_to_data_is_failed_not_resent(
    sessions: sessionmaker[Session], settings: Settings, smtp: SmtpServer, tmp_path: Path
) -> None:
    settings = settings.replace(outbound={"smtp_timeout_seconds": 0.5})
    cid = one_filed(sessions, settings, smtp, tmp_path, recent("<a1@client.example>"))
    smtp.fail("data:hang")
    assert send_auto_reply(sessions, settings, cid).state == "failed"
    smtp.release()
    assert send_auto_reply(sessions, settings, cid).state == "failed"
    assert len(smtp.received) == 1


def test_a_missing_password_variable_is_retried_then_failed_and_not_leaked(
    sessions: sessionmaker[Session],
    settings: Settings,
    smtp: SmtpServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ACME_SMTP_PASSWORD_UNSET", raising=False)
    company_id, support = setup_company(
        sessions, smtp.port, username="acme", password_env="ACME_SMTP_PASSWORD_UNSET"
    )
    ids = ingest_raw(sessions, settings, company_id, tmp_path / "in", {"m.eml": recent("<a@c.x>")})
    file_into(sessions, ids, support)
    states = [send_auto_reply(sessions, settings, ids[0]).state for _ in range(3)]
    assert states == ["retry", "retry", "failed"]
    row = outbox_row(sessions, ids[0])
    assert "ACME_SMTP_PASSWORD_UNSET" in row.reason and smtp.received == []
