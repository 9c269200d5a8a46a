"""inboxsync: keep a company's shared inbox in sync."""

__version__ = "0.1.0"
