"""Maildir and folder-tree sources never leave their root, never block, and name every entry."""

from __future__ import annotations

import os
import tracemalloc
from pathlib import Path

import pytest

from inboxsync.sources.local import DirectorySource, MaildirSource, open_source
from tests.sources.helpers import (
    SECRET,
    as_nobody,
    make_special,
    message,
    outside_secrets,
    read_all,
    summary,
)

LINK = "symbolic link: not followed"


def maildir(root: Path, *folders: str) -> Path:
    for folder in ("", *folders):
        for sub in ("cur", "new", "tmp"):
            (root / folder / sub).mkdir(parents=True, exist_ok=True)
    return root


@pytest.mark.parametrize("sub", ["cur", "new"])
def test_maildir_link_to_a_file_outside_is_skipped_and_never_read(tmp_path: Path, sub: str) -> None:
    secret, _ = outside_secrets(tmp_path)
    root = maildir(tmp_path / "Maildir")
    (root / sub / "1.eml").write_bytes(message(1))
    (root / sub / "2.eml").symlink_to(secret)

    seen = read_all(open_source(root))

    assert list(seen.messages) == [f"{sub}/1.eml"]
    assert seen.skipped == {f"{sub}/2.eml": LINK}
    assert not seen.failures
    seen.assert_secret_absent()


def test_maildir_link_in_cur_to_a_directory_is_skipped(tmp_path: Path) -> None:
    _, outside = outside_secrets(tmp_path)
    root = maildir(tmp_path / "Maildir")
    (root / "cur" / "elsewhere").symlink_to(outside / "cur", target_is_directory=True)

    seen = read_all(open_source(root))

    assert seen.skipped == {"cur/elsewhere": LINK}
    assert not seen.messages and not seen.failures


def test_maildir_plus_folder_that_is_a_link_is_skipped_and_not_walked(tmp_path: Path) -> None:
    _, outside = outside_secrets(tmp_path)
    root = maildir(tmp_path / "Maildir", ".Sent")
    (root / ".Sent" / "cur" / "1.eml").write_bytes(message(1))
    (root / ".Stolen").symlink_to(outside, target_is_directory=True)

    seen = read_all(open_source(root))

    assert list(seen.messages) == [".Sent/cur/1.eml"]
    assert seen.skipped == {".Stolen": LINK}
    seen.assert_secret_absent()


def test_maildir_cur_that_is_a_link_is_skipped(tmp_path: Path) -> None:
    _, outside = outside_secrets(tmp_path)
    root = maildir(tmp_path / "Maildir", ".Sent")
    (root / ".Sent" / "cur").rmdir()
    (root / ".Sent" / "cur").symlink_to(outside / "cur", target_is_directory=True)
    (root / "new" / "1.eml").write_bytes(message(1))

    seen = read_all(open_source(root))

    assert list(seen.messages) == ["new/1.eml"]
    assert seen.skipped == {".Sent/cur": LINK}
    seen.assert_secret_absent()


def test_tree_links_to_a_file_and_to_a_folder_are_skipped(tmp_path: Path) -> None:
    secret, outside = outside_secrets(tmp_path)
    root = tmp_path / "tree"
    (root / "inner").mkdir(parents=True)
    (root / "a.eml").write_bytes(message(1))
    (root / "inner" / "b.eml").write_bytes(message(2))
    (root / "inner" / "leak.eml").symlink_to(secret)
    (root / "folder-link").symlink_to(outside, target_is_directory=True)
    (root / "dangling").symlink_to(tmp_path / "nothing-here")

    seen = read_all(open_source(root))

    assert list(seen.messages) == ["a.eml", "inner/b.eml"]
    assert seen.skipped == {"inner/leak.eml": LINK, "folder-link": LINK, "dangling": LINK}
    seen.assert_secret_absent()


