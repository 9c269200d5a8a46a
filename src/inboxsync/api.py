"""The Python face of inboxsync: one object whose methods are the CLI's commands.

Every method names the company it acts in (by name or id); an id of another company is
`NotFound`, exactly as an unknown id. Operator-wide methods take `company=None` for every
company, but never look an id up outside the company they are given. Each area's methods live
in `inboxsync.operations`, one module per area, as the CLI's command modules do.
"""

from __future__ import annotations

from inboxsync.operations.ai import AiOperations
from inboxsync.operations.apikeys import ApiKeyOperations
from inboxsync.operations.company import CompanyOperations
from inboxsync.operations.conversation_view import ConversationViewOperations
from inboxsync.operations.events import EventOperations
from inboxsync.operations.folder import FolderOperations
from inboxsync.operations.inbound import InboundOperations
from inboxsync.operations.inbox_view import InboxViewOperations
from inboxsync.operations.jobs import JobOperations
from inboxsync.operations.mail import MailOperations
from inboxsync.operations.mailbox import MailboxOperations
from inboxsync.operations.messages import MessageOperations
from inboxsync.operations.operator_view import OperatorViewOperations
from inboxsync.operations.replies import ReplyOperations
from inboxsync.operations.threads import ThreadOperations
from inboxsync.operations.users import UserOperations
from inboxsync.operations.webhooks import WebhookOperations


class Inbox(
    CompanyOperations,
    FolderOperations,
    MailOperations,
    MailboxOperations,
    AiOperations,
    JobOperations,
    EventOperations,
    ApiKeyOperations,
    WebhookOperations,
    MessageOperations,
    InboundOperations,
    InboxViewOperations,
    ReplyOperations,
    ThreadOperations,
    UserOperations,
    ConversationViewOperations,
    OperatorViewOperations,
):
    """A connection to an inboxsync database and the operations on it.

    >>> inbox = Inbox.initialise(Settings(db="sqlite:///inboxsync.db"))
    >>> inbox.add_company("Acme", ["support@acme.example"])
    >>> report = inbox.import_path("Acme", Path("Maildir"))
    """
