"""The quarantine through `Inbox`: listing, reading, retrying, each company seeing only its own."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic_core import to_jsonable_python
from sqlalchemy import func, select, update

from inboxsync import Inbox, RetryNote, Settings
from inboxsync.db.models import Quarantine
from inboxsync.errors import ConfigError, NotFound
from tests.factories import make_message, write_files

GARBAGE = b"\x00\x01\x02 this is not mail \xff\xfe"


@pytest.fixture
def inbox(db_url: str) -> Iterator[Inbox]:
    inbox = Inbox(Settings(db=db_url))
    inbox.add_company("Acme", ["support@acme.example"])
    inbox.add_company("Globex", ["help@globex.example"])
    yield inbox
    inbox.close()


def mbox(path: Path, *messages: bytes, truncated: bytes = b"") -> Path:
    """An mbox file of `messages`, then `truncated` cut off before its last newline."""
    parts = [b"From sender@example Mon Jun  1 09:00:00 2026\n" + m + b"\n" for m in messages]
    if truncated:
        parts.append(b"From sender@example Mon Jun  1 09:05:00 2026\n" + truncated.rstrip(b"\n"))
    path.write_bytes(b"".join(parts))
    return path


def quarantine_garbage(inbox: Inbox, tmp_path: Path, company: str = "Acme") -> int:
    """Import a file that is only garbage bytes; returns its quarantine entry's id."""
    folder = write_files(tmp_path / company, {"junk.eml": GARBAGE})
    assert inbox.import_path(company, folder).quarantined == 1
    [entry] = inbox.quarantine(company)
    return entry.id


def test_an_unparsable_file_is_listed_and_shown_with_its_bytes(
    inbox: Inbox, tmp_path: Path
) -> None:
    entry_id = quarantine_garbage(inbox, tmp_path)
    [entry] = inbox.quarantine("Acme")
    assert entry == inbox.quarantine_entry("Acme", entry_id)
    assert (entry.source_ref, entry.size, entry.headers_only) == ("junk.eml", len(GARBAGE), False)
    assert entry.reason.startswith("not a message")
    assert entry.cannot_retry is None
    assert inbox.quarantine_raw("Acme", entry_id) == GARBAGE
    as_json = to_jsonable_python(entry)
    assert as_json["created_at"] == entry.created_at.isoformat() and as_json["cannot_retry"] is None
    assert inbox.quarantine("Globex") == []


def test_another_companys_entry_is_not_found_exactly_like_an_unknown_one(
    inbox: Inbox, tmp_path: Path
) -> None:
    theirs = quarantine_garbage(inbox, tmp_path, "Globex")
    unknown = theirs + 1000
    for method in (inbox.quarantine_entry, inbox.quarantine_raw):
        with pytest.raises(NotFound) as other:
            method("Acme", theirs)
        with pytest.raises(NotFound) as missing:
            method("Acme", unknown)
        assert str(other.value) == str(missing.value).replace(str(unknown), str(theirs))
    with pytest.raises(NotFound):
        inbox.retry_quarantine("Acme", [theirs])
    assert [e.id for e in inbox.quarantine("Globex")] == [theirs]


def test_retry_stores_a_cut_off_mbox_message_threaded_with_its_client(
    inbox: Inbox, tmp_path: Path
) -> None:
    """An mbox whose last message, a reply, is cut off: the source quarantines it as truncated
    with its bytes. Those bytes still parse, so an operator's retry makes them a message."""
    first = make_message(msgid="<1@client.example>")
    reply = make_message(
        msgid="<2@client.example>", in_reply_to="<1@client.example>", minutes=5, body="Any news?"
    )
    report = inbox.import_path("Acme", mbox(tmp_path / "box.mbox", first, truncated=reply))
    assert (report.new_messages, report.quarantined) == (1, 1)
    [entry] = inbox.quarantine("Acme")
    assert entry.reason.startswith("truncated mbox")

    retry = inbox.retry_quarantine("Acme")

    assert retry.stored == (entry.id,) and retry.failed == () and retry.not_retryable == ()
    assert retry.run is not None and retry.run.new_messages == 1
    assert retry.run.new_conversations == 0
    assert inbox.quarantine("Acme") == []
    [conversation] = inbox.conversations("Acme")
    assert (conversation.messages, conversation.client) == (2, "alice@client.example")


