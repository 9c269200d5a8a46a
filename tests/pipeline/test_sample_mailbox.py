"""The demo mailbox end to end: every intended thread, notification and client comes out right."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from inboxsync.api import Inbox
from inboxsync.config import Settings
from inboxsync.db.models import Client, InboxMessage
from inboxsync.demo.sample import (
    SAMPLE_COMPANIES,
    SampleCompany,
    expected_summary,
    sample_mailbox,
    write_maildir,
)
from inboxsync.mail import normalize_message_id


@pytest.mark.parametrize("company", SAMPLE_COMPANIES, ids=lambda c: c.language)
def test_sample_mailbox_threads_flags_and_clients(
    db_url: str, tmp_path: Path, company: SampleCompany
) -> None:
    expected = expected_summary(company)
    inbox = Inbox(Settings(db=db_url))
    inbox.add_company(company.name, list(company.addresses))
    write_maildir(tmp_path / "Maildir", sample_mailbox(company))

    report = inbox.import_path(company.name, tmp_path / "Maildir")

    with inbox.sessions() as session:
        rows = session.execute(
            select(
                InboxMessage.message_id, InboxMessage.conversation_id, InboxMessage.is_notification
            )
        ).all()
        clients = set(session.scalars(select(Client.email)))
        written_to = {
            address
            for to in session.scalars(
                select(InboxMessage.to_emails).where(InboxMessage.direction == "out")
            )
            for address in to.split()
        }
    conversation = {mid: cid for mid, cid, _ in rows if mid}
    notifications = {mid for mid, _, flagged in rows if mid and flagged}
    assert report.fetched == expected.delivery_count
    assert report.quarantined == 0
    assert report.new_messages == expected.delivery_count - len(expected.duplicate_ids)
    assert report.new_conversations == len(expected.threads)
    threads_by_id = [
        {conversation[normalize_message_id(m)] for m in thread.message_ids if m}
        for thread in expected.threads
        if any(thread.message_ids)
    ]
    assert all(len(ids) == 1 for ids in threads_by_id)
    assert len(set.union(*threads_by_id)) == len(threads_by_id)
    assert notifications == {normalize_message_id(m) for m in expected.notification_ids}
    # Everyone who wrote in is a client; so is whoever the company wrote to first.
    assert set(expected.client_addresses) <= clients
    assert clients - set(expected.client_addresses) <= written_to
