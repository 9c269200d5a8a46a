"""The names users import from `inboxsync` are pinned: adding or removing one is a decision.
Every type an `Inbox` method takes or returns is among them, and every result is a dataclass
(whose fields are its JSON)."""

from __future__ import annotations

import dataclasses
import inspect
import subprocess
import sys
import typing
from collections.abc import Iterator

import inboxsync
from inboxsync import Inbox

PUBLIC = {
    "AiUsage",
    "ApiKeyInfo",
    "ApiPrincipal",
    "AttachmentContent",
    "AttachmentInfo",
    "AuthError",
    "AutoReplyPreview",
    "ClassifyReport",
    "ClientFilter",
    "ClientInfo",
    "CompanyInfo",
    "ConfigError",
    "ConversationDetail",
    "ConversationFilter",
    "ConversationPage",
    "ConversationRow",
    "ConversationView",
    "CostReport",
    "CostRow",
    "CreatedApiKey",
    "CreatedWebhook",
    "CurvePoint",
    "DatabaseError",
    "DaySpend",
    "DeliveryAttempt",
    "DeliveryReport",
    "DemoRun",
    "EvalReport",
    "EventPage",
    "EventRow",
    "FolderAutoReply",
    "FolderChoice",
    "FolderCorrection",
    "FolderCount",
    "FolderExampleInfo",
    "FolderInfo",
    "FolderMapping",
    "FolderProgress",
    "FolderState",
    "ImapFolder",
    "ImportProgress",
    "Inbox",
    "InboxPage",
    "InboxRow",
    "InboxsyncError",
    "InlineImage",
    "LastMessage",
    "LearningCurve",
    "MailboxBusyError",
    "MailboxDetail",
    "MailboxStatus",
    "MailboxSummary",
    "MailboxSyncReport",
    "MappingChange",
    "MessageDetail",
    "MessageParseError",
    "MessageRow",
    "NotFound",
    "NotificationSet",
    "OutboxReport",
    "OutboxRow",
    "OutgoingFile",
    "Page",
    "QuarantineEntry",
    "Received",
    "RecentConversation",
    "RelatedConversation",
    "RemovedMailbox",
    "ReplyReceipt",
    "ReplyRefused",
    "ReplyStatus",
    "RetryNote",
    "RetryReport",
    "ScheduleRound",
    "SentItem",
    "Settings",
    "SignInThrottled",
    "SmtpSettings",
    "SourceError",
    "SpendByDay",
    "StoreCounts",
    "SyncReport",
    "SyncRunDetail",
    "SyncRunItem",
    "ThreadMessage",
    "ThreadOverride",
    "UsageError",
    "UserInfo",
    "Webhook",
    "__version__",
}


def test_the_public_names_are_exactly_these() -> None:
    assert set(inboxsync.__all__) == PUBLIC
    assert all(hasattr(inboxsync, name) for name in PUBLIC)


def test_every_error_is_an_inboxsync_error() -> None:
    errors = [getattr(inboxsync, n) for n in PUBLIC if n.endswith("Error") or n == "NotFound"]
    assert errors and all(issubclass(e, inboxsync.InboxsyncError) for e in errors)


def our_classes(hint: object) -> Iterator[type]:
    """The classes of inboxsync that a type hint names, however deeply nested."""
    if isinstance(hint, type) and hint.__module__.startswith("inboxsync"):
        yield hint
    for arg in typing.get_args(hint):
        yield from our_classes(arg)


def inbox_hints() -> dict[str, dict[str, object]]:
    """The resolved type hints of each public method of `Inbox`."""
    return {
        name: typing.get_type_hints(method, localns=vars(inboxsync))
        for name, method in inspect.getmembers(Inbox, callable)
        if not name.startswith("_")
    }


def test_every_type_an_inbox_method_takes_or_returns_is_exported() -> None:
    exported = {getattr(inboxsync, name) for name in PUBLIC}
    used = {
        (name, cls)
        for name, hints in inbox_hints().items()
        for hint in hints.values()
        for cls in our_classes(hint)
    }
    assert used and {(name, cls) for name, cls in used if cls not in exported} == set()


def test_every_result_is_a_dataclass() -> None:
    results = {
        cls
        for hints in inbox_hints().values()
        for cls in our_classes(hints["return"])
        if cls is not Inbox
    }
    assert results and [c for c in results if not dataclasses.is_dataclass(c)] == []


def test_the_package_imports_on_its_own() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from inboxsync import Inbox, Settings; print(Inbox.__name__)"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Inbox"
