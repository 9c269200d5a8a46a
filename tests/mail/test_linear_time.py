"""Keying and parsing cost grows linearly with hostile input (issue 8, "Budgets").

Each case compares the cost of an input with that of one eight times larger: about 8 for
linear code, about 64 for the quadratic code these cases once hit. The bound (8^1.5, about 23)
is a ratio, never a number of seconds, and the time is the thread's CPU time, not the wall
clock, so a slow or busy machine does not fail it; the sizes keep a regression to a few seconds
rather than minutes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from inboxsync.mail import decode_header_value, html_to_text, normalize_subject, parse_message
from inboxsync.mail.headers import peek_key
from inboxsync.mail.message_id import canonical_body, parse_id_list
from tests.support.timing import GROWTH, MAX_RATIO, cpu_seconds

HEAD = b"From: a@x.example\r\nTo: b@y.example\r\nSubject: s\r\n"


def _without_message_id(body: bytes) -> bytes:
    return HEAD + b"\r\n" + body


def _with_content_type(params: bytes) -> bytes:
    return HEAD + b"Content-Type: text/plain; charset=utf-8" + params + b"\r\n\r\nbody\r\n"


def _multipart_with_params(params: bytes) -> bytes:
    return (
        HEAD + b"Content-Type: multipart/mixed; boundary=b" + params + b"\r\n\r\n"
        b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--\r\n"
    )


def _with_filename_continuations(n: int) -> bytes:
    params = b"".join(b"; filename*%d*=utf-8''%%41" % i for i in range(n))
    return (
        HEAD + b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment"
        + params
        + b"\r\n\r\nAAAA\r\n--b--\r\n"
    )


CASES = [
    # The synthetic key once backtracked over every blank of a run followed by text.
    pytest.param(lambda n: b" " * n + b"x", canonical_body, 10_000, id="body-blanks-then-text"),
    pytest.param(
        lambda n: _without_message_id(b" \t" * n + b"x\r\n"), peek_key, 5_000, id="key-of-blanks"
    ),
    pytest.param(lambda n: (b">" * 50 + b"From\n") * n, canonical_body, 1_000, id="body-quoting"),
    # html.parser searched the rest of the input once per unterminated construct.
    pytest.param(lambda n: "<a " * n, html_to_text, 2_000, id="html-unclosed-tags"),
    pytest.param(lambda n: "</a " * n, html_to_text, 2_000, id="html-unclosed-end-tags"),
    pytest.param(lambda n: "<!--x>" * n, html_to_text, 2_000, id="html-unterminated-comments"),
    pytest.param(lambda n: "<![CDATA[x>" * n, html_to_text, 2_000, id="html-unterminated-cdata"),
    pytest.param(lambda n: "<?x <!x " * n, html_to_text, 4_000, id="html-unterminated-pi-decl"),
    # email.message copied the rest of the header for every parameter.
    pytest.param(
        lambda n: _with_content_type(b'; a="b;c"' * n), parse_message, 4_000, id="parameters"
    ),
    # …and the MIME parser once read a multipart boundary the same way, before our code ran.
    pytest.param(
        lambda n: _multipart_with_params(b'; a="b;c"' * n),
        parse_message,
        12_000,
        id="multipart-parameters",
    ),
    pytest.param(_with_filename_continuations, parse_message, 5_000, id="filename-continuations"),
    # Each reply prefix, tag or (fwd) removed copied the rest of the subject.
    pytest.param(lambda n: "Re: [x] " * n, normalize_subject, 2_000, id="subject-prefixes"),
    pytest.param(lambda n: "x" + " (fwd)" * n, normalize_subject, 2_000, id="subject-suffixes"),
    pytest.param(lambda n: "=?utf-8?q?" * n, decode_header_value, 5_000, id="broken-words"),
    pytest.param(lambda n: "<a@b.example> " * n, parse_id_list, 5_000, id="references"),
]


@pytest.mark.parametrize(("make", "function", "n"), CASES)
def test_cost_grows_linearly(
    make: Callable[[int], Any], function: Callable[[Any], object], n: int
) -> None:
    small, large = make(n), make(GROWTH * n)
    ratio = cpu_seconds(lambda: function(large)) / cpu_seconds(lambda: function(small))
    assert ratio < MAX_RATIO, f"{GROWTH}x the input cost {ratio:.1f}x the time"
