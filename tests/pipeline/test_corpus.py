"""The shared corpus (~10,000 real messages): no crash, nothing lost, replies with their parents."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from inboxsync.api import Inbox
from inboxsync.config import Settings
from inboxsync.db.models import InboxMessage, Quarantine
from tests.conftest import shared_path


def test_whole_corpus_imports_with_nothing_lost_and_replies_in_their_parents_thread(
    db_url: str,
) -> None:
    corpus = shared_path("corpus")
    files = sum(1 for p in corpus.rglob("*") if p.is_file() and not p.is_symlink())
    inbox = Inbox(Settings(db=db_url))
    inbox.add_company("Corpus", ["inbox@corpus.example"])

    report = inbox.import_path("Corpus", corpus, batch_size=1000)

    with inbox.sessions() as session:
        stored = session.scalar(select(func.count()).select_from(InboxMessage))
        quarantined = session.scalar(select(func.count()).select_from(Quarantine))
        child, parent = aliased(InboxMessage), aliased(InboxMessage)
        replies_with_parent = session.scalar(
            select(func.count())
            .select_from(child)
            .join(
                parent,
                (parent.company_id == child.company_id) & (parent.message_key == child.in_reply_to),
            )
        )
        split_from_parent = session.scalar(
            select(func.count())
            .select_from(child)
            .join(
                parent,
                (parent.company_id == child.company_id) & (parent.message_key == child.in_reply_to),
            )
            .where(parent.conversation_id != child.conversation_id)
        )
    assert report.fetched == files
    assert report.new_messages == stored
    assert report.quarantined == quarantined
    assert report.new_messages + report.duplicates + report.quarantined == files
    assert replies_with_parent > 2500  # notmuch, linux-raid and SpamAssassin list threads
    assert split_from_parent == 0


def test_corpus_mbox_files_import_with_nothing_lost(db_url: str) -> None:
    mboxes = sorted(p for p in shared_path("corpus-mbox").rglob("*") if p.is_file())
    inbox = Inbox(Settings(db=db_url))
    inbox.add_company("Mbox", [])
    fetched = stored = 0
    for path in mboxes:
        try:
            report = inbox.import_path("Mbox", path)
        except Exception as exc:  # a file that is not an mbox at all is reported, not crashed on
            assert "not an mbox file" in str(exc), path
            continue
        fetched += report.fetched
        stored += report.new_messages + report.duplicates + report.quarantined
    assert fetched > 0
    assert stored == fetched