@pytest.mark.parametrize("layout", ["maildir", "tree"])
def test_a_root_given_as_a_link_is_followed_once_with_the_same_refs(
    tmp_path: Path, layout: str
) -> None:
    real = maildir(tmp_path / "real") if layout == "maildir" else tmp_path / "real"
    real.mkdir(exist_ok=True)
    (real / ("cur" if layout == "maildir" else "") / "1.eml").write_bytes(message(1))
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)

    source = open_source(link)
    seen = read_all(source)

    assert isinstance(source, MaildirSource if layout == "maildir" else DirectorySource)
    assert list(seen.messages) == ["cur/1.eml" if layout == "maildir" else "1.eml"]
    assert not seen.skipped


@pytest.mark.parametrize("kind", ["fifo", "socket", "character device"])
@pytest.mark.parametrize("layout", ["maildir", "tree"])
def test_special_files_inside_are_refused_without_blocking(
    tmp_path: Path, kind: str, layout: str
) -> None:
    root = maildir(tmp_path / "Maildir") if layout == "maildir" else tmp_path / "tree"
    folder = root / "new" if layout == "maildir" else root
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "1.eml").write_bytes(message(1))
    make_special(folder / "2.eml", kind)
    prefix = "new/" if layout == "maildir" else ""

    source = open_source(root)
    seen = read_all(source)

    assert list(seen.messages) == [f"{prefix}1.eml"]
    assert seen.skipped == {f"{prefix}2.eml": f"not a regular file: {kind}"}
    assert source.count() == 1


def test_unreadable_files_and_folders_become_distinct_failures(public_tmp: Path) -> None:
    tree = public_tmp / "tree"
    (tree / "locked").mkdir(parents=True)
    (tree / "locked" / "hidden.eml").write_bytes(message(9))
    (tree / "a.eml").write_bytes(message(1))
    (tree / "b.eml").write_bytes(message(2))
    (tree / "z.eml").write_bytes(message(3))
    (tree / "a.eml").chmod(0o000)
    (tree / "b.eml").chmod(0o000)
    (tree / "locked").chmod(0o000)

    result = as_nobody(lambda: summary(open_source(tree)))

    assert result["messages"] == ["z.eml"]
    assert result["failures"] == {
        "a.eml": ["unreadable file: Permission denied", ""],
        "b.eml": ["unreadable file: Permission denied", ""],
        "locked": ["unreadable directory: Permission denied", ""],
    }
    assert result["count"] == 4 and not result["skipped"]


def test_unreadable_maildir_folders_become_failures(public_tmp: Path) -> None:
    root = maildir(public_tmp / "Maildir", ".Sent", ".Archive")
    (root / "cur" / "1.eml").write_bytes(message(1))
    (root / "cur" / "2.eml").write_bytes(message(2))
    (root / ".Archive" / "cur" / "3.eml").write_bytes(message(3))
    (root / "cur" / "2.eml").chmod(0o000)
    (root / "new").chmod(0o000)
    (root / ".Sent").chmod(0o000)
    (root / ".Archive" / "cur").chmod(0o000)

    result = as_nobody(lambda: summary(open_source(root)))

    assert result["messages"] == ["cur/1.eml"]
    assert result["failures"] == {
        "cur/2.eml": ["unreadable file: Permission denied", ""],
        "new": ["unreadable directory: Permission denied", ""],
        ".Sent": ["unreadable directory: Permission denied", ""],
        ".Archive/cur": ["unreadable directory: Permission denied", ""],
    }
    assert result["count"] == 5


@pytest.mark.parametrize("layout", ["maildir", "tree"])
def test_an_oversized_file_keeps_only_its_header_block(tmp_path: Path, layout: str) -> None:
    root = maildir(tmp_path / "Maildir") if layout == "maildir" else tmp_path / "tree"
    folder = root / "cur" if layout == "maildir" else root
    folder.mkdir(parents=True, exist_ok=True)
    small = message(1)
    big = message(2, body="x" * 5000 + "\nEND-OF-BODY\n")
    (folder / "1.eml").write_bytes(small)
    (folder / "2.eml").write_bytes(big)

    seen = read_all(open_source(root, max_message_bytes=len(small)))

    prefix = "cur/" if layout == "maildir" else ""
    kept = seen.messages[f"{prefix}1.eml"]
    capped = seen.messages[f"{prefix}2.eml"]
    assert kept.raw == small and not kept.headers_only
    assert capped.headers_only
    assert capped.raw == big[: big.index(b"\n\n") + 2]
    assert capped.note == (
        f"message of {len(big)} bytes is over the {len(small)}-byte limit: "
        "headers kept, body not read"
    )


