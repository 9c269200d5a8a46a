"""`inboxsync demo`: the main job on the embedded default, end to end, twice."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from inboxsync.api import Inbox
from inboxsync.config import Settings
from inboxsync.db.conversations import ConversationRow
from inboxsync.demo.sample import SAMPLE_COMPANIES, SampleCompany, sample_mailbox, write_maildir
from inboxsync.pipeline.report import SyncReport

# The demo's users sign in to the web page with this password (the demo's data is public).
DEMO_PASSWORD = "inboxsync-demo"


@dataclass(frozen=True, slots=True)
class DemoRun:
    """What the demo did for one company: both syncs, the conversations they left, and the
    admin who signs in to its web page (with DEMO_PASSWORD)."""

    company: str
    maildir: Path
    first: SyncReport
    second: SyncReport
    conversations: list[ConversationRow]
    user: str


def run_demo(
    workdir: Path,
    settings: Settings | None = None,
    on_company: Callable[[DemoRun], None] | None = None,
) -> list[DemoRun]:
    """Write the sample mailboxes under `workdir`, import each into a fresh SQLite database
    (or `settings.db` when given), then import again to show that nothing is added; each
    company gets an admin for the web page."""
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    if settings is None:
        settings = Settings(db=f"sqlite:///{workdir / 'demo.db'}")
    inbox = Inbox.initialise(settings)
    runs = []
    try:
        for company in SAMPLE_COMPANIES:
            run = _run_company(inbox, workdir, company)
            runs.append(run)
            if on_company is not None:
                on_company(run)
    finally:
        inbox.close()
    return runs


def _run_company(inbox: Inbox, workdir: Path, company: SampleCompany) -> DemoRun:
    inbox.add_company(company.name, list(company.addresses))
    for folder in company.folders:
        inbox.add_folder(company.name, folder.name, folder.description)
    maildir = workdir / _slug(company.name) / "Maildir"
    write_maildir(maildir, sample_mailbox(company))
    first = inbox.import_path(company.name, maildir)
    second = inbox.import_path(company.name, maildir)
    user = "demo@" + company.addresses[0].split("@", 1)[1]
    inbox.add_user(company.name, user, DEMO_PASSWORD, admin=True)
    conversations = inbox.conversations(company.name)
    return DemoRun(company.name, maildir, first, second, conversations, user)


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
