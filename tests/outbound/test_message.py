"""The outgoing auto-reply carries the RFC 3834 headers and threads under its trigger."""

from __future__ import annotations

import email
import email.policy

import pytest

from inboxsync.outbound.message import (
    AutoReply,
    build_message,
    make_message_id,
    message_id_domain,
    thread_references,
)


def reply(**changes: object) -> AutoReply:
    values: dict[str, object] = {
        "from_address": "support@acme.example",
        "from_name": "Acme, Inc.",
        "to_address": "alice@client.example",
        "subject": "Re: Printer",
        "body": "Bonjour Alice, nous avons bien reçu votre message.",
        "message_id": make_message_id("acme.example"),
        "in_reply_to": "a1@client.example",
        "references": ("root@client.example", "a1@client.example"),
    }
    values.update(changes)
    return AutoReply(**values)  # type: ignore[arg-type]


def test_rfc_3834_and_threading_headers() -> None:
    raw = build_message(reply()).as_bytes()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Auto-Submitted"] == "auto-replied"
    assert parsed["X-Auto-Response-Suppress"] == "All"
    assert parsed["Precedence"] == "auto_reply"
    assert parsed["In-Reply-To"] == "<a1@client.example>"
    assert parsed["References"] == "<root@client.example> <a1@client.example>"
    assert parsed["Message-ID"].endswith("@acme.example>")
    assert parsed["From"].addresses[0].display_name == "Acme, Inc."
    body = parsed.get_body()
    assert body is not None and "reçu" in body.get_content()
    assert b"\r\n" in raw  # SMTP line endings


def test_message_ids_are_unique_and_in_the_company_domain() -> None:
    domain = message_id_domain("Support@Acme.Example")
    ids = {make_message_id(domain) for _ in range(100)}
    assert len(ids) == 100
    assert all(i.endswith("@acme.example") for i in ids)


def test_references_keep_the_root_and_end_with_the_parent() -> None:
    parents = tuple(f"m{i}@x" for i in range(40))
    refs = thread_references(parents, "p@x")
    assert refs[0] == "m0@x" and refs[-1] == "p@x" and len(refs) == 20
    assert thread_references((), None) == ()
    assert thread_references(("p@x",), "p@x") == ("p@x",)


def test_ids_that_cannot_stand_in_a_header_are_left_out() -> None:
    bad = ("a b@x.example", "a<b@x.example", "a>b@x.example", "café@x.example",
           "a\u2028b@x.example", "a\r\nBcc: v@evil.example", "x" * 600 + "@x.example",
           "")  # fmt: skip
    raw = build_message(reply(in_reply_to=bad[0], references=(*bad, "ok@x.example"))).as_bytes()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["In-Reply-To"] is None
    assert parsed["References"] == "<ok@x.example>"
    assert b"evil" not in raw


@pytest.mark.parametrize("to", ["a@b.example\r\nBcc: v@evil.example", "a@b.example, v@e.example"])
def test_a_recipient_that_is_not_one_addr_spec_is_refused(to: str) -> None:
    with pytest.raises(ValueError):
        build_message(reply(to_address=to))


def test_the_to_header_is_built_from_the_whole_addr_spec() -> None:
    # Split at the first `@`, `"x@y"@client.example` used to give a malformed To.
    raw = build_message(reply(to_address='"x@y"@client.example')).as_bytes()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["To"].addresses[0].addr_spec == '"x@y"@client.example'


def test_every_header_from_message_values_is_one_line() -> None:
    hostile = "Re: a\r\nBcc: v@evil.example\u2028x\u2029y\x85z\x00\x1b\udcff"
    raw = build_message(reply(subject=hostile, from_name=hostile)).as_bytes()
    head = raw.split(b"\r\n\r\n", 1)[0]
    names = [line.split(b":", 1)[0] for line in head.split(b"\r\n") if line[:1] not in b" \t"]
    assert b"Bcc" not in names
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == "Re: a Bcc: v@evil.example x y z"
