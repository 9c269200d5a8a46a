"""Templates: three placeholders, nothing else; values never reach headers unsanitized."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from inboxsync.outbound.templates import (
    TemplateValues,
    one_line,
    render,
    render_subject,
    unknown_placeholders,
)

VALUES = TemplateValues(client_name="Alice", subject="Printer", company_name="Acme")


def test_the_three_placeholders_are_replaced() -> None:
    text = "Hi {client_name}, about {subject}. — {company_name}"
    assert render(text, VALUES) == "Hi Alice, about Printer. — Acme"


def test_other_braces_stay_and_nothing_is_evaluated() -> None:
    text = "{subject.__class__} {0} {unknown} {{subject}} {client_name!r}"
    assert render(text, VALUES) == "{subject.__class__} {0} {unknown} {Printer} {client_name!r}"


def test_a_value_is_inserted_once_not_expanded_again() -> None:
    values = TemplateValues("{company_name}", "{client_name}", "Acme")
    assert render("{client_name}/{subject}", values) == "{company_name}/{client_name}"


def test_a_subject_with_line_breaks_cannot_inject_headers() -> None:
    values = TemplateValues("A", "Hello\r\nBcc: victim@example.com", "Acme")
    subject = render_subject("Re: {subject}", values)
    assert "\n" not in subject and "\r" not in subject
    assert subject == "Re: Hello Bcc: victim@example.com"


def test_unknown_placeholders_are_reported() -> None:
    assert unknown_placeholders("{client_name} {name} {Subject}") == ["Subject", "name"]


@given(st.text())
def test_one_line_never_contains_a_line_break(text: str) -> None:
    flat = one_line(text)
    assert not any(c in flat for c in "\r\n\x0b\x0c\x85\u2028\u2029")
    assert len(flat) <= 250
