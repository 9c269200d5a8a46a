from __future__ import annotations

from email.utils import getaddresses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inboxsync.mail.addresses import MAX_ADDRESSES, _pairs, parse_addresses
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


def test_whole_mailbox_in_one_encoded_word_is_recovered() -> None:
    assert parse_addresses(["=?utf-8?b?SsOpcsO0bWUgPGpAeC5mcj4=?="]) == (
        Address("j@x.fr", "Jérôme"),
    )


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
