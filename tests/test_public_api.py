"""The names users import from `inboxsync` are pinned: adding or removing one is a decision."""

from __future__ import annotations

import subprocess
import sys

import inboxsync

PUBLIC = {
    "AuthError",
    "ConfigError",
    "DatabaseError",
    "Inbox",
    "InboxsyncError",
    "MailboxBusyError",
    "MailboxSyncReport",
    "MessageParseError",
    "NotFound",
    "QuarantineEntry",
    "RetryReport",
    "Settings",
    "SourceError",
    "SyncReport",
    "UsageError",
    "__version__",
}


def test_the_public_names_are_exactly_these() -> None:
    assert set(inboxsync.__all__) == PUBLIC
    assert all(hasattr(inboxsync, name) for name in PUBLIC)


def test_every_error_is_an_inboxsync_error() -> None:
    errors = [getattr(inboxsync, n) for n in PUBLIC if n.endswith("Error") or n == "NotFound"]
    assert errors and all(issubclass(e, inboxsync.InboxsyncError) for e in errors)


def test_the_package_imports_on_its_own() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from inboxsync import Inbox, Settings; print(Inbox.__name__)"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "Inbox"
