"""Handing one claimed outbox row's message to SMTP, and what each failure makes of the row.

Shared by auto-replies and agents' replies: the row is marked `sending` between the envelope
and DATA, so a worker lost before it may retry and one lost during DATA never resends.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from inboxsync.config import Settings
from inboxsync.errors import ConfigError, DeliveryUnknown, SmtpError
from inboxsync.outbound import outbox
from inboxsync.outbound.smtp import SmtpSession, SmtpSettings
from inboxsync.retry import Backoff

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one call did: sent, skipped, failed, not_applicable, gone; or retry / busy / wait
    with `retry_in` seconds (the caller schedules the next call)."""

    state: str
    reason: str = ""
    retry_in: float | None = None

    @property
    def final(self) -> bool:
        return self.retry_in is None


def transmit(
    sessions: sessionmaker[Session],
    settings: Settings,
    smtp_settings: SmtpSettings,
    sender: str,
    claim: outbox.Claim,
    raw: bytes,
    lease: timedelta,
) -> Outcome | None:
    """Send `raw` from `sender` to the claim's recipient. None when the server took it (the
    caller marks the row sent, with what goes along); else the outcome, the row moved on."""
    try:
        with SmtpSession(
            smtp_settings,
            timeout=settings.outbound.smtp_timeout_seconds,
            ca_file=settings.outbound.smtp_ca_file,
        ) as smtp:
            smtp.open()
            smtp.envelope(sender, claim.recipient)
            with sessions.begin() as session:
                if not outbox.mark_sending(session, claim, lease):
                    return Outcome("busy", "the claim was taken over", retry_in=1.0)
            smtp.data(raw)
    except DeliveryUnknown as exc:
        with sessions.begin() as session:
            outbox.mark_failed(session, claim, f"{exc}: delivery unknown, not resent")
        return Outcome("failed", str(exc))
    except SmtpError as exc:
        return _after_failure(sessions, settings, claim, exc)
    except ConfigError as exc:
        # e.g. the password variable is unset: retried, so that fixing it is enough.
        return _after_failure(sessions, settings, claim, SmtpError(str(exc), transient=True))
    return None


def _after_failure(
    sessions: sessionmaker[Session], settings: Settings, claim: outbox.Claim, exc: SmtpError
) -> Outcome:
    reason = str(exc)
    with sessions.begin() as session:
        if exc.transient and claim.attempt < settings.outbound.smtp_max_attempts:
            backoff = Backoff(
                settings.outbound.smtp_backoff_seconds, settings.outbound.smtp_max_backoff_seconds
            )
            delay = backoff.delay(claim.attempt)
            outbox.mark_retry(session, claim, reason, delay)
            log.warning(
                "outbox row %s, attempt %s failed, retry in %.0fs: %s",
                claim.outbox_id,
                claim.attempt,
                delay,
                reason,
            )
            return Outcome("retry", reason, retry_in=delay)
        final = reason if not exc.transient else f"gave up after {claim.attempt} attempts: {reason}"
        outbox.mark_failed(session, claim, final)
    log.warning("outbox row %s failed for good: %s", claim.outbox_id, final)
    return Outcome("failed", final)
