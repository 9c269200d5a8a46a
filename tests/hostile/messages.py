"""Hostile mail: raw messages built to break an importer, one builder per class of issue 8.

Pure bytes, no files and no pytest, so benchmarks can import them too (`hostile_messages()`).
Every message is distinct (its own Message-ID, or its own subject and body when it has none),
so no two of them deduplicate against each other. The traps that are not message bytes
(symbolic links, FIFOs) are laid out by `tests/hostile/mix.py`.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from random import Random

from tests.hostile.building import (
    DATE,
    Header,
    HostileMessage,
    Value,
    as_bytes,
    id_of_length,
    mail,
    named_attachment,
    with_attachment,
)


def nul_bytes() -> list[HostileMessage]:
    """NUL (0x00) in a Subject, a body, an attachment Content-Type, Auto-Submitted, a From."""
    return [
        HostileMessage(
            "nul-subject", mail("nul-subject", subject=b"Invoice\x00 overdue"), "stored"
        ),
        HostileMessage("nul-body", mail("nul-body", body=b"line one\x00line two\n"), "stored"),
        HostileMessage(
            "nul-attachment-content-type",
            with_attachment(
                "nul-attachment-content-type",
                [
                    ("Content-Type", b'application/pd\x00f; name="a.pdf"'),
                    ("Content-Disposition", 'attachment; filename="a.pdf"'),
                ],
            ),
            "stored",
        ),
        HostileMessage(
            "nul-auto-submitted",
            mail("nul-auto-submitted", headers=[("Auto-Submitted", b"auto\x00-replied")]),
            "stored",
        ),
        HostileMessage(
            "nul-display-name",
            mail("nul-display-name", sender=b"Bob\x00 Smith <nul-name@client.example>"),
            "stored",
        ),
        HostileMessage(
            "nul-html-body",
            mail(
                "nul-html-body",
                headers=[("Content-Type", "text/html; charset=utf-8")],
                body=b"<p>left\x00right &#0; &#x0;</p>\n",
            ),
            "stored",
        ),
    ]


def eight_bit_tokens() -> list[HostileMessage]:
    """Raw 8-bit bytes where a header holds a token (`Auto-Submitted: \\xff\\xfeauto`)."""
    tokens: list[tuple[str, bytes]] = [
        ("Auto-Submitted", b"\xff\xfeauto"),
        ("Precedence", b"\xff\xfebulk"),
        ("Content-Type", b"text/plain; charset=\xff\xfe"),
        ("Content-Transfer-Encoding", b"\xff\xfebase64"),
        ("X-Auto-Response-Suppress", b"\xff\xfeAll"),
        ("List-Id", b"\xff\xfe <list.\xff.example>"),
    ]
    return [
        HostileMessage(
            f"8bit-{name.lower()}", mail(f"8bit-{name.lower()}", headers=[(name, value)]), "stored"
        )
        for name, value in tokens
    ]


def lone_surrogates() -> list[HostileMessage]:
    """Values that decode to lone surrogates: raw 8-bit header bytes (surrogate escapes),
    UTF-8-encoded surrogates, UTF-7 and UTF-16 surrogate halves, surrogate character refs."""
    subjects: dict[str, Value] = {
        "surrogate-8bit-subject": b"caf\xe9 \xff\xfe",
        "surrogate-utf8-encoded-word": "=?utf-8?b?7aCA?= and =?utf-8?q?=ED=B0=80?=",
        "surrogate-utf16-encoded-word": "=?utf-16-le?b?ANgA3A==?= x",
    }
    senders: dict[str, Value] = {
        "surrogate-8bit-display-name": b"Bj\xf6rn \xff <bjorn@client.example>",
        "surrogate-utf7-encoded-word": "=?utf-7?q?+2AA-?= <utf7@client.example>",
    }
    messages = [HostileMessage(k, mail(k, subject=v), "stored") for k, v in subjects.items()]
    messages += [HostileMessage(k, mail(k, sender=v), "stored") for k, v in senders.items()]
    kind = "surrogate-8bit-message-id"
    raw = mail(kind, message_id=b"<\xff\xfe@surrogate.hostile.example>")
    messages.append(HostileMessage(kind, raw, "stored"))
    bodies: list[tuple[str, str, bytes]] = [
        ("surrogate-utf7-body", "text/plain; charset=utf-7", b"hi +2AA- there\n"),
        ("surrogate-lying-utf8-body", "text/plain; charset=utf-8", b"\xed\xa0\x80 \xff\xfe\n"),
        ("surrogate-html-references", "text/html; charset=utf-8", b"<p>&#xD800;&#56320;</p>\n"),
    ]
    messages += [
        HostileMessage(kind, mail(kind, headers=[("Content-Type", ct)], body=body), "stored")
        for kind, ct, body in bodies
    ]
    messages.append(
        HostileMessage(
            "surrogate-8bit-in-reply-to",
            mail("surrogate-8bit-in-reply-to", headers=[("In-Reply-To", b"<\xff@x.example>")]),
            "stored",
        )
    )
    return messages


def long_ids() -> list[HostileMessage]:
    """Message-IDs and In-Reply-To of 501–512 characters (the parser takes 512, the columns
    hold 500) and longer, and a References header of hundreds of them."""
    messages = [
        HostileMessage(
            f"message-id-{n}",
            mail(f"message-id-{n}", message_id=f"<{id_of_length(n, f'mid{n}')}>"),
            "either",
        )
        for n in (500, 501, 505, 512, 513, 1000, 5000)
    ]
    messages += [
        HostileMessage(
            f"in-reply-to-{n}",
            mail(f"in-reply-to-{n}", headers=[("In-Reply-To", f"<{id_of_length(n, f'irt{n}')}>")]),
            "stored",
        )
        for n in (501, 505, 512, 513, 2000)
    ]
    references = " ".join(f"<{id_of_length(510, f'ref{i}')}>" for i in range(600))
    messages.append(
        HostileMessage(
            "references-600-long-ids",
            mail("references-600-long-ids", headers=[("References", references)]),
            "stored",
        )
    )
    return messages


def long_names() -> list[HostileMessage]:
    """A display name of 700 characters (the column holds 500), plain, 8-bit and encoded."""
    encoded = "=?utf-8?b?" + base64.b64encode(("é" * 700).encode()).decode() + "?="
    names: list[tuple[str, Value]] = [
        ("display-name-700", "N" * 700),
        ("display-name-700-8bit", b"\xe9" * 700),
        ("display-name-700-encoded", encoded),
        ("display-name-700-quoted", '"' + "Q, " * 233 + '"'),
    ]
    messages = [
        HostileMessage(
            kind, mail(kind, sender=as_bytes(name) + f" <{kind}@x.example>".encode()), "stored"
        )
        for kind, name in names
    ]
    messages.append(
        HostileMessage(
            "address-1000",
            mail("address-1000", sender=f"Long <{'l' * 990}@client.example>"),
            "stored",
        )
    )
    return messages


def filenames() -> list[HostileMessage]:
    """Attachment filenames that are paths, huge, or full of control characters."""
    names: list[tuple[str, Value, bool]] = [
        ("filename-traversal", "../../../../etc/passwd", False),
        ("filename-absolute", "/etc/shadow", False),
        ("filename-windows", "C:\\Windows\\System32\\drivers\\etc\\hosts", False),
        ("filename-huge", "a" * 10_000 + ".pdf", False),
        ("filename-huge-8bit", b"\xe9" * 5_000 + b".pdf", False),
        ("filename-control", "a\x01\x07\x1b[31mb\t.txt", False),
        ("filename-nul", b"invoice\x00.exe", False),
        ("filename-rtl-override", "invoice\u202efdp.exe", False),
        ("filename-rfc2231-nul", "utf-8''%00%2e%2e%2f%2e%2e%2fx%0d%0a.txt", True),
        ("filename-rfc2231-surrogate", "utf-8''%ED%A0%80.txt", True),
        ("filename-encoded-word", "=?utf-8?q?=2E=2E=2F=2E=2E=2Fetc=2Fpasswd?=", False),
        ("filename-device", "CON.txt", False),
    ]
    return [
        HostileMessage(kind, named_attachment(kind, name, rfc2231=rfc2231), "stored")
        for kind, name, rfc2231 in names
    ]


def quadratic_inputs() -> list[HostileMessage]:
    """Bodies that cost quadratic time to a backtracking regex: 60 KB of spaces without a
    Message-ID (the synthetic key), 40 KB of `<a ` in an HTML-only body (html→text)."""
    return [
        HostileMessage(
            "spaces-60k-no-message-id",
            mail("spaces-60k-no-message-id", message_id=None, body=b" " * 60_000 + b"x\n"),
            "stored",
        ),
        HostileMessage(
            "html-40k-open-tags",
            mail(
                "html-40k-open-tags",
                headers=[("Content-Type", "text/html; charset=utf-8")],
                body=b"<a " * 13_334,
            ),
            "stored",
        ),
    ]


def _with_head(kind: str, part: bytes) -> bytes:
    """A message whose MIME headers and body are those of `part` (headers, blank, content)."""
    part_headers, _, content = part.partition(b"\n\n")
    head = mail(kind, body=b"").rstrip(b"\n")
    return head + b"\n" + part_headers + b"\n\n" + content


def deep_nesting() -> list[HostileMessage]:
    """Multiparts nested 100, 1,500 and 5,000 deep; message/rfc822 nested 500 deep."""
    messages = [
        HostileMessage(kind, _nested_multipart(depth, kind), "either")
        for depth, kind in ((d, f"nested-multipart-{d}") for d in (100, 1_500, 5_000))
    ]
    inner = b"Content-Type: text/plain\n\nthe bottom\n"
    for level in range(500):
        inner = (
            f"Content-Type: message/rfc822\n\nSubject: level {level}\nFrom: a@b.example\n".encode()
            + inner
        )
    messages.append(
        HostileMessage("nested-rfc822-500", _with_head("nested-rfc822-500", inner), "either")
    )
    return messages


def _nested_multipart(depth: int, kind: str) -> bytes:
    part = b"Content-Type: text/plain\n\nthe bottom\n"
    for level in range(depth):
        boundary = f"n{level}".encode()
        part = (
            b'Content-Type: multipart/mixed; boundary="' + boundary + b'"\n\n'
            b"--" + boundary + b"\n" + part + b"--" + boundary + b"--\n"
        )
    return _with_head(kind, part)


def many_headers() -> list[HostileMessage]:
    """Thousands of header fields: filler, Received hops, To recipients."""
    filler = [(f"X-Filler-{i}", f"value {i}") for i in range(5_000)]
    received = [
        ("Received", f"from hop{i}.example by hop{i + 1}.example; {DATE}") for i in range(3_000)
    ]
    recipients = [("To", f"Person {i} <p{i}@many.example>") for i in range(2_000)]
    return [
        HostileMessage(kind, mail(kind, headers=fields), "either")
        for kind, fields in (
            ("headers-5000-filler", filler),
            ("headers-3000-received", received),
            ("headers-2000-to", recipients),
        )
    ]


def repeated_auto_submitted() -> list[HostileMessage]:
    """Two Auto-Submitted headers, `no` then `auto-replied`: the message is automated."""
    kind = "auto-submitted-twice"
    raw = mail(kind, headers=[("Auto-Submitted", "no"), ("Auto-Submitted", "auto-replied")])
    return [HostileMessage(kind, raw, "stored", notification=True)]


def sender_tricks() -> list[HostileMessage]:
    """From headers that smuggle a second recipient into an auto-reply: encoded CR LF,
    U+2028, encoded words in the address, groups, several From fields or addresses."""
    line_separator = "Bob\u2028Bcc: v@evil.example"
    encoded_separator = "=?utf-8?b?" + base64.b64encode(line_separator.encode()).decode() + "?="
    specs: list[tuple[str, Sequence[Header], tuple[str, ...]]] = [
        (
            "from-encoded-crlf",
            [("From", "=?utf-8?Q?Bob=0D=0ABcc:_victim@evil.example?= <c2@client.example>")],
            ("c2@client.example",),
        ),
        (
            "from-u2028-raw",
            [("From", line_separator.encode() + b" <c3@client.example>")],
            ("c3@client.example",),
        ),
        (
            "from-u2028-encoded",
            [("From", f"{encoded_separator} <c4@client.example>")],
            ("c4@client.example",),
        ),
        ("from-encoded-address", [("From", "Bob <=?utf-8?q?victim=40evil.example?=>")], ()),
        (
            "from-crlf-in-quotes",
            [("From", '"=?utf-8?q?Bob=0D=0ABcc=3A_victim=40evil.example?=" <c5@client.example>')],
            ("c5@client.example",),
        ),
        ("from-group", [("From", "undisclosed: victim@evil.example, c6@client.example;")], ()),
        ("from-two-fields", [("From", "c7@client.example"), ("From", "victim@evil.example")], ()),
        ("from-two-addresses", [("From", "c8@client.example, victim@evil.example")], ()),
    ]
    messages = []
    for kind, froms, allowed in specs:
        (_, first), *others = froms
        raw = mail(kind, sender=first, headers=others)
        messages.append(HostileMessage(kind, raw, "stored", reply_addresses=allowed))
    return messages


def quoted_local_parts() -> list[HostileMessage]:
    """Quoted local parts, which a naive `To:` builder breaks: `"x@y"@client.example`."""
    specs = [
        ("quoted-local-at", '"x@y"@client.example'),
        ("quoted-local-space", '"john doe"@client.example'),
        ("quoted-local-escape", '"a\\"b"@client.example'),
        ("quoted-local-evil", '"victim@evil.example"@client.example'),
    ]
    return [
        HostileMessage(
            kind, mail(kind, sender=f"Quoted <{address}>"), "stored", reply_addresses=(address,)
        )
        for kind, address in specs
    ]


def empty_files() -> list[HostileMessage]:
    """Files with no message at all: empty, one newline, blank lines."""
    return [
        HostileMessage("empty", b"", "quarantined"),
        HostileMessage("empty-newline", b"\n", "quarantined"),
        HostileMessage("empty-blank-lines", b"\r\n \t\r\n\n", "quarantined"),
    ]


def garbage() -> list[HostileMessage]:
    """Files that are not mail: random bytes, NULs, an image, prose without a header."""
    rng = Random("hostile/garbage")
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rng.randbytes(500)
    return [
        HostileMessage("garbage-random", rng.randbytes(4_000).replace(b":", b";"), "quarantined"),
        HostileMessage("garbage-nuls", b"\x00" * 10_000, "quarantined"),
        HostileMessage("garbage-png", png, "quarantined"),
        HostileMessage("garbage-prose", b"Dear all, this is not an email.\n" * 20, "quarantined"),
        HostileMessage(
            "garbage-no-identity", b"X-Only: a header\nX-Other: b\n\nbody\n", "quarantined"
        ),
    ]


def oversized(max_message_bytes: int) -> list[HostileMessage]:
    """A well-formed message larger than `max_message_bytes`: quarantined, headers only."""
    line = b"o" * 76 + b"\n"
    body = line * (max_message_bytes // len(line) + 1_000)
    return [HostileMessage("oversized", mail("oversized", body=body), "quarantined")]


BUILDERS: tuple[Callable[[], list[HostileMessage]], ...] = (
    nul_bytes,
    eight_bit_tokens,
    lone_surrogates,
    long_ids,
    long_names,
    filenames,
    quadratic_inputs,
    deep_nesting,
    many_headers,
    repeated_auto_submitted,
    sender_tricks,
    quoted_local_parts,
    empty_files,
    garbage,
)


def hostile_messages(max_message_bytes: int) -> list[HostileMessage]:
    """Every hostile message of every class, the oversized one over `max_message_bytes`."""
    messages = [message for build in BUILDERS for message in build()]
    return messages + oversized(max_message_bytes)
