"""Quoted history and signatures told apart from what the sender wrote (mail/quoting.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from inboxsync.mail.quoting import MAX_CHARS, MAX_LINES, TextBlock, split_quoted
from tests.support.timing import GROWTH, MAX_RATIO, cpu_seconds


def _kinds(text: str) -> list[tuple[str, str]]:
    return [(block.kind, block.text) for block in split_quoted(text)]


def test_plain_text_is_one_block_of_the_senders_words() -> None:
    assert _kinds("Bonjour,\n\nMerci pour le devis.\n") == [
        ("text", "Bonjour,\n\nMerci pour le devis.")
    ]


def test_gmail_header_and_quoted_lines_are_the_history() -> None:
    header = "On Mon, 3 Jun 2024 at 10:00, Ann <ann@x.example> wrote:"
    text = f"Yes, Tuesday works.\n\n{header}\n> Can we meet?\n"
    assert _kinds(text) == [
        ("text", "Yes, Tuesday works."),
        ("quote", f"{header}\n> Can we meet?"),
    ]


def test_a_header_wrapped_over_two_lines_still_opens_the_history() -> None:
    text = "Ok.\nOn Mon, 3 Jun 2024 at 10:00, Ann Longname <\nann@x.example> wrote:\n> Hi\n"
    assert [kind for kind, _ in _kinds(text)] == ["text", "quote"]


@pytest.mark.parametrize(
    "header",
    [
        "Le lun. 3 juin 2024 à 10:00, Anne <anne@x.example> a écrit :",
        "Le 03/06/2024 à 10:00, Anne a écrit:",
        "-----Original Message-----",
        "----- Message d'origine -----",
    ],
)
def test_french_and_outlook_headers_open_the_history(header: str) -> None:
    text = f"Merci.\n\n{header}\nTexte précédent\nsans chevrons\n"
    assert _kinds(text) == [
        ("text", "Merci."),
        ("quote", f"{header}\nTexte précédent\nsans chevrons"),
    ]


@pytest.mark.parametrize(
    "fields",
    [
        ("De : Anne <anne@x.example>", "Envoyé : lundi 3 juin 2024 10:00", "À : nous"),
        ("From: Ann", "Sent: Monday, June 3, 2024 10:00 AM", "To: us"),
    ],
)
def test_outlook_field_headers_open_the_history(fields: tuple[str, ...]) -> None:
    text = "\n".join(("Bien reçu.", "", *fields, "", "Old text"))
    blocks = split_quoted(text)
    assert [block.kind for block in blocks] == ["text", "quote"]
    assert blocks[1].text.startswith(fields[0])


def test_a_sender_line_without_a_sent_line_is_the_senders_text() -> None:
    assert [kind for kind, _ in _kinds("De : moi\nje voulais dire\nque tout va bien")] == ["text"]


def test_signature_after_the_separator_then_the_history() -> None:
    text = "Merci\n-- \nAnne Martin\nAtelier\nLe 3 juin, Bob a écrit :\n> Bonjour\n"
    assert _kinds(text) == [
        ("text", "Merci"),
        ("signature", "-- \nAnne Martin\nAtelier"),
        ("quote", "Le 3 juin, Bob a écrit :\n> Bonjour"),
    ]


def test_interleaved_replies_keep_each_answer_visible() -> None:
    text = "> Question one?\n>\n\n> still one\nAnswer one.\n> Question two?\nAnswer two.\n"
    assert _kinds(text) == [
        ("quote", "> Question one?\n>\n\n> still one"),
        ("text", "Answer one."),
        ("quote", "> Question two?"),
        ("text", "Answer two."),
    ]


def test_a_line_merely_starting_with_on_is_not_a_header() -> None:
    assert [kind for kind, _ in _kinds("On Monday we ship.\nLe colis part demain.")] == ["text"]


def test_empty_text_has_no_block() -> None:
    assert split_quoted("") == ()
    assert split_quoted("\n\n  \n") == ()


def test_block_line_count() -> None:
    assert TextBlock("quote", "> a\n> b").line_count == 2


def test_lines_past_the_cap_stay_in_the_last_block() -> None:
    text = "hi\n" + "> q\n" * MAX_LINES + "-- \nnot a signature\n"
    blocks = split_quoted(text)
    assert [block.kind for block in blocks] == ["text", "quote"]
    assert blocks[-1].text.endswith("-- \nnot a signature")


def test_a_text_over_the_character_cap_is_cut() -> None:
    blocks = split_quoted("x" * (MAX_CHARS + 10))
    assert len(blocks[0].text) == MAX_CHARS


def _blank_lines_in_a_quote(n: int) -> str:
    return "> a\n" + "\n" * n + "b\n"


def _near_headers(n: int) -> str:
    return "On and on\nDe : x\n" * n


def _long_lines(n: int) -> str:
    return ("Le " + "é" * 2_000 + "\n") * n


def _outlook_fields(n: int) -> str:
    return "From: a\n\n\n\n\n" * n


@pytest.mark.parametrize(
    "build", [_blank_lines_in_a_quote, _near_headers, _long_lines, _outlook_fields]
)
def test_cost_grows_linearly_with_hostile_text(build: Callable[[int], str]) -> None:
    small = build(MAX_LINES // (GROWTH * 3))
    large = build(MAX_LINES // 3)
    ratio = cpu_seconds(lambda: split_quoted(large)) / cpu_seconds(lambda: split_quoted(small))
    assert ratio < MAX_RATIO
