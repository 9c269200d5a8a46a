"""Reading FETCH responses as imaplib hands them over: responses split, items read, keys found."""

from __future__ import annotations

from datetime import datetime
from email.parser import BytesHeaderParser
from email.policy import compat32

from hypothesis import given
from hypothesis import strategies as st

from inboxsync.mail.message_id import normalize_message_id
from inboxsync.sources.imap.responses import by_uid, message_id_of

# What imaplib returns for a UID FETCH: a response with a literal is a (text up to the literal,
# literal) pair followed by the rest of its line; one without is a single bytes item.
DATA = [
    (
        b"1 (UID 7 RFC822.SIZE 120 BODY[HEADER.FIELDS (MESSAGE-ID)] {20}",
        b"Message-ID: <a@b>\r\n\r\n",
    ),
    b' INTERNALDATE " 4-Dec-2026 01:02:03 +0200")',
    b"2 (UID 8 FLAGS (\\Seen) MODSEQ (12))",  # another client changed a flag meanwhile
    b'3 (UID 9 RFC822.SIZE 5 INTERNALDATE "31-Dec-2026 23:30:00 -0100" '
    b'BODY[HEADER.FIELDS (MESSAGE-ID)] "")',
    (b"4 (BODY[] {3}", b"xyz"),
    b" UID 10)",
]


def test_each_response_is_read_by_uid_with_its_items_and_literal() -> None:
    peeks = by_uid(DATA, b"BODY[HEADER.FIELDS")
    assert sorted(peeks) == [7, 9]
    first, second = peeks[7], peeks[9]
    assert (first.size, first.literals) == (120, (b"Message-ID: <a@b>\r\n\r\n",))
    assert first.internaldate == datetime(2026, 12, 3, 23, 2, 3)  # naive UTC
    assert (second.size, second.literals) == (5, ())  # sent as a quoted string: no key
    assert second.internaldate == datetime(2027, 1, 1, 0, 30)
    [(uid, body)] = by_uid(DATA, b"BODY[]").items()
    assert (uid, body.literals, body.internaldate) == (10, (b"xyz",), None)


def _parsed_message_id(header: bytes) -> str | None:
    msg = BytesHeaderParser(policy=compat32).parsebytes(header)
    for name, value in msg.raw_items():
        if name.lower() == "message-id":
            return normalize_message_id(str(value))
    return None


@given(
    name=st.sampled_from(["Message-ID", "message-id", "Message-Id"]),
    value=st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=60),
    folded=st.booleans(),
    newline=st.sampled_from(["\r\n", "\n"]),
)
def test_the_one_line_shortcut_finds_the_key_the_header_parser_finds(
    name: str, value: str, folded: bool, newline: str
) -> None:
    field = f"{name}:{newline} {value}" if folded else f"{name}: {value}"
    header = f"{field}{newline}{newline}".encode()
    assert message_id_of(header) == _parsed_message_id(header)
