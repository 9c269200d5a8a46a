"""When an auto-reply may be sent: one small rule per reason not to, tried in order.

Every rule reads a `ReplyCase` (plain data loaded from the database) and returns the reason it
refuses, or None. The per-recipient rate limit needs a lock and lives in the outbox claim, but
its arithmetic is `within_rate_limit` below.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

# Rule names of `inboxsync.mail.notifications` grouped by what they mean here.
AUTO_SUBMITTED_RULES = frozenset(
    {
        "auto-submitted",
        "auto-response-suppress",
        "autoreply-header",
        "loop-header",
        "exchange-rules-loop",
    }
)
LIST_RULES = frozenset({"list-headers"})
BULK_RULES = frozenset({"bulk-sender"})
BOUNCE_RULES = frozenset(
    {"null-return-path", "delivery-report", "failed-recipients", "system-sender"}
)
NO_VALID_RECIPIENT = "no valid recipient"
_SYSTEM_LOCAL_PART = re.compile(r"^(mailer-?daemon|postmaster|abuse|root)$")
_NOREPLY_LOCAL_PART = re.compile(
    r"no[-_.]?reply|do[-_.]?not[-_.]?reply|ne[-_.]?pas[-_.]?repondre|^bounces?(?:$|[-+_.=])"
)
_AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(auto(matic)?[ -]?(reply|response)|auto:|out of (the )?office|absence|"
    r"r[ée]ponse automatique|abwesenheitsnotiz|automatische antwort)",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT = re.compile(
    r"^\s*(undeliver(ed|able)|delivery (status notification|failure|has failed)|"
    r"mail delivery (failed|system)|returned mail|failure notice|non remis|"
    r"unzustellbar)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class ReplyCase:
    """What the policy looks at: the conversation, its first incoming message, the company."""

    conversation_status: str
    conversation_is_notification: bool
    folder_id: int | None
    folder_auto_reply: bool
    # The trigger's strictly validated sender address ("" when it has none).
    recipient: str
    trigger_direction: str
    trigger_is_notification: bool
    trigger_rule: str
    trigger_reason: str
    trigger_subject: str
    # The trigger's Date (the sender's clock), and when its mailbox received it (the IMAP
    # INTERNALDATE; None for file imports).
    sent_at: datetime
    arrived_at: datetime | None
    mailbox_first_synced_at: datetime | None
    own_addresses: frozenset[str]
    now: datetime
    max_age: timedelta


Rule = Callable[[ReplyCase], str | None]


def folder_has_auto_reply(case: ReplyCase) -> str | None:
    """Only a folder with an enabled auto-reply sends one."""
    return None if case.folder_auto_reply else "the folder has no auto-reply"


def is_filed(case: ReplyCase) -> str | None:
    """The conversation must be classified into a folder first."""
    if case.conversation_status != "classified" or case.folder_id is None:
        return f"the conversation is not filed (status {case.conversation_status})"
    return None


def has_recipient(case: ReplyCase) -> str | None:
    """There must be someone to answer: an incoming message with one valid sender address."""
    if case.trigger_direction != "in":
        return "no incoming message"
    if "@" not in case.recipient:
        return NO_VALID_RECIPIENT
    return None


def not_own_address(case: ReplyCase) -> str | None:
    """Never to one of the company's own addresses (that is how loops start)."""
    if case.recipient.lower() in case.own_addresses:
        return f"{case.recipient} is one of the company's own addresses"
    return None


def not_auto_submitted(case: ReplyCase) -> str | None:
    """Never to an auto-reply or other auto-submitted mail (RFC 3834 §2)."""
    if case.trigger_rule in AUTO_SUBMITTED_RULES:
        return f"the message is auto-submitted ({case.trigger_rule})"
    if case.trigger_rule == "precedence" and "auto" in case.trigger_reason.lower():
        return "the message is auto-submitted (Precedence: auto_reply)"
    if _AUTO_REPLY_SUBJECT.search(case.trigger_subject):
        return "the subject is an auto-reply's"
    return None


def not_list(case: ReplyCase) -> str | None:
    """Never to a mailing list."""
    if case.trigger_rule in LIST_RULES:
        return "the message came from a mailing list"
    if case.trigger_rule == "precedence" and "list" in case.trigger_reason.lower():
        return "the message came from a mailing list (Precedence: list)"
    return None


def not_bulk(case: ReplyCase) -> str | None:
    """Never to bulk mail (newsletters, campaigns)."""
    if case.trigger_rule in BULK_RULES:
        return "the message is bulk mail"
    if case.trigger_rule == "precedence":
        return f"the message is bulk mail ({case.trigger_reason or 'Precedence'})"
    return None


def not_bounce(case: ReplyCase) -> str | None:
    """Never to a bounce or a system sender (mailer-daemon, postmaster)."""
    if case.trigger_rule in BOUNCE_RULES:
        return f"the message is a bounce ({case.trigger_rule})"
    if _SYSTEM_LOCAL_PART.match(case.recipient.partition("@")[0].lower()):
        return f"{case.recipient} is a system address"
    if _BOUNCE_SUBJECT.search(case.trigger_subject):
        return "the subject is a bounce's"
    return None


def not_noreply(case: ReplyCase) -> str | None:
    """Never to an address that says it reads no reply."""
    if _NOREPLY_LOCAL_PART.search(case.recipient.partition("@")[0].lower()):
        return f"{case.recipient} is a no-reply address"
    return None


def not_notification(case: ReplyCase) -> str | None:
    """Never to a notification, whatever rule (or AI verdict) found it."""
    if case.conversation_is_notification or case.trigger_is_notification:
        rule = case.trigger_rule or "notification"
        return f"the message is a notification ({rule})"
    return None


def not_history(case: ReplyCase) -> str | None:
    """Never to mail imported from history: received before the mailbox's first sync, or
    too old. Decided by when the mailbox received it; by its Date only when no server said
    (a file import), since the sender's clock may be off by any amount."""
    received = case.arrived_at if case.arrived_at is not None else case.sent_at
    first = case.mailbox_first_synced_at
    if first is not None and received < first:
        return "received before the mailbox's first sync (history)"
    if case.now - received > case.max_age:
        return f"older than {case.max_age} (history)"
    return None


RULES: tuple[Rule, ...] = (
    folder_has_auto_reply,
    is_filed,
    has_recipient,
    not_own_address,
    not_auto_submitted,
    not_list,
    not_bulk,
    not_bounce,
    not_noreply,
    not_notification,
    not_history,
)


def refusal(case: ReplyCase) -> str | None:
    """The first reason not to reply, or None when every rule allows it."""
    for rule in RULES:
        reason = rule(case)
        if reason is not None:
            return reason
    return None


def within_rate_limit(replies_last_24h: int, limit: int) -> str | None:
    """At most `limit` auto-replies per recipient per 24 hours."""
    if replies_last_24h >= limit:
        return f"already {replies_last_24h} auto-repl(ies) to this address in 24 h (limit {limit})"
    return None
