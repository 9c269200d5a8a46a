from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inboxsync.mail.message_id import (
    MAX_IDS,
    canonical_body,
    normalize_message_id,
    parse_id_list,
    synthetic_key,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<abc@example.com>", "abc@example.com"),
        ("  <abc@EXAMPLE.Com>  ", "abc@example.com"),
        ("<ABC.Def@Example.COM>", "ABC.Def@example.com"),
        ("abc@example.com", "abc@example.com"),
        ("<abc@example.com> (added by postmaster@x.org)", "abc@example.com"),
        ("(comment (nested)) <abc@example.com>", "abc@example.com"),
        ("<abc\r\n @example.com>", "abc@example.com"),
        ("<first@a.com> <second@b.com>", "first@a.com"),
        ("<abc@example.com", "abc@example.com"),
    ],
)
def test_message_id_is_normalized(value: str, expected: str) -> None:
    assert normalize_message_id(value) == expected


@pytest.mark.parametrize(
    "value",
    [None, "", "   ", "<>", "< >", "(only a comment)", "<abc@>", "<@example.com>", "12345",
     "PM2000 8:14:54 AM", "<abc\x00@example.com>", "<caf\udce9@example.com>"],
)  # fmt: skip
def test_garbage_message_id_is_none(value: str | None) -> None:
    assert normalize_message_id(value) is None


def test_overlong_message_id_is_none() -> None:
    assert normalize_message_id("<" + "a" * 600 + "@example.com>") is None


def test_only_the_domain_part_is_lower_cased() -> None:
    assert normalize_message_id("<CaseSensitive@Host.Example>") == "CaseSensitive@host.example"


@given(st.text())
def test_normalize_message_id_never_raises_and_is_idempotent(value: str) -> None:
    normalized = normalize_message_id(value)
    if normalized is not None:
        assert normalize_message_id(normalized) == normalized
        assert normalize_message_id(f"<{normalized}>") == normalized


@given(st.from_regex(r"<[A-Za-z0-9.$%+_-]{1,30}@[A-Za-z0-9.-]{1,30}>", fullmatch=True))
def test_bracketed_ids_survive_normalization(value: str) -> None:
    normalized = normalize_message_id(value)
    assert normalized is not None
    assert normalized.lower() == value[1:-1].lower()


def test_references_keep_order_and_drop_repeats() -> None:
    value = "<a@x.com> <b@X.com>\r\n <c@x.com> <B@x.com> <b@x.com>"
    assert parse_id_list(value) == ("a@x.com", "b@x.com", "c@x.com", "B@x.com")


def test_references_tolerate_commas_missing_spaces_and_folding() -> None:
    value = "<a@x.com>,<b@x.com>\n\t<c@x.com>"
    assert parse_id_list(value) == ("a@x.com", "b@x.com", "c@x.com")


def test_in_reply_to_prose_is_ignored_around_bracketed_id() -> None:
    value = 'Your message of "Mon, 1 Jan 2001 10:00:00 +0000" <orig@example.com>'
    assert parse_id_list(value) == ("orig@example.com",)


def test_in_reply_to_with_comment_keeps_only_the_id() -> None:
    value = "<orig@example.com> (Joe's message of Mon, 1 Jan 2001)"
    assert parse_id_list(value) == ("orig@example.com",)


def test_ids_without_brackets_are_found_when_they_look_like_ids() -> None:
    assert parse_id_list("a@x.com b@x.com, not-an-id") == ("a@x.com", "b@x.com")


def test_empty_or_garbage_reference_lists_are_empty() -> None:
    assert parse_id_list(None) == ()
    assert parse_id_list("") == ()
    assert parse_id_list("<> <@> (comment)") == ()


def test_long_reference_lists_keep_the_root_and_the_newest_ids() -> None:
    ids = [f"<m{n}@x.com>" for n in range(MAX_IDS + 50)]
    result = parse_id_list(" ".join(ids))
    assert len(result) == MAX_IDS
    assert result[0] == "m0@x.com"
    assert result[-1] == f"m{MAX_IDS + 49}@x.com"


@given(st.text())
def test_parse_id_list_never_raises_and_returns_normalized_ids(value: str) -> None:
    for message_id in parse_id_list(value):
        assert normalize_message_id(message_id) == message_id


def test_synthetic_key_ignores_line_endings_and_trailing_blanks() -> None:
    lf = synthetic_key("a@x.com", "Mon, 1 Jan 2001", "Hi", "b@x.com", b"line 1  \nline 2\n\n")
    crlf = synthetic_key("a@x.com", "Mon, 1 Jan 2001", "Hi", "b@x.com", b"line 1\r\nline 2\r\n")
    cr = synthetic_key("a@x.com", "Mon, 1 Jan 2001", "Hi", "b@x.com", b"line 1\rline 2\r")
    assert lf == crlf == cr
    assert lf.startswith("sha256:")
    assert len(lf) == len("sha256:") + 64


def test_synthetic_key_ignores_header_folding() -> None:
    folded = synthetic_key("a@x.com", None, "a long\r\n subject", None, b"")
    unfolded = synthetic_key("a@x.com", None, "a long subject", None, b"")
    assert folded == unfolded


def test_synthetic_key_differs_when_content_differs() -> None:
    base = synthetic_key("a@x.com", "d", "s", "t", b"body")
    assert synthetic_key("a@x.com", "d", "s", "t", b"other body") != base
    assert synthetic_key("c@x.com", "d", "s", "t", b"body") != base
    assert synthetic_key("a@x.com", "d", "s2", "t", b"body") != base
    # A value moved to another field must not hash the same.
    assert synthetic_key(None, "a@x.com", "s", "t", b"body") != synthetic_key(
        "a@x.com", None, "s", "t", b"body"
    )


def test_canonical_body_undoes_mbox_from_quoting() -> None:
    assert canonical_body(b"hi\n>From here\n") == canonical_body(b"hi\r\nFrom here\r\n")


def test_synthetic_key_accepts_raw_8bit_headers() -> None:
    assert synthetic_key("caf\udce9 <a@x.com>", None, "\ud800", None, b"").startswith("sha256:")


def test_synthetic_key_of_an_ordinary_message_is_pinned() -> None:
    # Stored keys of messages without a Message-ID are this digest: it must never change.
    body = b"Hello Bob,  \r\n\r\nthe invoice is attached.\t\r\n>From the team\r\n\r\n"
    key = synthetic_key(
        "Alice <alice@client.example>",
        "Mon, 2 Mar 2026 10:00:00 +0000",
        "Invoice  March",
        "support@acme.example",
        body,
    )
    assert key == "sha256:8720557d7cf405efb7e50c56049eab050e7ed8aaa93a394a49d02d1bf25efca0"


def _canonical_by_lines(body: bytes) -> bytes:
    """canonical_body's definition, line by line."""
    lines = []
    for line in body.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n"):
        line = line.rstrip(b" \t")
        unquoted = line.lstrip(b">")
        lines.append(unquoted if unquoted != line and unquoted.startswith(b"From ") else line)
    return b"\n".join(lines).strip(b"\n")


@given(st.lists(st.sampled_from([b" ", b"\t", b"\r", b"\n", b">", b"From ", b"x"]), max_size=40))
def test_canonical_body_strips_blanks_and_quoting_line_by_line(pieces: list[bytes]) -> None:
    body = b"".join(pieces)
    assert canonical_body(body) == _canonical_by_lines(body)
