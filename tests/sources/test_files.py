"""Safe opening: what is swapped in after the listing is still refused, heads are bounded, and
a folder's listing is held in a few objects however many files it names."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from inboxsync.sources import RawMessage
from inboxsync.sources.batching import Refused
from inboxsync.sources.files import (
    DIRECTORY,
    FILE,
    HEAD_LIMIT,
    LINK,
    Listed,
    Listing,
    header_block,
    open_folder,
    read_file,
    scan,
)
from tests.sources.helpers import SECRET, deadline, make_special, message, outside_secrets


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    path = tmp_path / "cur"
    path.mkdir()
    (path / "mail").write_bytes(message(1))
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    yield path, fd
    os.close(fd)


def test_a_link_swapped_in_after_the_listing_is_refused(
    tmp_path: Path, folder: tuple[Path, int]
) -> None:
    path, fd = folder
    secret, _ = outside_secrets(tmp_path)
    listing = scan(fd, "cur")
    assert isinstance(listing, Listing)
    assert list(listing) == [("mail", FILE)]
    (path / "mail").unlink()
    (path / "mail").symlink_to(secret)

    outcome = read_file(Listed(fd, "mail", "cur/mail"), limit=1024 * 1024)

    assert outcome == Refused("cur/mail", "symbolic link: not followed")


@pytest.mark.parametrize("kind", ["fifo", "socket"])
def test_a_special_file_swapped_in_after_the_listing_is_refused_without_blocking(
    folder: tuple[Path, int], kind: str
) -> None:
    path, fd = folder
    (path / "mail").unlink()
    make_special(path / "mail", kind)

    with deadline(10):
        outcome = read_file(Listed(fd, "mail", "cur/mail"), limit=1024 * 1024)

    assert outcome == Refused("cur/mail", f"not a regular file: {kind}")


def test_a_folder_swapped_for_a_link_is_refused(tmp_path: Path, folder: tuple[Path, int]) -> None:
    path, fd = folder
    _, outside = outside_secrets(tmp_path)
    (path / "sub").symlink_to(outside, target_is_directory=True)

    assert open_folder("sub", fd, "cur/sub") == Refused("cur/sub", "symbolic link: not followed")


def test_a_file_that_vanished_since_the_listing_is_reported(folder: tuple[Path, int]) -> None:
    path, fd = folder
    (path / "mail").unlink()

    outcome = read_file(Listed(fd, "mail", "cur/mail"), limit=1024)

    assert outcome == Refused("cur/mail", "vanished before it was read")


def test_a_file_under_the_limit_is_read_whole_with_its_mtime(folder: tuple[Path, int]) -> None:
    path, fd = folder
    os.utime(path / "mail", (1_700_000_000, 1_700_000_000))

    outcome = read_file(Listed(fd, "mail", "cur/mail"), limit=len(message(1)))

    assert isinstance(outcome, RawMessage)
    assert outcome.raw == message(1) and not outcome.headers_only
    assert outcome.received_at is not None and outcome.received_at.timestamp() == 1_700_000_000


@pytest.mark.parametrize(
    ("data", "head"),
    [
        (b"A: 1\nB: 2\n\nbody\n\nmore", b"A: 1\nB: 2\n\n"),
        (b"A: 1\r\nB: 2\r\n\r\nbody\r\n", b"A: 1\r\nB: 2\r\n\r\n"),
        (b"\nbody", b"\n"),
        (b"A: 1\nno blank line", b"A: 1\nno blank line"),
    ],
)
def test_header_block_ends_at_the_first_blank_line(data: bytes, head: bytes) -> None:
    assert header_block(data) == head


def test_header_block_is_bounded() -> None:
    endless = b"X-Long: " + b"a" * (2 * HEAD_LIMIT)

    assert len(header_block(endless)) == HEAD_LIMIT
    assert SECRET not in header_block(b"A: 1\n\n" + SECRET)


def test_a_listing_gives_its_entries_in_name_order_both_ways() -> None:
    entries = [("b", FILE), ("", FILE), ("a.d", DIRECTORY), ("é\udcff", LINK), ("a", FILE)]
    listing = Listing(iter(entries))
    assert list(listing) == sorted(entries)
    assert list(reversed(listing)) == sorted(entries, reverse=True)
    assert len(listing) == 5
    assert list(Listing([])) == []


def test_a_listing_of_ten_thousand_files_is_a_few_objects() -> None:
    # A Maildir's cur/ listing lives as long as the import: a tuple and a string per file
    # were 14 MB for 100,000 messages.
    def held_blocks() -> tuple[int, Listing]:
        names = (f"{n}.{n % 7}.synthetic:2,S" for n in range(10_000))
        before = sys.getallocatedblocks()
        listing = Listing((name, FILE) for name in names)
        return sys.getallocatedblocks() - before, listing

    held_blocks()  # the interpreter's free lists of small objects fill up here
    blocks, listing = held_blocks()
    assert blocks < 50
    assert len(listing) == 10_000
