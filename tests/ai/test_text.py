from __future__ import annotations

import pytest

from inboxsync.ai.text import clean


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