def test_bytes_that_still_fail_stay_with_the_current_reason_and_their_dedupe_key(
    inbox: Inbox, tmp_path: Path
) -> None:
    """The row is made to look quarantined by an older parser (another reason); the retry
    puts the current parser's reason in, keeps its id, and a re-import adds no second row."""
    entry_id = quarantine_garbage(inbox, tmp_path)
    current = inbox.quarantine_entry("Acme", entry_id).reason
    with inbox.sessions() as session:
        session.execute(update(Quarantine).values(reason="older parser: bad header"))
        session.commit()

    retry = inbox.retry_quarantine("Acme", [entry_id])

    assert retry.stored == () and retry.failed == (RetryNote(entry_id, current),)
    [entry] = inbox.quarantine("Acme")
    assert (entry.id, entry.reason) == (entry_id, current)
    assert inbox.import_path("Acme", tmp_path / "Acme").quarantined == 0
    with inbox.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Quarantine)) == 1
        assert session.scalar(select(Quarantine.dedupe_key)) == hashlib.sha256(GARBAGE).hexdigest()


def test_headers_only_and_byteless_entries_are_not_retried(inbox: Inbox, tmp_path: Path) -> None:
    """The oversized message comes from a real mbox import with a 1 KB cap (its body is never
    read). A file root cannot read cannot be made, so the row of an unreadable file is
    inserted as the pipeline writes it: no bytes, keyed by its path."""
    small = Inbox(Settings(db=inbox.settings.db, max_message_bytes=1024))
    big = make_message(msgid="<big@client.example>", body="x" * 4000)
    assert small.import_path("Acme", mbox(tmp_path / "big.mbox", big)).quarantined == 1
    small.close()
    with inbox.sessions() as session:
        session.add(
            Quarantine(
                company_id=inbox.company_id("Acme"),
                source_ref="cur/unreadable",
                reason="unreadable file: Permission denied",
                raw=b"",
                raw_sha256=hashlib.sha256(b"").hexdigest(),
                dedupe_key=hashlib.sha256(b"unreadable\0cur/unreadable").hexdigest(),
            )
        )
        session.commit()
    before = inbox.quarantine("Acme")
    oversized, unreadable = before
    assert oversized.headers_only and 0 < oversized.size < 1024

    retry = inbox.retry_quarantine("Acme")

    assert retry.run is None and retry.stored == () and retry.failed == ()
    assert retry.not_retryable == (
        RetryNote(oversized.id, "headers only: the body was never downloaded"),
        RetryNote(unreadable.id, "no bytes: the message could not be read"),
    )
    assert inbox.quarantine("Acme") == before


def test_retrying_every_entry_leaves_other_companies_alone(inbox: Inbox, tmp_path: Path) -> None:
    ours = quarantine_garbage(inbox, tmp_path, "Acme")
    theirs = quarantine_garbage(inbox, tmp_path, "Globex")

    retry = inbox.retry_quarantine("Acme")

    assert [note.id for note in retry.failed] == [ours]
    [entry] = inbox.quarantine("Globex")
    assert entry.id == theirs


def test_a_retry_that_fails_before_any_mail_is_read_leaves_the_entries_as_they_were(
    inbox: Inbox, tmp_path: Path
) -> None:
    """The celery backend without a broker URL fails fast, after the entries were set aside."""
    quarantine_garbage(inbox, tmp_path)
    before = inbox.quarantine("Acme")
    broken = Inbox(Settings(db=inbox.settings.db, jobs={"backend": "celery"}))
    with pytest.raises(ConfigError):
        broken.retry_quarantine("Acme")
    broken.close()
    assert inbox.quarantine("Acme") == before
    with inbox.sessions() as session:
        assert session.scalar(select(Quarantine.dedupe_key)) == hashlib.sha256(GARBAGE).hexdigest()
