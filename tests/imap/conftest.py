"""Until tests/cli/test_mailbox_commands.py imports `mails` from tests/support/imap.py: its
old import path. Nothing else lives here."""

from tests.support.imap import mails  # noqa: F401
