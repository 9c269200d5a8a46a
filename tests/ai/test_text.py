from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inboxsync.ai.text import clean, content_hash, normalize_for_hash


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello,\n\tworld", "Hello, world"),
        ("nul\x00bell\x07 and zero\u200bwidth", "nul bell and zero width"),
        ("no\u00a0break space", "no break space"),
        ("bidi \u202eoverride", "bidi override"),
        ("> quoted line\nreply", "reply"),
    ],
)
def test_clean_blanks_control_characters_and_keeps_the_rest(text: str, expected: str) -> None:
    assert clean(text, 100) == expected


def test_clean_cuts_at_the_limit() -> None:
    assert clean("word " * 100, 12) == "word word wo"


@given(st.text(max_size=60), st.text(max_size=200), st.integers(0, 80))
def test_content_hash_is_empty_exactly_when_the_normalized_mail_is_shorter_than_asked(
    subject: str, text: str, min_chars: int
) -> None:
    short = len(normalize_for_hash(f"{subject} {text}")) < min_chars
    digest = content_hash(subject, text, min_chars)
    assert (digest == "") == short
    assert digest in ("", content_hash(subject, text))
