"""The IMAP fixtures of tests/support/imap.py (the session Dovecot is in tests/conftest.py)."""

from tests.support.imap import imap, imap_user  # noqa: F401  (fixtures)
