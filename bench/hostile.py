"""Worst single messages: the seconds to key and to parse each, against issue 8's budget.

    .venv/bin/python bench/hostile.py                  # every case
    .venv/bin/python bench/hostile.py --only spaces,html-a-soup
    .venv/bin/python bench/hostile.py --json > hostile.json

Each case is one generated message of at most 1 MB, built to hit one costly path: a body of
blanks without a Message-ID (the synthetic key), unclosed HTML tags, deep MIME nesting,
thousands of headers, huge header lines, runs of encoded words, many attachments, a long
References list, and more; an ordinary message is the reference. Each case runs in a fresh
interpreter (after warming up on the ordinary message) under a CPU limit, so a case that
goes quadratic is reported as over the limit instead of hanging the run; each time is the
best of three. The target: no
single message of up to 1 MB costs more than 0.5 s to key (`mail.peek_key`) and parse
(`mail.parse_message`).
"""

from __future__ import annotations

import argparse
import base64
import json
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import console, err, report_result, run_child, table
from _common import verdict as pass_or_miss

SCRIPT = Path(__file__).resolve()
MAX_BYTES = 1_000_000
TARGET_SECONDS = 0.5
CPU_LIMIT_SECONDS = 20

HEAD = (
    b"From: Alice Example <alice@client.example>\r\n"
    b"To: support@acme.example\r\n"
    b"Date: Mon, 2 Mar 2026 10:00:00 +0000\r\n"
)


def _message(headers: bytes, body: bytes, message_id: bool = True) -> bytes:
    mid = b"Message-ID: <case@client.example>\r\n" if message_id else b""
    return HEAD + mid + headers + b"\r\n" + body


