"""inboxsync: keep a company's shared inbox in sync.

What users import lives here: `Inbox`, `Settings`, every type an `Inbox` method returns or
takes, and the errors; everything else is an implementation detail. Results are dataclasses
whose fields are their JSON (`pydantic_core.to_jsonable_python(result)`, as FastAPI does).
"""

from inboxsync.ai.corrections import FolderCorrection
from inboxsync.ai.evaluate import EvalReport
from inboxsync.ai.ledger import CostRow
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
from inboxsync.db.listing import ConversationFilter, ConversationPage, FolderInfo, Page, StoreCounts
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
    "FolderInfo",
    "FolderProgress",
    "FolderState",
    "ImportProgress",
    "Inbox",
    "InboxPage",
    "InboxRow",
    "InboxsyncError",
    "InlineImage",
    "LastMessage",
    "MailboxBusyError",
    "MailboxDetail",
    "MailboxStatus",
    "MailboxSummary",
    "MailboxSyncReport",
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
