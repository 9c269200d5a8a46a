"""Outgoing mail: auto-reply policy, templates, RFC 3834 message, SMTP, the outbox."""

from inboxsync.outbound.auto_reply import send_auto_reply
from inboxsync.outbound.candidates import auto_reply_candidates, due_outbox, due_replies
from inboxsync.outbound.outbox import OutboxRow, list_outbox, status_counts
from inboxsync.outbound.settings_store import (
    FolderAutoReply,
    load_company_smtp,
    set_company_smtp,
    set_folder_auto_reply,
)
from inboxsync.outbound.smtp import SmtpSettings
from inboxsync.outbound.transmit import Outcome

__all__ = [
    "FolderAutoReply",
    "OutboxRow",
    "Outcome",
    "SmtpSettings",
    "auto_reply_candidates",
    "due_outbox",
    "due_replies",
    "list_outbox",
    "load_company_smtp",
    "send_auto_reply",
    "set_company_smtp",
    "set_folder_auto_reply",
    "status_counts",
]