def _fill(unit: bytes, room: int) -> bytes:
    """`unit` repeated to fill `room` bytes."""
    return unit * max(1, room // len(unit))


def _room(*parts: bytes) -> int:
    return MAX_BYTES - sum(map(len, parts)) - 1_000


def _html_only(body: bytes) -> bytes:
    return _message(b"Subject: html\r\nContent-Type: text/html; charset=utf-8\r\n", body)


def ordinary() -> bytes:
    boundary = b"b1"
    text = b"Hello,\r\n\r\nthe invoice for March is attached. Could you confirm?\r\n\r\nAlice\r\n"
    html = b"<html><body><p>Hello,</p><p>the invoice for <b>March</b> is attached.</p></body>"
    pdf = base64.encodebytes(bytes(range(256)) * 20)
    return _message(
        b"Subject: Re: invoice March\r\nIn-Reply-To: <q@acme.example>\r\n"
        b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b1"\r\n',
        b"--b1\r\nContent-Type: multipart/alternative; boundary=b2\r\n\r\n"
        b"--b2\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + text + b"--b2\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n" + html + b"\r\n--b2--\r\n"
        b"--" + boundary + b"\r\nContent-Type: application/pdf\r\n"
        b'Content-Disposition: attachment; filename="invoice.pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n" + pdf + b"--b1--\r\n",
    )


def spaces_without_message_id() -> bytes:
    # The trailing "x" is what made `[ \t]+$` backtrack over the whole run.
    return _message(b"Subject: blanks\r\n", _fill(b" ", _room()) + b"x\r\n", message_id=False)


def blank_lines_without_message_id() -> bytes:
    body = _fill(b" \t \r\n", _room()) + b">>>>From x\r\n"
    return _message(b"Subject: blank lines\r\n", body, message_id=False)


def mbox_quoting_without_message_id() -> bytes:
    body = _fill(_fill(b">", 5_000) + b"From\r\n", _room())
    return _message(b"Subject: quoting\r\n", body, message_id=False)


def html_a_soup() -> bytes:
    return _html_only(_fill(b"<a ", _room()))


def html_dense_tags() -> bytes:
    return _html_only(_fill(b"<br>", _room()))


def html_dense_blocks() -> bytes:
    return _html_only(_fill(b"<p>x", _room()))


def html_unclosed_openers() -> bytes:
    return _html_only(_fill(b"<!--x></a <?x <!x <![CDATA[ ", _room()))


def html_unclosed_quotes() -> bytes:
    return _html_only(_fill(b"<a href='x", _room()) + b">")


def deep_mime_nesting() -> bytes:
    depth = 5_000
    opening = b"".join(
        b"--%d\r\nContent-Type: multipart/mixed; boundary=%d\r\n\r\n" % (n, n + 1)
        for n in range(depth)
    )
    closing = b"".join(b"--%d--\r\n" % n for n in reversed(range(depth)))
    leaf = b"--%d\r\nContent-Type: text/plain\r\n\r\ndeep\r\n" % depth
    return _message(
        b"Subject: deep\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=0\r\n",
        opening + leaf + closing,
    )


def deep_message_rfc822_nesting() -> bytes:
    inner = b"Subject: innermost\r\n\r\ntext\r\n"
    for _ in range(3_000):
        inner = b"Subject: s\r\nContent-Type: message/rfc822\r\n\r\n" + inner
    return _message(b"Subject: nested\r\nMIME-Version: 1.0\r\n", inner)


def many_parts() -> bytes:
    part = b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n"
    return _message(
        b"Subject: parts\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n",
        _fill(part, _room()) + b"--b--\r\n",
    )


def many_attachments() -> bytes:
    part = (
        b"--b\r\nContent-Type: application/octet-stream\r\n"
        b'Content-Disposition: attachment; filename="r\xc3\xa9sum\xc3\xa9 (1).pdf"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\nAAECAwQFBgc=\r\n"
    )
    return _message(
        b"Subject: attachments\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed; boundary=b\r\n",
        _fill(part, _room()) + b"--b--\r\n",
    )


def many_headers() -> bytes:
    return _message(_fill(b"X-Spam: v\r\n", _room()) + b"Subject: headers\r\n", b"body\r\n")


def huge_subject_line() -> bytes:
    return _message(b"Subject: " + _fill(b"word ", _room()) + b"\r\n", b"body\r\n")


def huge_folded_subject() -> bytes:
    return _message(b"Subject: s" + _fill(b"\r\n x", _room()) + b"\r\n", b"body\r\n")


def encoded_word_run() -> bytes:
    words = _fill(b"=?utf-8?q?caf=C3=A9?= ", _room())
    return _message(b"Subject: " + words + b"\r\n", b"body\r\n")


def broken_encoded_words() -> bytes:
    words = _fill(b"=?utf-8?q?", _room())
    return _message(b"Subject: " + words + b"\r\n", b"body\r\n", message_id=False)


def long_references() -> bytes:
    ids = _fill(b" <id-0000000@host.example>", _room())
    return _message(b"Subject: thread\r\nReferences:" + ids + b"\r\n", b"body\r\n")


def message_id_comments() -> bytes:
    comments = _fill(b"(", _room() // 2) + _fill(b")", _room() // 2)
    return _message(b"Subject: comments\r\nMessage-ID: " + comments + b"<x@y>\r\n", b"body\r\n")


def many_recipients() -> bytes:
    to = _fill(b'"Name, Some" <user@host.example>, ', _room())
    return _message(b"Subject: recipients\r\nCc: " + to + b"\r\n", b"body\r\n")


def many_content_type_params() -> bytes:
    params = _fill(b'; a="b;c"', _room())
    return _message(b"Subject: params\r\nContent-Type: text/plain" + params + b"\r\n", b"body\r\n")


def many_multipart_params() -> bytes:
    params = _fill(b'; a="b;c"', _room())
    return _message(
        b"Subject: params\r\nContent-Type: multipart/mixed; boundary=b" + params + b"\r\n",
        b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--\r\n",
    )


def embedded_message_huge_header() -> bytes:
    inner = b"Subject: " + _fill(b"word ", _room()) + b"\r\n\r\ntext\r\n"
    return _message(
        b"Subject: forwarded\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n",
        b"--b\r\nContent-Type: message/rfc822\r\n\r\n" + inner + b"--b--\r\n",
    )


def filename_continuations() -> bytes:
    params = b"".join(b"; filename*%d*=utf-8''%%41%%42" % n for n in range(20_000))
    part = b"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment" + params
    return _message(
        b"Subject: filename\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n",
        part + b"\r\n\r\nAAAA\r\n--b--\r\n",
    )


def huge_date() -> bytes:
    return _message(b"Subject: date\r\nDate: " + _fill(b"1 ", _room()) + b"\r\n", b"body\r\n")


def quoted_printable_soft_breaks() -> bytes:
    body = _fill(b"=\r\n", _room())
    return _message(
        b"Subject: qp\r\nContent-Type: text/plain\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n",
        body,
    )


def no_blank_line() -> bytes:
    return HEAD + b"Subject: no body\r\n" + _fill(b"X-Long-" + b"a" * 70 + b": v\r\n", _room())


def reply_prefixes() -> bytes:
    return _message(b"Subject: " + _fill(b"Re: [x] ", _room()) + b"\r\n", b"body\r\n")


CASES: dict[str, Callable[[], bytes]] = {
    "ordinary": ordinary,
    "spaces-without-message-id": spaces_without_message_id,
    "blank-lines-without-message-id": blank_lines_without_message_id,
    "mbox-quoting-without-message-id": mbox_quoting_without_message_id,
    "html-a-soup": html_a_soup,
    "html-dense-tags": html_dense_tags,
    "html-dense-blocks": html_dense_blocks,
    "html-unclosed-openers": html_unclosed_openers,
    "html-unclosed-quotes": html_unclosed_quotes,
    "deep-mime-nesting": deep_mime_nesting,
    "deep-message-rfc822-nesting": deep_message_rfc822_nesting,
    "many-parts": many_parts,
    "many-attachments": many_attachments,
    "many-headers": many_headers,
    "huge-subject-line": huge_subject_line,
    "huge-folded-subject": huge_folded_subject,
    "encoded-word-run": encoded_word_run,
    "broken-encoded-words": broken_encoded_words,
    "long-references": long_references,
    "message-id-comments": message_id_comments,
    "many-recipients": many_recipients,
    "many-content-type-params": many_content_type_params,
    "many-multipart-params": many_multipart_params,
    "embedded-message-huge-header": embedded_message_huge_header,
    "filename-continuations": filename_continuations,
    "huge-date": huge_date,
    "quoted-printable-soft-breaks": quoted_printable_soft_breaks,
    "no-blank-line": no_blank_line,
    "reply-prefixes": reply_prefixes,
}


def measure(raw: bytes, repeat: int = 3) -> dict[str, Any]:
    """The best of `repeat` wall times to key and to parse `raw`, and what the parse gave."""
    from inboxsync.errors import MessageParseError
    from inboxsync.mail import parse_message, peek_key

    outcome: dict[str, Any] = {"bytes": len(raw)}
    for step, function in (("key", peek_key), ("parse", parse_message)):
        best = float("inf")
        for _ in range(repeat):
            started = time.perf_counter()
            try:
                value = function(raw)
            except MessageParseError as exc:
                value = str(exc)
            best = min(best, time.perf_counter() - started)
        outcome[f"{step}_seconds"] = best
        outcome[f"{step}_result"] = value
    parsed = outcome.pop("parse_result")
    outcome.pop("key_result")
    outcome["result"] = (
        parsed
        if isinstance(parsed, str)
        else f"{len(parsed.text):,} chars of text, {len(parsed.attachments)} attachments"
    )
    return outcome


def child(task: dict[str, Any]) -> None:
    """One case in this fresh interpreter, under a CPU limit the kernel enforces."""
    measure(ordinary(), repeat=1)
    raw = CASES[task["case"]]()
    resource.setrlimit(resource.RLIMIT_CPU, (task["cpu_limit"], task["cpu_limit"] + 1))
    report_result(measure(raw))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="", help="comma-separated case names")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.add_argument(
        "--cpu-limit", type=int, default=CPU_LIMIT_SECONDS, help="CPU seconds allowed per case"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(json.loads(args.child))
        return
    names = [n.strip() for n in args.only.split(",") if n.strip()] or list(CASES)
    out = console(args.json)
    results: dict[str, dict[str, Any]] = {}
    for name in names:
        size = len(CASES[name]())
        assert size <= MAX_BYTES, f"{name} is {size:,} bytes"
        err.print(f"hostile: {name} ({size:,} bytes)")
        try:
            results[name] = run_child(SCRIPT, {"case": name, "cpu_limit": args.cpu_limit})
        except RuntimeError:
            results[name] = {"bytes": size, "over_cpu_limit": args.cpu_limit}
    rows = [_row(name, r) for name, r in results.items()]
    worst = max(results, key=lambda name: _total(results[name]))
    passed = all(_total(r) <= TARGET_SECONDS for r in results.values())
    out.print(
        table(
            f"Cost of the worst single messages (each at most {MAX_BYTES:,} bytes, wall seconds)",
            ["case", "bytes", "key s", "parse s", "key + parse s", "parse gave", "target"],
            rows,
        )
    )
    out.print(
        f"\nworst: {worst}, {_seconds_text(results[worst])}; no single message of up to 1 MB "
        f"costs more than {TARGET_SECONDS} s to key and parse: {pass_or_miss(passed)}"
    )
    if args.json:
        print(json.dumps({"cases": results, "worst": worst, "pass": passed}, indent=2))


def _total(r: dict[str, Any]) -> float:
    if "over_cpu_limit" in r:
        return float("inf")
    return float(r["key_seconds"] + r["parse_seconds"])


def _seconds_text(r: dict[str, Any]) -> str:
    if "over_cpu_limit" in r:
        return f"over the {r['over_cpu_limit']} s CPU limit"
    return f"{_total(r):.3f} s"


def _row(name: str, r: dict[str, Any]) -> list[Any]:
    if "over_cpu_limit" in r:
        over = f"> {r['over_cpu_limit']} (CPU limit)"
        return [name, r["bytes"], over, over, over, "killed at the CPU limit", "MISS"]
    total = _total(r)
    return [name, r["bytes"], f"{r['key_seconds']:.3f}", f"{r['parse_seconds']:.3f}",
            f"{total:.3f}", r["result"], pass_or_miss(total <= TARGET_SECONDS)]  # fmt: skip


if __name__ == "__main__":
    main()