def test_an_oversized_file_is_not_read_whole(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    root.mkdir()
    (root / "huge.eml").write_bytes(message(1) + b"y" * (40 * 1024 * 1024))

    tracemalloc.start()
    try:
        seen = read_all(open_source(root, max_message_bytes=1024 * 1024))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert seen.messages["huge.eml"].headers_only
    assert peak < 4 * 1024 * 1024


def test_maildir_order_count_and_batch_bounds(tmp_path: Path) -> None:
    secret, _ = outside_secrets(tmp_path)
    root = maildir(tmp_path / "Maildir", ".Sent", ".Archive")
    for ref in ["new/b", "new/a", "cur/z", "cur/y", ".Sent/new/s", ".Archive/cur/r"]:
        (root / ref).write_bytes(message(hash(ref) % 1000))
    (root / "cur" / "x-link").symlink_to(secret)
    (root / "tmp" / "in-delivery").write_bytes(message(7))
    (root / "dovecot-uidlist").write_bytes(b"3 V1 N1\n")

    source = open_source(root)
    seen = read_all(source, batch_size=2)

    refs = ["cur/y", "cur/z", "new/a", "new/b", ".Archive/cur/r", ".Sent/new/s"]
    assert list(seen.messages) == refs
    assert seen.skipped == {"cur/x-link": LINK}
    assert all(len(b.messages) + len(b.failures) + len(b.skipped) <= 2 for b in seen.batches)
    assert source.count() == len(refs)


def test_tree_order_is_a_folders_files_then_its_subfolders(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    for ref in ["b/2", "b/a/1", "a/3", "z", "c"]:
        (root / ref).parent.mkdir(parents=True, exist_ok=True)
        (root / ref).write_bytes(message(len(ref)))

    source = open_source(root)

    assert list(read_all(source, batch_size=3).messages) == ["c", "z", "a/3", "b/2", "b/a/1"]
    assert source.count() == 5


def test_a_very_deep_tree_is_walked_without_recursion(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    folders = [root]
    root.mkdir()
    for _ in range(1200):  # mkdir(parents=True) and rmtree recurse too: made and removed by hand
        folders.append(folders[-1] / "d")
        folders[-1].mkdir()
    (folders[-1] / "deep.eml").write_bytes(message(1))
    try:
        seen = read_all(open_source(root))
    finally:
        (folders[-1] / "deep.eml").unlink()
        for folder in reversed(folders):
            folder.rmdir()

    assert list(seen.messages) == ["d/" * 1200 + "deep.eml"]


def test_secret_content_never_leaves_through_any_link(tmp_path: Path) -> None:
    secret, outside = outside_secrets(tmp_path)
    root = maildir(tmp_path / "Maildir", ".Sent")
    for folder in ("", ".Sent"):
        (root / folder / "cur" / "good").write_bytes(message(len(folder)))
        (root / folder / "cur" / "leak").symlink_to(secret)
        (root / folder / "new" / "leak-dir").symlink_to(outside, target_is_directory=True)
    (root / ".Leak").symlink_to(outside, target_is_directory=True)
    os.link(secret, root / "new" / "hardlink")  # a hard link is a regular file: the one exception

    seen = read_all(open_source(root))

    assert set(seen.skipped) == {
        "cur/leak",
        "new/leak-dir",
        ".Sent/cur/leak",
        ".Sent/new/leak-dir",
        ".Leak",
    }
    assert SECRET in seen.messages["new/hardlink"].raw
    del seen.messages["new/hardlink"]
    seen.assert_secret_absent()
