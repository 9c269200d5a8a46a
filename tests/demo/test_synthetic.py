"""The benchmark generator: deterministic, fast, and shaped like a real shared inbox."""

from __future__ import annotations

import email
import mailbox
import time
from collections import Counter
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser
from email.utils import parseaddr, parsedate_to_datetime
from pathlib import Path

import pytest

from inboxsync.demo.synthetic import synthetic_messages, synthetic_rows, write_maildir_files
from inboxsync.mail.parse import parse_message


def kind_of(headers: Message) -> str:
    if headers.get_content_type() == "multipart/report":
        return "bounce"
    if headers["List-Id"]:
        return "newsletter"
    if headers["Auto-Submitted"]:
        return "auto-reply"
    if any(local in str(headers["From"]) for local in ("no-reply@", "noreply@", "notifications@")):
        return "notice"
    return "conversation"


@pytest.fixture(scope="module")
def ten_thousand() -> list[tuple[str, bytes]]:
    return list(synthetic_messages(10_000))


@pytest.fixture(scope="module")
def headers(ten_thousand: list[tuple[str, bytes]]) -> list[Message]:
    parser = BytesHeaderParser()  # compat32: plain strings, fast enough for 10,000
    return [parser.parsebytes(raw) for _, raw in ten_thousand]


def test_same_seed_gives_the_same_bytes() -> None:
    assert list(synthetic_messages(300, seed=3)) == list(synthetic_messages(300, seed=3))
    assert list(synthetic_messages(300, seed=3)) != list(synthetic_messages(300, seed=4))


def test_ten_thousand_messages_take_well_under_five_seconds() -> None:
    started = time.thread_time()  # CPU time: a busy machine does not count against it
    count = sum(1 for _ in synthetic_messages(10_000, seed=7))
    assert count == 10_000
    assert time.thread_time() - started < 5


def test_mix_is_that_of_a_shared_inbox(
    ten_thousand: list[tuple[str, bytes]], headers: list[Message]
) -> None:
    assert len({name for name, _ in ten_thousand}) == 10_000
    distinct = {h["Message-ID"]: h for h in headers}
    assert len(headers) - len(distinct) == 100  # 1% duplicate deliveries
    kinds = Counter(kind_of(h) for h in distinct.values())
    assert kinds["conversation"] == 7_400
    assert kinds["newsletter"] + kinds["notice"] + kinds["bounce"] == 2_000
    assert kinds["auto-reply"] == 500
    assert min(kinds["newsletter"], kinds["notice"], kinds["bounce"]) > 100


def test_conversations_come_in_threads_of_two_to_ten(headers: list[Message]) -> None:
    seen: set[str] = set()
    root_of: dict[str, str] = {}
    sizes: Counter[str] = Counter()
    for h in headers:
        mid = h["Message-ID"]
        if mid in seen:
            continue
        seen.add(mid)
        if kind_of(h) != "conversation":
            continue
        parent = h["In-Reply-To"]
        assert parent is None or parent in seen  # replies come after what they answer
        root_of[mid] = root_of[parent] if parent else mid
        sizes[root_of[mid]] += 1
    assert set(sizes.values()) <= set(range(2, 11))
    assert 1_500 < len(sizes) < 2_400


def test_about_a_thousand_senders_per_ten_thousand_messages(headers: list[Message]) -> None:
    senders = {parseaddr(str(h["From"]))[1].lower() for h in headers}
    assert 850 <= len(senders) <= 1_150


def test_sizes_charsets_and_attachments(ten_thousand: list[tuple[str, bytes]]) -> None:
    sizes = [len(raw) for _, raw in ten_thousand]
    assert min(sizes) >= 2_000 and max(sizes) <= 50 * 1024
    assert 4_000 < sorted(sizes)[5_000] < 12_000
    attachments = sum(b"Content-Type: application/pdf" in raw for _, raw in ten_thousand)
    assert 200 <= attachments <= 400
    charsets = Counter(
        charset
        for _, raw in ten_thousand
        for charset in ("utf-8", "iso-8859-1", "us-ascii")
        if f'charset="{charset}"'.encode() in raw
    )
    assert min(charsets.values()) > 500


def test_every_message_parses_and_decodes() -> None:
    for name, raw in synthetic_messages(600, seed=11):
        msg = email.message_from_bytes(raw, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        assert not msg.defects, name
        assert all(msg[field] for field in ("Date", "From", "To", "Subject", "Message-ID"))
        for part in msg.walk():
            assert not part.defects, name
            if part.get_content_maintype() == "text" and part.get_content_charset():
                assert part.get_content()
            if part.get_content_type() == "application/pdf":
                assert part.get_content().startswith(b"%PDF-")


def test_duplicate_deliveries_repeat_bytes_under_a_new_name() -> None:
    messages = list(synthetic_messages(2_000, seed=5))
    first_name: dict[bytes, str] = {}
    repeats = 0
    for name, raw in messages:
        if raw in first_name:
            repeats += 1
            assert first_name[raw] != name
        first_name.setdefault(raw, name)
    assert repeats == 20


def test_rows_are_the_distinct_messages_without_mime() -> None:
    rows = list(synthetic_rows(1_000, seed=9))
    parser = BytesHeaderParser()
    distinct: dict[str, Message] = {}
    for _, raw in synthetic_messages(1_000, seed=9):
        h = parser.parsebytes(raw)
        distinct.setdefault(h["Message-ID"].strip("<>"), h)
    assert len({row.message_key for row in rows}) == 1_000
    for row in rows[: len(distinct)]:
        h = distinct[row.message_key]
        assert row.subject == str(make_header(decode_header(h["Subject"])))
        assert row.from_email == parseaddr(h["From"])[1]
        assert row.date == parsedate_to_datetime(h["Date"])


def test_write_maildir_files_round_trips_through_mailbox_maildir(tmp_path: Path) -> None:
    messages = list(synthetic_messages(250, seed=2))
    assert write_maildir_files(tmp_path / "Maildir", messages) == 250
    box = mailbox.Maildir(tmp_path / "Maildir", factory=None, create=False)
    assert sorted(box.get_bytes(key) for key in box.iterkeys()) == sorted(r for _, r in messages)


@pytest.mark.parametrize(("seed", "domain"), [(9, "c9.example"), (7006, "acme.example")])
def test_a_sender_name_the_message_charset_cannot_write_moves_it_to_utf8(
    seed: int, domain: str
) -> None:
    """Both raised UnicodeEncodeError: an accented sender name signed an us-ascii message."""
    messages = [raw for _, raw in synthetic_messages(230, seed, domain)]
    assert len(messages) == 230
    assert all(parse_message(raw).text for raw in messages)
