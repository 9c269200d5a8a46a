from __future__ import annotations

import time
from email.utils import getaddresses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inboxsync.mail.addresses import (
    MAX_ADDRESSES,
    MAX_SENDER_HEADER_CHARS,
    _pairs,
    parse_addresses,
    reply_address,
)
from inboxsync.mail.types import Address


def test_addresses_are_lower_cased_with_decoded_names() -> None:
    result = parse_addresses(["=?utf-8?q?J=C3=A9r=C3=B4me?= <Jerome@Example.FR>"])
    assert result == (Address("jerome@example.fr", "Jérôme"),)


def test_encoded_name_with_a_comma_does_not_split_the_address() -> None:
    result = parse_addresses(['"=?utf-8?q?Doe=2C_John?=" <john@example.com>'])
    assert result == (Address("john@example.com", "Doe, John"),)


def test_several_values_and_addresses_keep_order_without_repeats() -> None:
    result = parse_addresses(
        ["a@x.com, B <b@x.com>", None, "A@X.com", "Carol (work) <carol@x.com>"]
    )
    assert [a.email for a in result] == ["a@x.com", "b@x.com", "carol@x.com"]


def test_entries_without_an_address_are_skipped() -> None:
    result = parse_addresses(["undisclosed-recipients:;", "MAILER-DAEMON", "<>", "x@", "@y"])
    assert result == ()


def test_group_syntax_members_are_found() -> None:
    result = parse_addresses(["team: a@x.com, b@x.com;"])
    assert [a.email for a in result] == ["a@x.com", "b@x.com"]


def test_raw_8bit_display_name_is_decoded() -> None:
    raw = "Jörg <jorg@x.de>".encode().decode("ascii", "surrogateescape")
    assert parse_addresses([raw]) == (Address("jorg@x.de", "Jörg"),)


def test_an_address_inside_an_encoded_word_is_never_an_address() -> None:
    # Encoded words are decoded into display names only: `Jérôme <j@x.fr>` as one word is
    # text, not a mailbox.
    assert parse_addresses(["=?utf-8?b?SsOpcsO0bWUgPGpAeC5mcj4=?="]) == ()
    assert parse_addresses(["Bob <=?utf-8?q?bob?=@x.example>"]) == ()


def test_address_syntax_inside_an_encoded_word_is_only_text() -> None:
    # Case 6 of issue 8: the `:` and `@` inside the word made `_victim@evil.example?=` the
    # sender.
    value = "=?utf-8?Q?Bob=0D=0ABcc:_victim@evil.example?= <c2@x.example>"
    assert parse_addresses([value]) == (Address("c2@x.example", "Bob Bcc: victim@evil.example"),)


def test_address_count_is_capped() -> None:
    value = ", ".join(f"user{n}@x.com" for n in range(MAX_ADDRESSES * 3))
    assert len(parse_addresses([value])) == MAX_ADDRESSES


def test_header_with_hundreds_of_colons_does_not_overflow_the_stack() -> None:
    value = "a@x.com, " + "word: " * 3000
    assert parse_addresses([value])[0].email == "a@x.com"


@given(st.lists(st.text(max_size=200), max_size=4))
def test_parse_addresses_never_raises(values: list[str]) -> None:
    for address in parse_addresses(values):
        assert "@" in address.email
        assert address.email == address.email.lower()


@pytest.mark.parametrize(
    "value",
    [
        "Alice Martin <alice@x.example>",
        "bob@y.example",
        "  Mr. X   <X@Y.Z>  ",
        "Émilie <e@x.fr>",
        "=?utf-8?q?Ren=C3=A9?= <r@x.fr>",
        "<only@brackets.example>",
    ],
)
def test_simple_mailboxes_take_the_fast_path_with_the_stdlib_result(value: str) -> None:
    assert _pairs(value) == getaddresses([value])


def _8bit(text: str) -> str:
    """`text` as compat32 hands over a raw UTF-8 header: 8-bit bytes as surrogate escapes."""
    return text.encode().decode("ascii", "surrogateescape")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Alice Martin <Alice@Client.Example>", "alice@client.example"),
        ("alice@client.example", "alice@client.example"),
        ("<alice@client.example>", "alice@client.example"),
        ('"Martin, Alice" <alice@client.example>', "alice@client.example"),
        ('"alice@client.example" <alice@client.example>', "alice@client.example"),
        ("=?utf-8?q?J=C3=A9r=C3=B4me?= <j.r+tag@x.fr>", "j.r+tag@x.fr"),
        ("Bob (Sales) <bob@x.example>", "bob@x.example"),
        ("Bob\r\n <bob@x.example>", "bob@x.example"),  # folded
        (_8bit("Jörg <jorg@x.de>"), "jorg@x.de"),
        (_8bit("Jörg <jorg@münchen.de>"), "jorg@xn--mnchen-3ya.de"),
    ],
)
def test_the_reply_address_is_the_one_sender(value: str, expected: str) -> None:
    assert reply_address([value]) == expected


