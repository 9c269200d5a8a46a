from __future__ import annotations

from collections.abc import Callable

import pytest

from inboxsync.errors import MessageParseError
from inboxsync.mail.headers import peek_key, plain_message_id, split_raw
from inboxsync.mail.parse import parse_message

LF_MESSAGE = b"From: a@x.example\nTo: b@y.example\nSubject: Hi\n\nBody line\n"


@pytest.mark.parametrize(
    ("raw", "head", "body"),
    [
        (b"A: 1\nB: 2\n\nbody\n", b"A: 1\nB: 2\n", b"body\n"),
        (b"A: 1\r\nB: 2\r\n\r\nbody\r\n", b"A: 1\r\nB: 2\r\n", b"body\r\n"),
        (b"A: 1\rB: 2\r\rbody\r", b"A: 1\rB: 2\r", b"body\r"),
        (b"A: 1\r\nB: 2\n\nbody", b"A: 1\r\nB: 2\n", b"body"),
        (b"A: 1\nB: 2\n", b"A: 1\nB: 2\n", b""),
        (b"A: 1\r\n folded\r\n\r\n", b"A: 1\r\n folded\r\n", b""),
    ],
)
def test_split_raw_finds_the_first_blank_line_whatever_the_line_endings(
    raw: bytes, head: bytes, body: bytes
) -> None:
    assert split_raw(raw) == (head, body)


def test_crlf_is_not_mistaken_for_a_blank_line() -> None:
    assert split_raw(b"A: 1\r\nB: 2\r\nbody-less") == (b"A: 1\r\nB: 2\r\nbody-less", b"")


def test_peek_key_is_the_normalized_message_id() -> None:
    raw = b"Message-ID: <Abc@Example.COM>\nFrom: a@x.example\n\nbody\n"
    assert peek_key(raw) == "Abc@example.com"


def test_peek_key_without_message_id_is_a_content_hash() -> None:
    assert peek_key(LF_MESSAGE).startswith("sha256:")


def test_peek_key_is_the_same_for_lf_crlf_and_cr_only_copies() -> None:
    crlf = LF_MESSAGE.replace(b"\n", b"\r\n")
    cr = LF_MESSAGE.replace(b"\n", b"\r")
    assert peek_key(LF_MESSAGE) == peek_key(crlf) == peek_key(cr)


def test_peek_key_ignores_the_mbox_from_line_and_trailing_blank_line() -> None:
    mbox = b"From a@x.example Mon Jan  1 00:00:00 2001\n" + LF_MESSAGE + b"\n"
    assert peek_key(mbox) == peek_key(LF_MESSAGE)


def test_peek_key_equals_the_full_parse_key() -> None:
    for raw in (LF_MESSAGE, LF_MESSAGE.replace(b"\n", b"\r"), b"Message-ID: <m@x>\n\nbody"):
        assert peek_key(raw) == parse_message(raw).message_key


def test_same_headers_different_bodies_get_different_keys() -> None:
    assert peek_key(LF_MESSAGE) != peek_key(LF_MESSAGE + b"more\n")


@pytest.mark.parametrize(
    "raw",
    [b"", b"  \r\n\r\n", b"just some text\nwithout headers\n", b"X-Foo: bar\n\nbody\n",
     b"\nFrom: a@x.example\n\nbody"],
)  # fmt: skip
def test_peek_key_refuses_what_is_not_a_message(raw: bytes) -> None:
    with pytest.raises(MessageParseError):
        peek_key(raw)


@pytest.mark.parametrize(
    "head",
    [b"Message-ID:\n  <folded@x.example>\nFrom: a@x.example\n",
     b"Message-ID: <first@x.example>\nMessage-ID: <second@x.example>\n",
     b"Message-Id: (a comment) <Mixed@X.Example>\r\nTo: b@x.example\r\n",
     b"From a@x.example Mon Jan  1 00:00:00 2001\nmessage-id: <m@x.example>\n",
     b"Subject: hi\nnot a field\nMessage-ID: <after-stray@x.example>\n",
     b"Message-ID : <space-before-colon@x.example>\nFrom: a@x.example\n",
     b"Subject: cr only\rMessage-ID: <cr@x.example>\r",
     b" continuation first\nMessage-ID: <m@x.example>\n",
     b"X-\xe9t\xe9: 8-bit name\nMessage-ID: <m@x.example>\n",
     b"Message-ID: not-an-id\nFrom: a@x.example\n",
     b"Message-ID: <\xff@x.example>\n"],
)  # fmt: skip
def test_peek_key_agrees_with_the_full_parse_on_odd_header_blocks(head: bytes) -> None:
    raw = head + b"\nbody\n"
    assert _key_or_refusal(peek_key, raw) == _key_or_refusal(
        lambda r: parse_message(r).message_key, raw
    )


def _key_or_refusal(read_key: Callable[[bytes], str], raw: bytes) -> str:
    try:
        return read_key(raw)
    except MessageParseError as exc:
        return f"refused: {exc}"


def test_a_plain_header_block_is_scanned_and_an_odd_one_is_parsed() -> None:
    assert plain_message_id(b"From: a@x.example\nMessage-ID: <m@X.example>\n") == "m@x.example"
    assert plain_message_id(b"From: a@x.example\nstray line\nMessage-ID: <m@x.example>\n") is None
    assert plain_message_id(b"From: a@x.example\n") is None  # no Message-ID: the content hash
