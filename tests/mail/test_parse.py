from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inboxsync.errors import MessageParseError
from inboxsync.mail.headers import peek_key
from inboxsync.mail.parse import parse_message
from inboxsync.mail.types import Address

RAW = (
    b"Return-Path: <jane@client.example>\n"
    b"From: =?utf-8?q?Jane_Dup=C3=A9?= <Jane@Client.EXAMPLE>\n"
    b"To: Support <support@company.example>, bob@company.example\n"
    b"Cc: carol@client.example\n"
    b"Subject: =?utf-8?q?Re=3A_Commande_n=C2=B042?=\n"
    b"Date: Sun, 10 Mar 2024 09:30:00 +0100\n"
    b"Message-ID: <Reply-1@Client.Example>\n"
    b"In-Reply-To: <orig-1@company.example>\n"
    b"References: <root@company.example>\n <orig-1@company.example>\n"
    b"Content-Type: text/plain; charset=utf-8\n"
    b"\n"
    b"Merci !\n"
)
RECEIVED = datetime(2024, 3, 10, 9, 0, tzinfo=UTC)


def test_full_parse_of_a_simple_reply() -> None:
    message = parse_message(RAW, RECEIVED)
    assert message.message_key == "Reply-1@client.example"
    assert message.message_id == "Reply-1@client.example"
    assert message.subject == "Re: Commande n°42"
    assert message.subject_norm == "commande n°42"
    assert message.from_addr == Address("jane@client.example", "Jane Dupé")
    assert [a.email for a in message.to] == ["support@company.example", "bob@company.example"]
    assert [a.email for a in message.cc] == ["carol@client.example"]
    assert message.date == datetime(2024, 3, 10, 8, 30, tzinfo=UTC)
    assert message.in_reply_to == "orig-1@company.example"
    assert message.references == ("root@company.example", "orig-1@company.example")
    assert message.text == "Merci !\n"
    assert message.verdict.kind == "person"
    assert message.verdict.rule == "reply"
    assert message.size == len(RAW)
    assert message.defects == ()


def test_cr_only_line_endings_parse_like_lf() -> None:
    cr = parse_message(RAW.replace(b"\n", b"\r"), RECEIVED)
    lf = parse_message(RAW, RECEIVED)
    assert cr.message_key == lf.message_key
    assert cr.subject == lf.subject
    assert cr.references == lf.references
    assert cr.text == lf.text


def test_mbox_from_line_is_not_a_header() -> None:
    message = parse_message(b"From jane@client.example Sun Mar 10 09:30:00 2024\n" + RAW)
    assert message.message_key == "Reply-1@client.example"
    assert message.from_addr is not None and message.from_addr.email == "jane@client.example"


def test_missing_date_falls_back_to_received_at_in_utc() -> None:
    raw = b"From: a@x.example\nSubject: s\n\nbody"
    received = datetime(2024, 3, 10, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    assert parse_message(raw, received).date == datetime(2024, 3, 10, 9, 0, tzinfo=UTC)


def test_future_date_falls_back_to_received_at() -> None:
    raw = b"From: a@x.example\nDate: Fri, 1 Jan 2038 00:00:00 +0000\n\nbody"
    assert parse_message(raw, RECEIVED).date == RECEIVED


def test_without_any_date_the_parse_time_is_used() -> None:
    before = datetime.now(UTC)
    date = parse_message(b"From: a@x.example\n\nbody").date
    assert before <= date <= datetime.now(UTC)


def test_message_without_message_id_gets_a_content_key() -> None:
    raw = b"From: a@x.example\nSubject: s\n\nbody"
    message = parse_message(raw)
    assert message.message_id is None
    assert message.message_key.startswith("sha256:")
    assert message.message_key == peek_key(raw)


def test_sender_stands_in_for_a_missing_from() -> None:
    message = parse_message(b"Sender: list-owner@x.example\nSubject: s\n\nbody")
    assert message.from_addr == Address("list-owner@x.example")


def test_notification_verdict_comes_from_header_rules() -> None:
    message = parse_message(b"From: news@x.example\nList-Unsubscribe: <mailto:u@x>\n\nbody")
    assert (message.verdict.kind, message.verdict.rule) == ("notification", "list-headers")


def test_raw_8bit_subject_is_decoded() -> None:
    message = parse_message("From: a@x.example\nSubject: Grüße\n\nbody".encode())
    assert message.subject == "Grüße"
    assert message.subject_norm == "grüsse"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty"),
        (b"\r\n\r\n  ", "empty"),
        (b"Hello, this is not an email at all.\n", "no header fields"),
        (b"X-Custom: 1\nContent-Type: text/plain\n\nbody", "no From, Date"),
    ],
)
def test_what_is_not_a_message_raises_message_parse_error(raw: bytes, reason: str) -> None:
    with pytest.raises(MessageParseError, match=reason):
        parse_message(raw)


MESSAGE_PIECES = [
    b"From: a@x.example\n", b"To: =?utf-8?q?\xff?= <b@y>\n", b"Subject: =?bogus?B?####?=\n",
    b"Message-ID: <\x00@>\n", b"Date: Mon, 99 Foo 1900 25:61:61 +9999\n",
    b"Content-Type: multipart/mixed; boundary=b\n", b"Content-Type: message/rfc822\n",
    b"Content-Type: text/plain; charset=iso-2022-jp\n", b"Content-Transfer-Encoding: base64\n",
    b"Content-Disposition: attachment; filename*=bogus''%ff%fe\n", b"\n", b"\r\n", b"\r",
    b"--b\n", b"--b--\n", b" folded\n", b"=?utf-8?B?5Lg=?=", b"\x1b$B", b"\xe4\xb8",
    b"<p>&amp;<br>", b"From: <>\n", b"In-Reply-To: <a@b> <c@d>\n", b":\n", b"x" * 80,
]  # fmt: skip


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_raise_nothing_but_message_parse_error(raw: bytes) -> None:
    try:
        message = parse_message(raw)
    except MessageParseError:
        with pytest.raises(MessageParseError):
            peek_key(raw)
        return
    assert peek_key(raw) == message.message_key


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(st.sampled_from(MESSAGE_PIECES), max_size=40))
def test_header_and_mime_soup_raises_nothing_but_message_parse_error(pieces: list[bytes]) -> None:
    raw = b"".join(pieces)
    try:
        message = parse_message(raw)
    except MessageParseError:
        return
    assert peek_key(raw) == message.message_key
    assert message.date.tzinfo == UTC
