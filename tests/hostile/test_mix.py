"""The hostile mix itself: every class is in it, among good mail shaped like a real inbox."""

from __future__ import annotations

from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path

from tests.hostile.messages import BUILDERS, hostile_messages, oversized
from tests.hostile.mix import (
    GOOD_MESSAGES,
    MAX_MESSAGE_BYTES,
    MBOX_NAME,
    build_maildir,
    build_mbox,
    good_mail,
    kinds,
)

from inboxsync.sources.local import MboxSource


def test_good_mail_has_many_senders_replies_and_attachments() -> None:
    mail = good_mail()
    parser = BytesHeaderParser(policy=compat32)
    headers = [parser.parsebytes(raw) for _, raw in mail]
    assert len(mail) == GOOD_MESSAGES
    assert len({h["From"] for h in headers}) >= 30
    assert sum(1 for h in headers if h["In-Reply-To"]) >= 100
    assert sum(1 for _, raw in mail if b"Content-Disposition: attachment" in raw) >= 5


def test_every_hostile_class_is_mixed_in_distinct_and_under_the_size_cap_but_one() -> None:
    messages = hostile_messages(MAX_MESSAGE_BYTES)
    assert len({m.kind for m in messages}) == len(messages)
    assert len({m.raw for m in messages}) == len(messages)
    assert all(build() for build in BUILDERS)
    too_big = [m.kind for m in messages if len(m.raw) > MAX_MESSAGE_BYTES]
    assert too_big == [m.kind for m in oversized(MAX_MESSAGE_BYTES)]


def test_maildir_holds_every_message_and_the_traps(tmp_path: Path) -> None:
    mix = build_maildir(tmp_path / "Maildir", tmp_path / "outside")
    files = [p for p in mix.path.rglob("*") if p.is_file() and not p.is_symlink()]
    assert sorted(str(p.relative_to(mix.path)) for p in files) == [e.ref for e in mix.entries]
    assert kinds(mix)["good"] == GOOD_MESSAGES
    assert {e.kind for e in mix.entries} - {"good"} == {
        m.kind for m in hostile_messages(MAX_MESSAGE_BYTES)
    }
    links = [r for r in mix.refused if (mix.path / r).is_symlink()]
    assert len(links) == 2 and any((mix.path / r).is_fifo() for r in mix.refused)
    assert mix.repeated_deliveries > 0


def test_mbox_splits_back_into_the_messages_it_was_written_from(tmp_path: Path) -> None:
    mix = build_mbox(tmp_path / MBOX_NAME)
    split = [m for batch in MboxSource(mix.path).batches(1000) for m in batch.messages]
    assert [m.source_ref for m in split] == [e.ref for e in mix.entries]
    for message, entry in zip(split, mix.entries, strict=True):
        if entry.hostile is not None:
            assert message.raw.rstrip(b"\n") == entry.hostile.raw.rstrip(b"\n"), entry.kind
