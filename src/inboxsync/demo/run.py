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


@dataclass(frozen=True, slots=True)
class DemoRun:
    """What the demo did for one company: both syncs and the conversations they left."""

    company: str
    maildir: Path
    first: SyncReport
    second: SyncReport
    conversations: list[ConversationRow]


def run_demo(
    workdir: Path,
    settings: Settings | None = None,
    on_company: Callable[[DemoRun], None] | None = None,
) -> list[DemoRun]:
    """Write the sample mailboxes under `workdir`, import each into a fresh SQLite database
    (or `settings.db` when given), then import again to show that nothing is added."""
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
    return DemoRun(company.name, maildir, first, second, inbox.conversations(company.name))


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")
