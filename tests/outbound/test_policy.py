"""Each auto-reply policy rule, alone: what it refuses and what it lets through."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from inboxsync.outbound import policy
from inboxsync.outbound.policy import ReplyCase

NOW = datetime(2026, 6, 1, 12, 0)

OK = ReplyCase(
    conversation_status="classified",
    conversation_is_notification=False,
    folder_id=3,
    folder_auto_reply=True,
    recipient="alice@client.example",
    trigger_direction="in",
    trigger_is_notification=False,
    trigger_rule="",
    trigger_reason="",
    trigger_subject="My printer is broken",
    sent_at=NOW - timedelta(minutes=5),
    arrived_at=None,
    mailbox_first_synced_at=NOW - timedelta(days=3),
    own_addresses=frozenset({"support@acme.example"}),
    now=NOW,
    max_age=timedelta(days=7),
)


def test_an_ordinary_filed_message_passes_every_rule() -> None:
    assert [rule(OK) for rule in policy.RULES] == [None] * len(policy.RULES)
    assert policy.refusal(OK) is None


def test_folder_without_auto_reply_sends_nothing() -> None:
    assert policy.folder_has_auto_reply(replace(OK, folder_auto_reply=False))


@pytest.mark.parametrize("status", ["pending", "classifying", "unclassified", "failed", "skipped"])
def test_only_a_filed_conversation_gets_a_reply(status: str) -> None:
    assert policy.is_filed(replace(OK, conversation_status=status))
    assert policy.is_filed(replace(OK, folder_id=None))


def test_outgoing_or_senderless_messages_have_no_recipient() -> None:
    assert policy.has_recipient(replace(OK, trigger_direction="out"))
    assert policy.has_recipient(replace(OK, recipient="")) == "no valid recipient"


def test_never_to_the_company_own_addresses() -> None:
    reason = policy.not_own_address(replace(OK, recipient="support@acme.example"))
    assert reason and "own addresses" in reason


@pytest.mark.parametrize(
    ("rule", "reason", "subject"),
    [
        ("auto-submitted", "Auto-Submitted: auto-replied", "Hi"),
        ("auto-response-suppress", "X-Auto-Response-Suppress: All", "Hi"),
        ("autoreply-header", "X-Autoreply: yes", "Hi"),
        ("precedence", "Precedence: auto_reply", "Hi"),
        ("", "", "Automatic reply: My printer is broken"),
        ("", "", "Réponse automatique : absent"),
        ("", "", "Out of Office: back Monday"),
    ],
)
def test_never_to_an_auto_submitted_message(rule: str, reason: str, subject: str) -> None:
    case = replace(OK, trigger_rule=rule, trigger_reason=reason, trigger_subject=subject)
    assert policy.not_auto_submitted(case)


def test_never_to_a_list() -> None:
    assert policy.not_list(replace(OK, trigger_rule="list-headers"))
    assert policy.not_list(
        replace(OK, trigger_rule="precedence", trigger_reason="Precedence: list")
    )


def test_never_to_bulk_mail() -> None:
    assert policy.not_bulk(replace(OK, trigger_rule="bulk-sender"))
    assert policy.not_bulk(
        replace(OK, trigger_rule="precedence", trigger_reason="Precedence: bulk")
    )


@pytest.mark.parametrize(
    "change",
    [
        {"trigger_rule": "delivery-report"},
        {"trigger_rule": "null-return-path"},
        {"trigger_rule": "failed-recipients"},
        {"recipient": "MAILER-DAEMON@mx.client.example"},
        {"recipient": "postmaster@client.example"},
        {"trigger_subject": "Undelivered Mail Returned to Sender"},
        {"trigger_subject": "Delivery Status Notification (Failure)"},
    ],
)
def test_never_to_a_bounce(change: dict[str, str]) -> None:
    assert policy.not_bounce(replace(OK, **change))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "address", ["noreply@shop.example", "no-reply@x.example", "ne-pas-repondre@banque.example"]
)
def test_never_to_a_no_reply_address(address: str) -> None:
    assert policy.not_noreply(replace(OK, recipient=address))


def test_never_to_a_notification_whatever_found_it() -> None:
    assert policy.not_notification(replace(OK, trigger_is_notification=True, trigger_rule="ai"))
    assert policy.not_notification(replace(OK, conversation_is_notification=True))


def test_mail_received_before_the_first_sync_is_history() -> None:
    case = replace(OK, mailbox_first_synced_at=OK.sent_at + timedelta(seconds=1))
    assert policy.not_history(case)


def test_mail_older_than_the_max_age_is_history() -> None:
    case = replace(OK, sent_at=NOW - timedelta(days=8), mailbox_first_synced_at=None)
    assert policy.not_history(case)
    assert policy.not_history(replace(case, sent_at=NOW - timedelta(days=6))) is None


FIRST_SYNC = NOW - timedelta(hours=1)


@pytest.mark.parametrize(
    "sent_at",
    [
        FIRST_SYNC - timedelta(seconds=5),  # case 14 of issue 8: a sender clock a little slow
        FIRST_SYNC - timedelta(hours=6),
        NOW - timedelta(days=30),
        NOW + timedelta(hours=3),  # a sender clock in the future
        NOW + timedelta(days=400),
    ],
)
def test_mail_that_arrived_after_the_first_sync_is_not_history_whatever_its_date(
    sent_at: datetime,
) -> None:
    case = replace(
        OK,
        sent_at=sent_at,
        arrived_at=NOW - timedelta(minutes=1),
        mailbox_first_synced_at=FIRST_SYNC,
    )
    assert policy.not_history(case) is None


@pytest.mark.parametrize(
    "sent_at", [NOW, NOW + timedelta(hours=3), FIRST_SYNC + timedelta(seconds=5)]
)
def test_mail_that_arrived_before_the_first_sync_is_history_whatever_its_date(
    sent_at: datetime,
) -> None:
    case = replace(
        OK,
        sent_at=sent_at,
        arrived_at=FIRST_SYNC - timedelta(seconds=1),
        mailbox_first_synced_at=FIRST_SYNC,
    )
    assert policy.not_history(case) == "received before the mailbox's first sync (history)"


def test_mail_that_arrived_too_long_ago_is_history_whatever_its_date() -> None:
    case = replace(
        OK, sent_at=NOW, arrived_at=NOW - timedelta(days=8), mailbox_first_synced_at=None
    )
    assert policy.not_history(case) == "older than 7 days, 0:00:00 (history)"


def test_a_file_import_keeps_the_age_rule_on_its_date() -> None:
    case = replace(OK, arrived_at=None, mailbox_first_synced_at=None)
    assert policy.not_history(replace(case, sent_at=NOW - timedelta(days=8)))
    assert policy.not_history(replace(case, sent_at=NOW + timedelta(hours=3))) is None


def test_first_refusing_rule_gives_the_reason() -> None:
    case = replace(OK, recipient="support@acme.example", trigger_rule="list-headers")
    assert "own addresses" in (policy.refusal(case) or "")


def test_rate_limit_allows_n_per_day() -> None:
    assert policy.within_rate_limit(0, 1) is None
    assert policy.within_rate_limit(1, 1)
    assert policy.within_rate_limit(1, 2) is None
    assert policy.within_rate_limit(0, 0)