@pytest.mark.parametrize(
    "value",
    [
        "=?utf-8?Q?Bob=0D=0ABcc:_victim@evil.example?= <c2@x.example>",  # case 6: CR LF
        _8bit("Bob\u2028Bcc: v@evil.example <c2@x.example>"),  # case 6: a line separator
        "=?utf-8?q?Bob=E2=80=A8Bcc=3A_v=40evil.example?= <c2@x.example>",
        "=?utf-8?q?Bob=C2=85x?= <c2@x.example>",  # NEL
        "=?utf-8?q?Bob=09x?= <c2@x.example>",  # a tab in the decoded name
        '"x@y"@client.example',  # case 6: a quoted local part
        'Bob <"x@y"@client.example>',
        "a@x.example, b@x.example",
        "team: a@x.example;",
        "Bob <a@x.example>, <b@x.example>",
        "Bob <a@x.example> <b@x.example>",
        "Bob <a@x.example> trailing",
        "Bob <=?utf-8?q?a?=@x.example>",
        "=?utf-8?q?a=40x.example?=",
        "=?utf-8?b?SsOpcsO0bWUgPGpAeC5mcj4=?=",
        "a=?x?=@x.example",
        "Bob <bob@x>",  # one label
        "Bob <bob@1.2.3.4>",
        "Bob <bob@[1.2.3.4]>",
        "Bob <bob@-x.example>",
        "Bob <bob@x_y.example>",
        "Bob <bob@x.example.>",
        "Bob <.bob@x.example>",
        "Bob <bo..b@x.example>",
        "Bob <bob@@x.example>",
        "Bob <bob>",
        "Bob <>",
        "<>",
        "",
        "Bob <bob@x.example",
        "Bob: <bob@x.example>",
        "Bob, Jr <bob@x.example>",
        "Bob\t<bob@x.example>",
        "Bob\x00 <bob@x.example>",
        "Bob\x1b[31m <bob@x.example>",
        "Bob\u00a0<bob@x.example>",
        "Bob\r<bob@x.example>",
        "Bob <bob@x.example>\nBcc: v@evil.example",
        _8bit("Bob <böb@x.example>"),
        _8bit("Bob <bob@x\u2028.example>"),
        "Bob <" + "b" * 65 + "@x.example>",
        "Bob <bob@" + "x" * 64 + ".example>",
        "Bob <bob@" + "x." * 130 + "example>",
        "x" * 3000 + " <bob@x.example>",
    ],
)
def test_anything_but_one_plain_sender_address_has_no_reply_address(value: str) -> None:
    assert reply_address([value]) is None


def test_two_from_headers_have_no_reply_address() -> None:
    assert reply_address(["a@x.example", "a@x.example"]) is None
    assert reply_address([]) is None


@given(st.text(max_size=120) | st.text(st.sampled_from('a@.<>"(),:; \r\n\t=?\u2028x'), max_size=60))
def test_a_reply_address_is_always_a_plain_ascii_addr_spec(value: str) -> None:
    found = reply_address([value])
    if found is not None:
        local, _, domain = found.partition("@")
        assert found.isascii() and found.isprintable() and found == found.lower()
        assert " " not in found and "@" not in domain and "=?" not in found
        assert local and "." in domain
        if value.isascii():  # else the lenient parse keeps a domain's Unicode form
            assert parse_addresses([value])[0].email == found


@pytest.mark.parametrize(
    "value",
    ["a" + " " * 200_000 + "b", "x" * 200_000, "a@" * 100_000, "<" * 200_000, '"' * 200_000,
     "(" * 200_000, "a: " * 70_000, "a, " * 70_000, "=?utf-8?q?a?= " * 15_000, "=?" * 100_000,
     "=?a?q?" * 30_000, "\\" * 200_000, "<a@" * 60_000, "a" + "." * 200_000 + "@b"],
)  # fmt: skip
def test_address_parsing_stays_linear_on_huge_hostile_values(value: str) -> None:
    # CPU time of this thread: other processes on a busy machine do not count against it.
    started = time.thread_time()
    parse_addresses([value])
    reply_address([value])
    reply_address([value[:MAX_SENDER_HEADER_CHARS]])
    assert time.thread_time() - started < 1.0
