"""The mbox stream: oversized messages keep their headers and never sit whole in memory."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from inboxsync.errors import SourceError
from inboxsync.sources.local import MboxSource, open_source
from tests.sources.helpers import deadline, make_special, message, outside_secrets, read_all

FROM = b"From alice@client.example Mon Jun  1 09:00:00 2026\n"


def mbox(path: Path, *messages: bytes) -> Path:
    path.write_bytes(b"".join(FROM + m + b"\n" for m in messages))
    return path


def test_an_oversized_message_keeps_its_headers_and_its_neighbours_stay_whole(
    tmp_path: Path,
) -> None:
    small, other = message(1), message(3)
    big = message(2, body="x" * 5000 + "\nEND-OF-BODY\n")
    limit = max(len(small), len(other))
    source = open_source(mbox(tmp_path / "box.mbox", small, big, other), max_message_bytes=limit)

    seen = read_all(source, batch_size=2)

    assert list(seen.messages) == ["box.mbox#1", "box.mbox#2", "box.mbox#3"]
    assert seen.messages["box.mbox#1"].raw == small
    assert seen.messages["box.mbox#3"].raw == other
    capped = seen.messages["box.mbox#2"]
    assert capped.headers_only and capped.raw == big[: big.index(b"\n\n") + 2]
    assert capped.note == (
        f"message of {len(big)} bytes is over the {limit}-byte limit: headers kept, body not read"
    )
    assert capped.received_at is not None and capped.received_at.year == 2026
    assert source.count() == 3


@pytest.mark.parametrize("line_ends", [True, False], ids=["lines", "one-endless-line"])
def test_an_oversized_body_is_never_held_in_memory(tmp_path: Path, line_ends: bool) -> None:
    filler = (b"y" * 999 + b"\n") if line_ends else b"y" * 1000
    path = tmp_path / "huge.mbox"
    with path.open("wb") as out:
        out.write(FROM + message(1) + filler * 40_000 + b"\n\n" + FROM + message(2) + b"\n")

    tracemalloc.start()
    try:
        seen = read_all(MboxSource(path, max_message_bytes=1024 * 1024))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert seen.messages["huge.mbox#1"].headers_only
    assert seen.messages["huge.mbox#2"].raw == message(2)
    assert peak < 4 * 1024 * 1024


def test_a_truncated_last_message_is_a_failure_with_its_bytes(tmp_path: Path) -> None:
    path = tmp_path / "cut.mbox"
    path.write_bytes(FROM + message(1) + b"\n" + FROM + b"Subject: cut")

    seen = read_all(open_source(path))

    assert list(seen.messages) == ["cut.mbox#1"]
    assert seen.failures == {
        "cut.mbox#2": ("truncated mbox: the last message is cut off", b"Subject: cut")
    }


def test_from_quoting_is_undone_and_the_separator_dropped(tmp_path: Path) -> None:
    raw = b"Subject: q\n\n>From here\n>>From there\n"
    seen = read_all(open_source(mbox(tmp_path / "q.mbox", raw, raw)))

    assert [m.raw for m in seen.messages.values()] == [
        b"Subject: q\n\nFrom here\n>From there\n"
    ] * 2


def test_an_mbox_given_as_a_link_is_read_under_the_given_name(tmp_path: Path) -> None:
    link = tmp_path / "inbox.mbox"
    link.symlink_to(mbox(tmp_path / "archive-2026.mbox", message(1)))

    assert list(read_all(open_source(link)).messages) == ["inbox.mbox#1"]


@pytest.mark.parametrize("kind", ["fifo", "socket"])
def test_an_mbox_source_on_a_special_file_fails_without_blocking(tmp_path: Path, kind: str) -> None:
    make_special(tmp_path / "box", kind)

    with deadline(10), pytest.raises(SourceError, match=f"is a {kind}"):
        read_all(MboxSource(tmp_path / "box"))


def test_a_file_that_is_not_an_mbox_is_refused(tmp_path: Path) -> None:
    secret, _ = outside_secrets(tmp_path)

    with pytest.raises(SourceError, match="not an mbox file"):
        read_all(open_source(secret))
