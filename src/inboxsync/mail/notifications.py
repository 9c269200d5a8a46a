"""Header rules that tell automated mail (bounces, auto-replies, lists, bulk) from people.

Every rule reads every occurrence of the headers it looks at: a repeated header counts as
automated when any one of its values says so. Rules are linear in the size of the headers,
and the reasons they give hold printable text only."""

from __future__ import annotations

import re
from collections.abc import Callable
from email.message import Message

from inboxsync.mail.types import Address, Verdict

# Every value of each header, by lower-case name, in order; whitespace runs collapsed.
_Headers = dict[str, list[str]]
_Rule = Callable[[_Headers, Message, Address | None], str | None]

_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply", "auto-reply"})
_SUPPRESS_TOKENS = frozenset({"all", "oof", "autoreply", "dr"})
_AUTOREPLY_HEADERS = (
    "x-autoreply", "x-autorespond", "x-autoresponder", "x-autoresponse", "x-autoreply-from",
    "x-mail-autoreply",
)  # fmt: skip
_FALSE_VALUES = frozenset({"no", "false", "0"})
_LIST_HEADERS = ("list-id", "list-unsubscribe", "list-post")
_SYSTEM_LOCAL_PARTS = frozenset({"mailer-daemon", "mailerdaemon", "postmaster", "post_master"})
_NOREPLY_LOCAL_PART = re.compile(
    r"no[-_.]?reply|do[-_.]?not[-_.]?reply|ne[-_.]?pas[-_.]?repondre"
    r"|^(?:notifications?|alerts?|bounces?|mailer)(?:$|[-+_.=])"
)
_BULK_HEADERS = (
    "feedback-id", "x-ses-outgoing", "x-sg-eid", "x-sg-id", "x-mandrill-user", "x-mc-user",
    "x-pm-message-id", "x-campaign", "x-campaignid",
)  # fmt: skip
_MAX_REASON_CHARS = 200
_REPORT_TYPE = re.compile(r';\s*report-type\s*=\s*"?([^";\s]*)', re.IGNORECASE)
_BULK_MAILER = re.compile(
    r"mailchimp|mandrill|sendgrid|sendinblue|brevo|mailjet|mailgun|phplist|constant ?contact"
    r"|campaign ?monitor|hubspot|marketo|klaviyo|exacttarget|mailerlite|getresponse|aweber"
    r"|emarsys|listmanager|lyris|sympa|mailman",
    re.IGNORECASE,
)
_MAIL_CLIENT = re.compile(
    r"outlook|thunderbird|icedove|seamonkey|apple mail|iphone mail|ipad mail|evolution|mutt"
    r"|k-9|k9mail|roundcube|squirrelmail|horde|\bimp\b|claws|sylpheed|kmail|gnus|\bpine\b"
    r"|alpine|the bat|eudora|mailspring|airmail|postbox|em client|lotus notes|windows mail"
    r"|windows live mail|opera mail|geary|mailmate|exmh|mh-e|becky|pegasus|foxmail|mulberry"
    r"|balsa|trojita|bluemail|fairemail|blackberry|zimbra|netscape|mozilla",
    re.IGNORECASE,
)


def _all_headers(msg: Message) -> _Headers:
    headers: _Headers = {}
    for name, value in msg.raw_items():
        text = value if isinstance(value, str) else str(value)
        headers.setdefault(name.lower(), []).append(" ".join(text.split()))
    return headers


def _values(headers: _Headers, name: str) -> list[str]:
    return headers.get(name, [])


def _token(value: str) -> str:
    """The first `;`-separated token of a value, lower-cased (`auto-generated; owner=…`)."""
    return value.split(";", 1)[0].strip().lower()


def printable(text: str, limit: int = _MAX_REASON_CHARS) -> str:
    """`text` with anything not printable (controls, separators, lone surrogates of raw
    8-bit bytes) shown as `?`, cut to `limit` characters: safe in a reason and a database."""
    text = text[:limit]
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else "?" for char in text)


def _local_part(from_addr: Address | None) -> str:
    return from_addr.email.rpartition("@")[0] if from_addr else ""


def _auto_submitted(headers: _Headers, msg: Message, from_addr: Address | None) -> str | None:
    for value in _values(headers, "auto-submitted"):
        token = _token(value)
        if value and token != "no":
            return f"Auto-Submitted: {token[:40]} (RFC 3834)"
    return None


def _precedence(headers: _Headers, msg: Message, from_addr: Address | None) -> str | None:
    for name in ("precedence", "x-precedence"):
        for value in _values(headers, name):
            token = _token(value)
            if token in _PRECEDENCE:
                return f"{name.title()}: {token}"
    return None


def _list_headers(headers: _Headers, msg: Message, from_addr: Address | None) -> str | None:
    present = [name for name in _LIST_HEADERS if any(_values(headers, name))]
    if present:
        return "mailing-list header " + ", ".join(name.title() for name in present)
    return None


def _auto_response_suppress(
    headers: _Headers, msg: Message, from_addr: Address | None
) -> str | None:
    tokens = {
        token
        for value in _values(headers, "x-auto-response-suppress")
        for token in re.split(r"[\s,;]+", value.lower())
    }
    hits = sorted(tokens & _SUPPRESS_TOKENS)
    if hits:
        return "X-Auto-Response-Suppress: " + ", ".join(hits)
    return None


def _autoreply_header(headers: _Headers, msg: Message, from_addr: Address | None) -> str | None:
    for name in _AUTOREPLY_HEADERS:
        if any(value.lower() not in _FALSE_VALUES for value in _values(headers, name)):
            return f"{name.title()} header present"
    if any(value.lower() == "reply" for value in _values(headers, "x-autogenerated")):
        return "X-Autogenerated: reply"
    if any(value.lower() == "vacation" for value in _values(headers, "x-apple-action")):
        return "X-Apple-Action: vacation (iCloud automatic reply)"
    return None


