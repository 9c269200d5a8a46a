"""What an agent's reply may hold: hostile file names, types, keys and bodies are refused
(never a header we did not mean), and what passes is sent with exactly one file name."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inboxsync.outbound.message import AutoReply, Extras, OutgoingFile, build_message
from inboxsync.outbound.reply_input import (
    MAX_ATTACHMENTS,
    MAX_TEXT_CHARS,
    ReplyRefused,
    check_content_type,
    check_filename,
    check_idempotency_key,
    check_reply,
)


def _refused(call: object, *args: object) -> str:
    with pytest.raises(ReplyRefused) as refused:
        call(*args)  # type: ignore[operator]
    return refused.value.code


@pytest.mark.parametrize(
    "filename",
    [
        "../../etc/passwd",
        "C:\\boot.ini",
        "report.pdf\r\nBcc: victim@example.com",
        "a\x00.pdf",
        "report.pdf*=utf-8''evil.exe",
        'a"; filename="evil.exe',
        "..",
        " ",
        "x" * 201,
        "tab\there.pdf",
        "bidi\u202egpj.exe",
    ],
)
def test_a_hostile_filename_is_refused(filename: str) -> None:
    assert _refused(check_filename, filename) == "invalid_reply"


@pytest.mark.parametrize(
    "content_type",
    ["text/html\r\nBcc: victim@example.com", "text/plain; charset=evil", "pdf", "a/b/c", "é/x"],
)
def test_a_content_type_that_is_not_one_type_is_refused(content_type: str) -> None:
    assert _refused(check_content_type, content_type) == "invalid_reply"


@pytest.mark.parametrize("key", ["", "k" * 201, "k\r\nX-Evil: 1", "clé", "k\x00"])
def test_an_idempotency_key_is_printable_ascii_up_to_200(key: str) -> None:
    assert _refused(check_idempotency_key, key) == "invalid_reply"


@pytest.mark.parametrize(
    ("text", "html", "files"),
    [
        (None, None, 0),
        ("  ", "\n", 0),
        ("a\x00b", None, 0),
        ("x" * (MAX_TEXT_CHARS + 1), None, 0),
        ("fine", None, MAX_ATTACHMENTS + 1),
    ],
)
def test_a_reply_without_text_or_too_large_is_refused(
    text: str | None, html: str | None, files: int
) -> None:
    attachments = [OutgoingFile(f"{i}.txt", "text/plain", b"x") for i in range(files)]
    assert _refused(check_reply, text, html, attachments) == "invalid_reply"


def test_the_text_of_an_html_only_reply_is_derived_from_it() -> None:
    request = check_reply(None, "<p>Hello <b>Alice</b></p><script>x()</script>", [])
    assert request.text.strip() == "Hello Alice"
    assert request.html is not None and "<script>" in request.html  # ours: sent as written


def _sent(name: str, content_type: str = "application/pdf") -> EmailMessage:
    request = check_reply("hi", None, [OutgoingFile(name, content_type, b"data")])
    reply = AutoReply(
        "support@acme.example",
        "Acme\r\nBcc: victim@example.com",
        "alice@client.example",
        "Re: x\r\nBcc: victim@example.com",
        request.text,
        "reply.1@acme.example",
        None,
        (),
    )
    raw = build_message(reply, extras=Extras(None, request.attachments)).as_bytes()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


@given(
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=60).filter(
        lambda n: n.strip(". ") != ""
    )
)
def test_a_filename_that_passes_is_sent_as_one_filename(name: str) -> None:
    try:
        checked = check_filename(name)
    except ReplyRefused:
        return
    message = _sent(checked)
    [part] = list(message.iter_attachments())
    assert part.get_filename() == checked
    assert message["Bcc"] is None and len(message.get_all("Subject") or []) == 1


def test_header_values_of_the_reply_stay_on_their_line() -> None:
    message = _sent("report.pdf")
    assert message["Bcc"] is None
    assert "\n" not in str(message["Subject"]) and "\n" not in str(message["From"])
