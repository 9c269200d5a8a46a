from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inboxsync.mail.filenames import (
    MAX_FILENAME_LENGTH,
    MAX_RAW_FILENAME_CHARS,
    attachment_filename,
    deduplicate,
    sanitize_filename,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\system32\\evil.dll", "evil.dll"),
        ("/absolute/path/file.txt", "file.txt"),
        ("C:\\Users\\me\\file.txt", "file.txt"),
        ("..", ""),
        ("...hidden", "hidden"),
        (".bashrc", "bashrc"),
        ("a..b....txt", "a.b.txt"),
        ("trailing dots...", "trailing dots"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("tab\tand\nnewline.txt", "tab and newline.txt"),
        ("nul\x00byte.txt", "nulbyte.txt"),
        ('what?<>:"|*.txt', "what_______.txt"),
        ("con.txt", "_con.txt"),
        ("=?utf-8?q?r=C3=A9sum=C3=A9.pdf?=", "résumé.pdf"),
        ("   ", ""),
        (None, ""),
    ],
)
def test_filenames_are_sanitized(raw: str | None, expected: str) -> None:
    assert sanitize_filename(raw) == expected


def test_long_filenames_are_capped_keeping_the_extension() -> None:
    name = sanitize_filename("x" * 400 + ".pdf")
    assert len(name) == MAX_FILENAME_LENGTH
    assert name.endswith(".pdf")


def test_only_the_head_of_a_huge_raw_filename_is_read() -> None:
    # The path separator lies past what is read: the name is the head, not "b.pdf".
    name = sanitize_filename("a" * MAX_RAW_FILENAME_CHARS + "/b.pdf")
    assert name == "a" * MAX_FILENAME_LENGTH


def test_missing_filename_falls_back_to_a_numbered_name_with_a_type_extension() -> None:
    assert attachment_filename(None, "image/png", 3) == "attachment-3.png"
    assert attachment_filename("../", "application/pdf", 1) == "attachment-1.pdf"
    assert attachment_filename("", "application/x-unknown", 2) == "attachment-2.bin"


def test_duplicate_names_are_numbered() -> None:
    taken: set[str] = set()
    names = [deduplicate(n, taken) for n in ["a.txt", "a.txt", "A.TXT", "b", "b"]]
    assert names == ["a.txt", "a (2).txt", "A (3).TXT", "b", "b (2)"]


def test_numbering_a_name_at_the_length_cap_keeps_it_under_the_cap() -> None:
    taken: set[str] = set()
    name = "x" * MAX_FILENAME_LENGTH
    first, second = deduplicate(name, taken), deduplicate(name, taken)
    assert first != second
    assert len(second) <= MAX_FILENAME_LENGTH


@given(st.text())
def test_sanitized_names_are_always_safe(raw: str) -> None:
    name = sanitize_filename(raw)
    assert "/" not in name and "\\" not in name
    assert ".." not in name
    assert not name.startswith(".")
    assert len(name) <= MAX_FILENAME_LENGTH
    assert all(c.isprintable() for c in name)
