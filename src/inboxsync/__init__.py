"""inboxsync: keep a company's shared inbox in sync.

What users import lives here: `Inbox`, `Settings`, every type an `Inbox` method returns or
takes, and the errors; everything else is an implementation detail. Results are dataclasses
whose fields are their JSON (`pydantic_core.to_jsonable_python(result)`, as FastAPI does).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inboxsync.ai.corrections import FolderCorrection
    from inboxsync.ai.evaluate import CurvePoint, EvalReport, LearningCurve
    from inboxsync.ai.folder_examples import FolderExampleInfo
    from inboxsync.ai.ledger import CostRow
    from inboxsync.ai.mapped_folders import FolderMapping, ImapFolder, MappingChange
    from inboxsync.api import Inbox
    from inboxsync.config import Settings
    from inboxsync.db.apikeys import ApiKeyInfo
    from inboxsync.db.clients import ClientFilter, ClientInfo
    from inboxsync.db.companies import CompanyInfo
    from inboxsync.db.conversation_view import (
        ConversationView,
        FolderChoice,
        InlineImage,
        RelatedConversation,
        SentItem,
        ThreadMessage,
    )
    from inboxsync.db.conversations import ConversationDetail, ConversationRow, MessageRow
    from inboxsync.db.events import EventRow
    from inboxsync.db.inbox_view import FolderCount, InboxPage, InboxRow, LastMessage
    from inboxsync.db.listing import (
        ConversationFilter,
        ConversationPage,
        FolderInfo,
        Page,
        StoreCounts,
    )
    from inboxsync.db.mailbox_status import FolderState, MailboxDetail, MailboxStatus
    from inboxsync.db.mailboxes import RemovedMailbox
    from inboxsync.db.messages import AttachmentInfo
    from inboxsync.db.operator_view import DaySpend, RecentConversation
    from inboxsync.db.overrides import NotificationSet, ThreadOverride
    from inboxsync.db.quarantine import QuarantineEntry
    from inboxsync.db.runs import SyncRunDetail, SyncRunItem
    from inboxsync.db.users import UserInfo
    from inboxsync.demo.run import DemoRun
    from inboxsync.errors import (
        AuthError,
        ConfigError,
        DatabaseError,
        InboxsyncError,
        MailboxBusyError,
        MessageParseError,
        NotFound,
        SignInThrottled,
        SourceError,
        UsageError,
    )
    from inboxsync.jobs.schedule import ScheduleRound
    from inboxsync.mailboxes import MailboxSyncReport
    from inboxsync.operations.apikeys import ApiPrincipal, CreatedApiKey
    from inboxsync.operations.events import EventPage
    from inboxsync.operations.inbound import Received
    from inboxsync.operations.messages import AttachmentContent, MessageDetail
    from inboxsync.operations.operator_view import AutoReplyPreview, SpendByDay
    from inboxsync.outbound import FolderAutoReply, OutboxRow, SmtpSettings
    from inboxsync.outbound.message import OutgoingFile
    from inboxsync.outbound.reply_input import ReplyRefused
    from inboxsync.outbound.reply_store import ReplyReceipt, ReplyStatus
    from inboxsync.pipeline.report import SyncReport
    from inboxsync.results import (
        ClassifyReport,
        CostReport,
        FolderProgress,
        ImportProgress,
        MailboxSummary,
        OutboxReport,
        RetryNote,
        RetryReport,
    )
    from inboxsync.usage import AiUsage
    from inboxsync.webhooks.types import CreatedWebhook, DeliveryAttempt, DeliveryReport, Webhook


__version__ = "0.1.0"

__all__ = [
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
]

# Where each name of __all__ lives, imported on first use (PEP 562): importing a submodule
# (the CLI's, a parse worker's) does not import the whole surface, only what it needs.
_SOURCES: dict[str, str] = {
    "AiUsage": "inboxsync.usage",
    "ApiKeyInfo": "inboxsync.db.apikeys",
    "ApiPrincipal": "inboxsync.operations.apikeys",
    "AttachmentContent": "inboxsync.operations.messages",
    "AttachmentInfo": "inboxsync.db.messages",
    "AuthError": "inboxsync.errors",
    "AutoReplyPreview": "inboxsync.operations.operator_view",
    "ClassifyReport": "inboxsync.results",
    "ClientFilter": "inboxsync.db.clients",
    "ClientInfo": "inboxsync.db.clients",
    "CompanyInfo": "inboxsync.db.companies",
    "ConfigError": "inboxsync.errors",
    "ConversationDetail": "inboxsync.db.conversations",
    "ConversationFilter": "inboxsync.db.listing",
    "ConversationPage": "inboxsync.db.listing",
    "ConversationRow": "inboxsync.db.conversations",
    "ConversationView": "inboxsync.db.conversation_view",
    "CostReport": "inboxsync.results",
    "CostRow": "inboxsync.ai.ledger",
    "CreatedApiKey": "inboxsync.operations.apikeys",
    "CreatedWebhook": "inboxsync.webhooks.types",
    "CurvePoint": "inboxsync.ai.evaluate",
    "DatabaseError": "inboxsync.errors",
    "DaySpend": "inboxsync.db.operator_view",
    "DeliveryAttempt": "inboxsync.webhooks.types",
    "DeliveryReport": "inboxsync.webhooks.types",
    "DemoRun": "inboxsync.demo.run",
    "EvalReport": "inboxsync.ai.evaluate",
    "EventPage": "inboxsync.operations.events",
    "EventRow": "inboxsync.db.events",
    "FolderAutoReply": "inboxsync.outbound",
    "FolderChoice": "inboxsync.db.conversation_view",
    "FolderCorrection": "inboxsync.ai.corrections",
    "FolderCount": "inboxsync.db.inbox_view",
    "FolderExampleInfo": "inboxsync.ai.folder_examples",
    "FolderInfo": "inboxsync.db.listing",
    "FolderMapping": "inboxsync.ai.mapped_folders",
    "FolderProgress": "inboxsync.results",
    "FolderState": "inboxsync.db.mailbox_status",
    "ImapFolder": "inboxsync.ai.mapped_folders",
    "ImportProgress": "inboxsync.results",
    "Inbox": "inboxsync.api",
    "InboxPage": "inboxsync.db.inbox_view",
    "InboxRow": "inboxsync.db.inbox_view",
    "InboxsyncError": "inboxsync.errors",
    "InlineImage": "inboxsync.db.conversation_view",
    "LastMessage": "inboxsync.db.inbox_view",
    "LearningCurve": "inboxsync.ai.evaluate",
    "MailboxBusyError": "inboxsync.errors",
    "MailboxDetail": "inboxsync.db.mailbox_status",
    "MailboxStatus": "inboxsync.db.mailbox_status",
    "MailboxSummary": "inboxsync.results",
    "MailboxSyncReport": "inboxsync.mailboxes",
    "MappingChange": "inboxsync.ai.mapped_folders",
    "MessageDetail": "inboxsync.operations.messages",
    "MessageParseError": "inboxsync.errors",
    "MessageRow": "inboxsync.db.conversations",
    "NotFound": "inboxsync.errors",
    "NotificationSet": "inboxsync.db.overrides",
    "OutboxReport": "inboxsync.results",
    "OutboxRow": "inboxsync.outbound",
    "OutgoingFile": "inboxsync.outbound.message",
    "Page": "inboxsync.db.listing",
    "QuarantineEntry": "inboxsync.db.quarantine",
    "Received": "inboxsync.operations.inbound",
    "RecentConversation": "inboxsync.db.operator_view",
    "RelatedConversation": "inboxsync.db.conversation_view",
    "RemovedMailbox": "inboxsync.db.mailboxes",
    "ReplyReceipt": "inboxsync.outbound.reply_store",
    "ReplyRefused": "inboxsync.outbound.reply_input",
    "ReplyStatus": "inboxsync.outbound.reply_store",
    "RetryNote": "inboxsync.results",
    "RetryReport": "inboxsync.results",
    "ScheduleRound": "inboxsync.jobs.schedule",
    "SentItem": "inboxsync.db.conversation_view",
    "Settings": "inboxsync.config",
    "SignInThrottled": "inboxsync.errors",
    "SmtpSettings": "inboxsync.outbound",
    "SourceError": "inboxsync.errors",
    "SpendByDay": "inboxsync.operations.operator_view",
    "StoreCounts": "inboxsync.db.listing",
    "SyncReport": "inboxsync.pipeline.report",
    "SyncRunDetail": "inboxsync.db.runs",
    "SyncRunItem": "inboxsync.db.runs",
    "ThreadMessage": "inboxsync.db.conversation_view",
    "ThreadOverride": "inboxsync.db.overrides",
    "UsageError": "inboxsync.errors",
    "UserInfo": "inboxsync.db.users",
    "Webhook": "inboxsync.webhooks.types",
}


# Hidden from the type checker, which reads the imports above instead: with a module
# `__getattr__` it would type a misspelt name as `object` rather than refuse it.
if not TYPE_CHECKING:

    def __getattr__(name: str) -> object:
        """A public name, imported from its module on first use and kept."""
        module = _SOURCES.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    """The module's names, the public ones included before their first use."""
    return sorted(set(globals()) | set(__all__))
