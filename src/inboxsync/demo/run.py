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
from inboxsync.jobs import get_queue
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
        # Every first import, then every admin (a slow password hash each), while the
        # classification of the conversations already imported runs in the background:
        # the local model leaves part of the two cores idle, the rest of the demo has them.
        firsts = [_first_import(inbox, workdir, company) for company in SAMPLE_COMPANIES]
        users = [_add_admin(inbox, company) for company in SAMPLE_COMPANIES]
        get_queue(inbox.settings, inbox.sessions).join()
        for company, (maildir, first), user in zip(SAMPLE_COMPANIES, firsts, users, strict=True):
            second = inbox.import_path(company.name, maildir)
            conversations = inbox.conversations(company.name)
            run = DemoRun(company.name, maildir, first, second, conversations, user)
            runs.append(run)
            if on_company is not None:
                on_company(run)
    finally:
        inbox.close()
    return runs


def _first_import(inbox: Inbox, workdir: Path, company: SampleCompany) -> tuple[Path, SyncReport]:
    """The company, its folders and its mailbox imported, its classification queued."""
    inbox.add_company(company.name, list(company.addresses))
    for folder in company.folders:
        inbox.add_folder(company.name, folder.name, folder.description)
    maildir = workdir / _slug(company.name) / "Maildir"
    write_maildir(maildir, sample_mailbox(company))
    return maildir, inbox.import_path(company.name, maildir, wait=False)


def _add_admin(inbox: Inbox, company: SampleCompany) -> str:
    user = "demo@" + company.addresses[0].split("@", 1)[1]
    inbox.add_user(company.name, user, DEMO_PASSWORD, admin=True)
    return user


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