def _loop_header(headers: _Headers, msg: Message, from_addr: Address | None) -> str | None:
    if "x-loop" in headers:
        return "X-Loop header present"
    return None


def _exchange_rules_loop(headers: _Headers, msg: Message, from_addr: Address | None) -> str | None:
    # Exchange sets it on out-of-office replies, but also on mail an inbox rule forwarded:
    # kept as its own rule so its hit count can be watched.
    if "x-ms-exchange-inbox-rules-loop" in headers:
        return "X-MS-Exchange-Inbox-Rules-Loop header present (Exchange automatic reply)"
    return None


def _is_null_path(value: str) -> bool:
    return "".join(value.split()) == "<>"


def _null_return_path(headers: _Headers, msg: Message, from_addr: Address | None) -> str | None:
    if any(_is_null_path(value) for value in _values(headers, "return-path")):
        return "Return-Path: <> (null sender, RFC 5321 bounce)"
    return None


def _delivery_report(headers: _Headers, msg: Message, from_addr: Address | None) -> str | None:
    # Read here rather than with Message.get_param, which is quadratic in `;` inside quotes.
    for value in _values(headers, "content-type"):
        if _token(value) == "multipart/report":
            report_type = _REPORT_TYPE.search(value)
            kind = (report_type.group(1) if report_type else "") or "unknown"
            return f"multipart/report; report-type={kind.lower()[:40]} (RFC 6522 report)"
    return None


def _failed_recipients(headers: _Headers, msg: Message, from_addr: Address | None) -> str | None:
    if any(_values(headers, "x-failed-recipients")):
        return "X-Failed-Recipients header present (bounce)"
    return None


def _system_sender(headers: _Headers, msg: Message, from_addr: Address | None) -> str | None:
    local = _local_part(from_addr)
    if local in _SYSTEM_LOCAL_PARTS:
        return f"sender is {local}"
    # Bounces often carry a bare `From: MAILER-DAEMON (Mail Delivery System)` with no domain,
    # or the null sender itself.
    for raw_from in _values(headers, "from"):
        if "mailer-daemon" in raw_from.lower():
            return "sender is mailer-daemon"
        if _is_null_path(raw_from):
            return "sender is the null address <>"
    return None


def _noreply_sender(headers: _Headers, msg: Message, from_addr: Address | None) -> str | None:
    local = _local_part(from_addr)
    if local and _NOREPLY_LOCAL_PART.search(local):
        return f"no-reply style sender {local[:64]}@"
    return None


def _bulk_sender(headers: _Headers, msg: Message, from_addr: Address | None) -> str | None:
    for name in _BULK_HEADERS:
        if name in headers:
            return f"bulk-sending service header {name.title()}"
    for name in headers:
        if name.startswith("x-mailgun-"):
            return f"bulk-sending service header {name.title()}"
    for mailer in _values(headers, "x-mailer"):
        match = _BULK_MAILER.search(mailer)
        if match:
            return f"X-Mailer of a bulk-sending tool ({match.group(0).lower()})"
    return None


_RULES: tuple[tuple[str, _Rule], ...] = (
    ("auto-submitted", _auto_submitted),
    ("precedence", _precedence),
    ("list-headers", _list_headers),
    ("auto-response-suppress", _auto_response_suppress),
    ("autoreply-header", _autoreply_header),
    ("loop-header", _loop_header),
    ("exchange-rules-loop", _exchange_rules_loop),
    ("null-return-path", _null_return_path),
    ("delivery-report", _delivery_report),
    ("failed-recipients", _failed_recipients),
    ("system-sender", _system_sender),
    ("noreply-sender", _noreply_sender),
    ("bulk-sender", _bulk_sender),
)
RULES: tuple[str, ...] = tuple(name for name, _ in _RULES)
"""Names of the notification rules, in the order they are tried (the first hit decides)."""

PERSON_RULES: tuple[str, ...] = ("auto-submitted-no", "reply", "mail-client")
"""Names of the evidence that makes a message with no rule hit a person's."""


def _person_evidence(headers: _Headers) -> Verdict | None:
    # Only reached when no rule hit, so every Auto-Submitted value (if any) is `no`.
    if any(_token(value) == "no" for value in _values(headers, "auto-submitted")):
        return Verdict("person", "auto-submitted-no", "Auto-Submitted: no (sent by a person)")
    if any(_values(headers, "in-reply-to")):
        return Verdict("person", "reply", "In-Reply-To present: a reply in a conversation")
    for name in ("x-mailer", "user-agent"):
        if any(_MAIL_CLIENT.search(value) for value in _values(headers, name)):
            return Verdict("person", "mail-client", f"{name.title()} is a mail client")
    return None


def classify_headers(msg: Message, from_addr: Address | None) -> Verdict:
    """Decide from headers alone whether a message is a notification, a person's, or unknown.

    The first rule of `RULES` that matches any occurrence of its headers makes it a
    `notification` (rule name and printable reason recorded); otherwise a reply, a known
    mail client or `Auto-Submitted: no` makes it a `person`; anything else is `unknown`,
    left for the AI step.
    """
    headers = _all_headers(msg)
    for name, rule in _RULES:
        reason = rule(headers, msg, from_addr)
        if reason is not None:
            return Verdict("notification", name, printable(reason))
    person = _person_evidence(headers)
    if person is not None:
        return person
    return Verdict("unknown", "", "no header rule matched and no sign of a person")
