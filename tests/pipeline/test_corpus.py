"""The shared corpus (~10,000 real messages): no crash, nothing lost, replies with their parents,
and the same counts on PostgreSQL as on SQLite."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from inboxsync.api import Inbox
from inboxsync.config import Settings
from inboxsync.db.models import Client, Conversation, InboxMessage, Quarantine
from inboxsync.errors import SourceError
from inboxsync.pipeline.report import SyncReport
from tests.conftest import shared_path

DATABASES = ("sqlite", "postgresql")
REPORTED = (
    "fetched",
    "new_messages",
    "duplicates",
    "quarantined",
    "new_conversations",
    "new_clients",
    "notifications",
)

Counts = dict[str, int]


def _reported(report: SyncReport) -> Counts:
    values = asdict(report)
    return {name: values[name] for name in REPORTED}


def _stored(inbox: Inbox) -> Counts:
    """What the database holds, and how replies sit against their parents."""
    child, parent = aliased(InboxMessage), aliased(InboxMessage)
    with_parent = (
        select(func.count())
        .select_from(child)
        .join(
            parent,
            (parent.company_id == child.company_id) & (parent.message_key == child.in_reply_to),
        )
    )
    queries = {
        "messages": select(func.count()).select_from(InboxMessage),
        "quarantine rows": select(func.count()).select_from(Quarantine),
        "conversations": select(func.count()).select_from(Conversation),
        "clients": select(func.count()).select_from(Client),
        "notification rows": select(func.count()).where(InboxMessage.is_notification),
        "replies with parent": with_parent,
        "replies split from parent": with_parent.where(
            parent.conversation_id != child.conversation_id
        ),
    }
    with inbox.sessions() as session:
        return {name: session.scalar(query) or 0 for name, query in queries.items()}


def _differences(counts: dict[str, Counts]) -> str:
    """The counts that differ between the databases, side by side."""
    sqlite, postgresql = (counts[kind] for kind in DATABASES)
    names = sorted(
        n for n in sqlite.keys() | postgresql.keys() if sqlite.get(n) != postgresql.get(n)
    )
    return "differing counts:\n" + "\n".join(
        f"  {name}: sqlite {sqlite.get(name)}, postgresql {postgresql.get(name)}" for name in names
    )


def _import_corpus(url: str, corpus: Path) -> tuple[SyncReport, Counts]:
    inbox = Inbox(Settings(db=url))
    try:
        inbox.add_company("Corpus", ["inbox@corpus.example"])
        report = inbox.import_path("Corpus", corpus, batch_size=1000)
        return report, _stored(inbox)
    finally:
        inbox.close()


def test_whole_corpus_imports_alike_on_both_databases_with_nothing_lost(
    new_database: Callable[[str], str],
) -> None:
    corpus = shared_path("corpus")
    files = sum(1 for p in corpus.rglob("*") if p.is_file() and not p.is_symlink())
    imports = {kind: _import_corpus(new_database(kind), corpus) for kind in DATABASES}
    counts = {kind: {**_reported(report), **stored} for kind, (report, stored) in imports.items()}

    assert counts["sqlite"] == counts["postgresql"], _differences(counts)
    for kind, (report, stored) in imports.items():
        assert report.fetched == files, kind
        assert report.new_messages == stored["messages"], kind
        assert report.quarantined == stored["quarantine rows"], kind
        assert report.new_messages + report.duplicates + report.quarantined == files, kind
        # notmuch, linux-raid and SpamAssassin list threads
        assert stored["replies with parent"] > 2500, kind
        assert stored["replies split from parent"] == 0, kind


def _import_mboxes(url: str, root: Path, mboxes: list[Path]) -> tuple[Counts, Counts]:
    """Every file into one company: the report counts per file (`path: field`) and what the
    database holds at the end."""
    inbox = Inbox(Settings(db=url))
    per_file: Counts = {}
    try:
        inbox.add_company("Mbox", [])
        for path in mboxes:
            try:
                report = inbox.import_path("Mbox", path)
            except SourceError as exc:  # a file that is not an mbox at all is reported
                assert "not an mbox file" in str(exc), path
                per_file[f"{path.relative_to(root)}: not an mbox"] = 1
                continue
            name = path.relative_to(root)
            per_file.update({f"{name}: {k}": n for k, n in _reported(report).items()})
        return per_file, _stored(inbox)
    finally:
        inbox.close()


def test_corpus_mbox_files_import_alike_on_both_databases_with_nothing_lost(
    new_database: Callable[[str], str],
) -> None:
    root = shared_path("corpus-mbox")
    mboxes = sorted(p for p in root.rglob("*") if p.is_file())
    imports = {kind: _import_mboxes(new_database(kind), root, mboxes) for kind in DATABASES}
    counts = {kind: {**per_file, **stored} for kind, (per_file, stored) in imports.items()}

    assert counts["sqlite"] == counts["postgresql"], _differences(counts)
    for kind, (per_file, stored) in imports.items():
        total = {
            name: sum(n for key, n in per_file.items() if key.endswith(f": {name}"))
            for name in REPORTED
        }
        assert total["fetched"] > 0, kind
        accounted = total["new_messages"] + total["duplicates"] + total["quarantined"]
        assert accounted == total["fetched"], (kind, total)
        assert total["new_messages"] == stored["messages"], (kind, total, stored)
        assert total["quarantined"] == stored["quarantine rows"], (kind, total, stored)
