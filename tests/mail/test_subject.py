from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inboxsync.mail.subject import is_generic_subject, normalize_subject


@pytest.mark.parametrize(
    "subject",
    [
        "Re: Invoice 42", "RE: Invoice 42", "re : Invoice 42", "Fw: Invoice 42",
        "FWD: Invoice 42", "Fwd: Re: Invoice 42",  # English
        "Ré: Invoice 42", "RÉF: Invoice 42", "Ref: Invoice 42", "TR: Invoice 42",  # French
        "AW: Invoice 42", "WG: Invoice 42", "Antwort: Invoice 42",  # German
        "RV: Invoice 42", "RES: Invoice 42",  # Spanish, Portuguese
        "R: Invoice 42", "I: Invoice 42", "Rif: Invoice 42",  # Italian
        "Antw: Invoice 42", "Doorst: Invoice 42",  # Dutch
        "SV: Invoice 42", "VS: Invoice 42", "VB: Invoice 42", "VL: Invoice 42",  # Nordic
        "Odp: Invoice 42", "PD: Invoice 42",  # Polish
        "YNT: Invoice 42", "İLT: Invoice 42",  # Turkish
        "ENC: Invoice 42",  # Portuguese
        "回复: Invoice 42", "回复：Invoice 42", "回覆：Invoice 42", "转发: Invoice 42",
        "答复：Invoice 42",  # Chinese
        "ΑΠ: Invoice 42",  # Greek
    ],
)  # fmt: skip
def test_reply_and_forward_prefixes_are_stripped(subject: str) -> None:
    assert normalize_subject(subject) == "invoice 42"


@pytest.mark.parametrize(
    "subject",
    ["Re[2]: Invoice 42", "RE (3): Invoice 42", "Re^4: Invoice 42", "AW[12]：Invoice 42"],
)
def test_prefix_counters_are_stripped(subject: str) -> None:
    assert normalize_subject(subject) == "invoice 42"


def test_prefixes_are_stripped_repeatedly_in_mixed_languages() -> None:
    assert normalize_subject("Re: AW: WG: Fwd: SV: Re[2]: Invoice 42") == "invoice 42"


def test_leading_list_tags_are_stripped_around_prefixes() -> None:
    assert normalize_subject("[Linux-raid] Re: [PATCH v2] md: fix resync") == "md: fix resync"
    assert normalize_subject("Re: [Support] [Ticket#123] Printer") == "printer"


def test_brackets_after_the_first_word_are_kept() -> None:
    assert normalize_subject("Order [urgent] 42") == "order [urgent] 42"


def test_trailing_fwd_marker_is_stripped() -> None:
    assert normalize_subject("Meeting notes (fwd)") == "meeting notes"


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("I need help", "i need help"),
        ("Re-booking my flight", "re-booking my flight"),
        ("Research: results", "research: results"),
        ("Sv. Petersburg trip", "sv. petersburg trip"),
        ("Order: 42", "order: 42"),
        ("Fwd", "fwd"),
    ],
)
def test_words_that_merely_look_like_prefixes_are_kept(subject: str, expected: str) -> None:
    assert normalize_subject(subject) == expected


def test_whitespace_is_collapsed_and_case_folded() -> None:
    assert normalize_subject("  Straße\t\r\n  Nummer  ZWEI ") == "strasse nummer zwei"


def test_full_width_forms_are_normalized() -> None:
    assert normalize_subject("ＲＥ：テスト") == "テスト"


@given(st.text())
def test_normalize_subject_is_idempotent(subject: str) -> None:
    normalized = normalize_subject(subject)
    assert normalize_subject(normalized) == normalized


PREFIX_SOUP = ["Re:", "RE :", "Fwd:", "AW:", "[tag]", "回复：", "Re[2]:", " ", "SV:", "(fwd)", "x",
               "Re", ":", "["]  # fmt: skip


@given(st.lists(st.sampled_from(PREFIX_SOUP)), st.text(max_size=20))
def test_normalize_subject_is_idempotent_on_prefix_soup(parts: list[str], tail: str) -> None:
    normalized = normalize_subject("".join(parts) + tail)
    assert normalize_subject(normalized) == normalized


@pytest.mark.parametrize(
    "subject",
    ["", "Re:", "Hello", "hi!", "Question?", "Bonjour", "Salut", "HELP", "Info", "Demande",
     "test", "(no subject)", "Sans objet", "Kein Betreff", "Hola", "URGENT!!!", "Re: Hi there",
     "ok", "??", "[tag]", "无主题"],
)  # fmt: skip
def test_generic_subjects_are_recognized(subject: str) -> None:
    assert is_generic_subject(normalize_subject(subject))


@pytest.mark.parametrize(
    "subject",
    ["Invoice 42 overdue", "Printer on floor 3 is broken", "报价", "RMA 4711", "Help with login"],
)
def test_meaningful_subjects_are_not_generic(subject: str) -> None:
    assert not is_generic_subject(normalize_subject(subject))
