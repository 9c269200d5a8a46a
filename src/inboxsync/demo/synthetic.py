"""Fast, deterministic mail for benchmarks: a shared inbox's mix at any volume.

Per 1,000 messages: 740 conversation messages in threads of 2 to 10 (In-Reply-To, References),
200 newsletters and notifications (lists, no-reply senders, bounces), 50 auto-replies and 10
duplicate deliveries; about 100 distinct senders. Messages are written as text, not through
`email.message`, which is what makes 10,000 of them take about a second.
"""

from __future__ import annotations

import base64
import binascii
import html
import textwrap
import unicodedata
from bisect import bisect_left
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime, formataddr
from functools import cache, lru_cache
from itertools import accumulate, islice
from pathlib import Path
from random import Random
from typing import NamedTuple

from inboxsync.demo import _texts as texts

_START = datetime(2024, 1, 8, 7, 0, tzinfo=UTC)
_BLOCK = 1000  # the mix is exact per block; threads start and end inside one
_MEAN_GAP = 288.0  # seconds between deliveries: 300 a day
_NOTIFICATIONS, _AUTO_REPLIES, _DUPLICATES = 0.20, 0.05, 0.01
_THREAD_LENGTHS = (2, 3, 4, 5, 6, 7, 8, 9, 10)
_THREAD_WEIGHTS = (30, 22, 15, 10, 8, 5, 4, 3, 3)
_MAX_SIZE = 48_000
_INBOXES = ("support", "contact", "billing", "sales")
_ATTACHMENTS = 0.035  # of conversation messages and notices: ~3% of all messages
_TIMEZONES = tuple(timezone(timedelta(hours=h)) for h in (1, 0, -5, -8, 10))
_ENCODINGS = {
    "utf-8": ("8bit", "8bit", "quoted-printable", "quoted-printable", "base64"),
    "iso-8859-1": ("quoted-printable", "quoted-printable", "8bit"),
}
_EXPANSION = {"7bit": 1.0, "8bit": 1.0, "quoted-printable": 1.05, "base64": 1.36}
_QUOTE_INTROS = {"en": "On {date}, {name} wrote:", "fr": "Le {date}, {name} a écrit :"}
_STYLE = (
    "<style>body{font-family:Helvetica,Arial,sans-serif;font-size:14px;line-height:1.5;"
    "color:#1f2933;background:#ffffff;margin:0;padding:24px}p{margin:0 0 14px}"
    "a{color:#0b63ce;text-decoration:underline}.footer{font-size:12px;color:#6b7280;"
    "border-top:1px solid #e5e7eb;padding-top:12px;margin-top:24px}"
    "table{border-collapse:collapse;width:100%;max-width:640px}td{padding:0;vertical-align:top}"
    "@media (max-width:600px){body{padding:12px}table{width:100%!important}}</style>"
)


class SyntheticRow(NamedTuple):
    """The columns a store needs to bulk-fill a messages table without any MIME."""

    message_key: str
    subject: str
    from_email: str
    date: datetime


@dataclass(slots=True)
class _Plan:
    """One delivery, decided before any byte is written."""

    seq: int
    kind: str  # conversation, newsletter, notice, bounce, auto-reply, duplicate
    date: datetime
    msg_id: str = ""
    sender: tuple[str, str] = ("", "")
    to: tuple[str, str] = ("", "")
    subject: str = ""
    lang: str = "en"
    references: tuple[str, ...] = ()
    from_company: bool = False
    size: int = 0
    attachment: bool = False
    original: _Plan | None = None  # what a duplicate repeats or a bounce returns
    raw: bytes = b""  # once rendered: what a duplicate repeats, what a bounce quotes


@dataclass(slots=True)
class _Thread:
    lang: str
    subject: str
    customer: tuple[str, str]
    inbox: tuple[str, str]
    last: _Plan | None = None


class _Planner:
    """Decides every delivery in order: who writes to whom, when, about what, how big."""

    def __init__(self, seed: int, domain: str) -> None:
        self.rng = Random(seed)
        company = domain.split(".")[0].title()
        self.inboxes = tuple((f"{company} {box.title()}", f"{box}@{domain}") for box in _INBOXES)
        self.mx = f"mx.{domain}"
        self.seq = 0
        self.clock = _START.timestamp()
        self.recent: deque[_Plan] = deque(maxlen=256)  # what duplicates repeat
        self.outgoing: deque[_Plan] = deque(maxlen=256)  # what auto-replies and bounces answer

    def plans(self, total: int | None) -> Iterator[_Plan]:
        done = 0
        while total is None or done < total:
            size = _BLOCK if total is None else min(_BLOCK, total - done)
            yield from self._block(size)
            done += size

    def _block(self, size: int) -> Iterator[_Plan]:
        duplicates = round(size * _DUPLICATES)
        auto_replies = round(size * _AUTO_REPLIES)
        notifications = round(size * _NOTIFICATIONS)
        lengths = _thread_lengths(size - duplicates - auto_replies - notifications, self.rng)
        slots = [t for t, length in enumerate(lengths) for _ in range(length)]
        slots += [-1] * notifications + [-2] * auto_replies + [-3] * duplicates
        self.rng.shuffle(slots)
        threads: list[_Thread | None] = [None] * len(lengths)
        waiting = 0  # duplicates drawn before there was anything to repeat
        for slot in slots:
            if slot == -3:
                if self.recent:
                    yield self._duplicate()
                else:
                    waiting += 1
                continue
            if slot >= 0:
                plan = self._conversation(threads, slot)
            else:
                plan = self._notification() if slot == -1 else self._auto_reply()
            self.recent.append(plan)
            yield plan
            for _ in range(waiting):
                yield self._duplicate()
            waiting = 0

    def _next(self, kind: str, size: int) -> _Plan:
        self.seq += 1
        self.clock += self.rng.expovariate(1 / _MEAN_GAP)
        return _Plan(self.seq, kind, datetime.fromtimestamp(int(self.clock), UTC), size=size)

    def _finish(self, plan: _Plan) -> _Plan:
        domain = plan.sender[1].rpartition("@")[2].lower()
        plan.msg_id = f"{plan.seq:x}.{self.rng.getrandbits(40):010x}@{domain}"
        return plan

    def _customer(self) -> int:
        # The pool grows with the mailbox (one new correspondent per ~5 messages) and
        # earlier correspondents write again more often than newer ones.
        return int((8 + self.seq // 5) * self.rng.random() ** 1.15)

    def _conversation(self, threads: list[_Thread | None], t: int) -> _Plan:
        rng = self.rng
        plan = self._next("conversation", _size(rng))
        thread = threads[t]
        if thread is None:
            customer = self._customer()
            lang = _language(customer)
            subject = _subject(lang, rng)
            if rng.random() < 0.03:
                subject = ("TR: " if lang == "fr" else "Fwd: ") + subject
            thread = _Thread(lang, subject, _person(customer), rng.choice(self.inboxes))
            threads[t] = thread
            plan.subject = subject
        else:
            last = thread.last
            assert last is not None
            # Mostly each side answers the other; now and then one writes twice in a row.
            flip = rng.random() < 0.85
            plan.from_company = not last.from_company if flip else last.from_company
            plan.subject = rng.choice(texts.REPLY_PREFIXES[thread.lang]) + thread.subject
            plan.references = (*last.references[-8:], last.msg_id)
        if plan.from_company:
            plan.sender, plan.to = thread.inbox, thread.customer
            self.outgoing.append(plan)
        else:
            plan.sender, plan.to = thread.customer, thread.inbox
        plan.lang = thread.lang
        thread.last = plan
        self._maybe_attach(plan)
        return self._finish(plan)

    def _maybe_attach(self, plan: _Plan) -> None:
        if self.rng.random() < _ATTACHMENTS:
            plan.attachment, plan.size = True, self.rng.randint(12_000, _MAX_SIZE)

    def _notification(self) -> _Plan:
        rng = self.rng
        draw = rng.random()
        if draw < 0.08 and self.outgoing:
            plan = self._next("bounce", 0)
            plan.original = rng.choice(self.outgoing)
            plan.sender = ("Mail Delivery System", f"MAILER-DAEMON@{self.mx}")
            plan.subject = "Undelivered Mail Returned to Sender"
            plan.to = plan.original.sender
            return self._finish(plan)
        kind = "newsletter" if draw < 0.55 else "notice"
        plan = self._next(kind, rng.randint(8_000, 45_000) if kind == "newsletter" else _size(rng))
        plan.lang = "fr" if rng.random() < 0.35 else "en"
        service = rng.choice(texts.SERVICES)
        if kind == "newsletter":
            plan.sender = (f"{service} News", f"news@{service.lower()}-mail.example")
        else:
            local = rng.choice(("no-reply", "noreply", "notifications"))
            plan.sender = (service, f"{local}@{service.lower()}.example")
        subjects = texts.AUTOMATED_SUBJECTS[kind, plan.lang]
        plan.subject = rng.choice(subjects).format(service=service)
        plan.to = rng.choice(self.inboxes)
        if kind == "notice":
            self._maybe_attach(plan)
        return self._finish(plan)

    def _auto_reply(self) -> _Plan:
        plan = self._next("auto-reply", self.rng.randint(2_400, 6_000))
        if self.outgoing:
            answered = self.rng.choice(self.outgoing)
            plan.sender, plan.to, plan.lang = answered.to, answered.sender, answered.lang
            plan.subject = texts.AUTO_REPLY_PREFIXES[plan.lang] + answered.subject
            plan.references = (*answered.references[-8:], answered.msg_id)
        else:
            plan.sender, plan.to = _person(self._customer()), self.inboxes[0]
            plan.subject = texts.AUTO_REPLY_PREFIXES["en"] + "Hello"
        return self._finish(plan)

    def _duplicate(self) -> _Plan:
        plan = self._next("duplicate", 0)
        plan.original = self.rng.choice(self.recent)
        return plan


def _thread_lengths(messages: int, rng: Random) -> list[int]:
    """Split `messages` into threads of 2 to 10 (a lone message only when there is one)."""
    lengths = []
    while messages > 0:
        length = min(rng.choices(_THREAD_LENGTHS, _THREAD_WEIGHTS)[0], messages)
        if messages - length == 1:  # never leave a single message behind
            length += 1 if length < _THREAD_LENGTHS[-1] else -1
        lengths.append(length)
        messages -= length
    return lengths


def _size(rng: Random) -> int:
    """Bytes a message should weigh: 2.3 KB to 48 KB, most of them a few KB."""
    return min(_MAX_SIZE, int(2_300 * 21 ** (rng.random() ** 1.8)))


def _language(person: int) -> str:
    return "fr" if person % 5 < 2 else "en"


_STRIDE = 7919  # a prime: person * _STRIDE % space visits every (first, last, domain) once


@lru_cache(maxsize=1 << 16)
def _person(person: int) -> tuple[str, str]:
    """Display name and address of correspondent number `person`; no two share an address."""
    lang = _language(person)
    firsts, lasts, domains = texts.FIRST_NAMES[lang], texts.LAST_NAMES[lang], texts.DOMAINS
    space = len(firsts) * len(lasts) * len(domains)
    slot = person * _STRIDE % space
    first, slot = firsts[slot % len(firsts)], slot // len(firsts)
    last, slot = lasts[slot % len(lasts)], slot // len(lasts)
    number = str(person // space) if person >= space else ""  # once every combination is used
    local = unicodedata.normalize("NFKD", f"{first}.{last}{number}".lower().replace(" ", ""))
    return f"{first} {last}", f"{local.encode('ascii', 'ignore').decode()}@{domains[slot]}"


def _subject(lang: str, rng: Random) -> str:
    thing = rng.choice(texts.THINGS[lang])
    template = rng.choice(texts.SUBJECTS[lang])
    return template.format(
        thing=thing, Thing=thing[0].upper() + thing[1:], num=rng.randint(1000, 99999)
    )


_POOL_SIZE = 120


@cache
def _paragraphs(lang: str) -> tuple[str, ...]:
    """A fixed pool of wrapped paragraphs, repeated so any slice of up to 3 pools exists."""
    rng = Random(lang)
    sentences = texts.SENTENCES[lang]
    pool = tuple(
        textwrap.fill(" ".join(rng.sample(sentences, rng.randint(2, 5))), 72)
        for _ in range(_POOL_SIZE)
    )
    return pool * 4


@cache
def _offsets(lang: str, charset: str, cte: str, with_html: bool) -> list[int]:
    """Running totals of the pool's encoded sizes (plus its HTML twin's), to fill a budget."""
    if cte == "base64":
        sizes = [(len(p.encode(charset)) + 2) * 77 // 57 for p in _paragraphs(lang)]
    else:
        sizes = [len(p) + 2 for p in _encoded_paragraphs(lang, charset, cte)]
    if with_html:
        sizes = [
            size + len(page) + 1 for size, page in zip(sizes, _html_paragraphs(lang), strict=True)
        ]
    return list(accumulate(sizes, initial=0))


@cache
def _encoded_paragraphs(lang: str, charset: str, cte: str) -> tuple[bytes, ...]:
    """The pool once encoded: a body is then a join of ready bytes (base64 excepted)."""
    return tuple(_transfer_encode(p, charset, cte) for p in _paragraphs(lang))


@cache
def _html_paragraphs(lang: str) -> tuple[bytes, ...]:
    return tuple(map(_html_paragraph, _paragraphs(lang)))


def _html_paragraph(text: str) -> bytes:
    return _transfer_encode(f"<p>{html.escape(text)}</p>", "utf-8", "quoted-printable")


def _join(
    lang: str, charset: str, cte: str, lead: Iterable[str], span: slice, tail: Iterable[str]
) -> bytes:
    """Text of `lead`, the pool paragraphs of `span` and `tail`, encoded, blank-line separated."""
    if cte == "base64":
        text = "\n\n".join([*lead, *_paragraphs(lang)[span], *tail]) + "\n"
        return base64.encodebytes(text.encode(charset))
    head = [_transfer_encode(t, charset, cte) for t in lead]
    end = [_transfer_encode(t, charset, cte) for t in tail]
    middle = _encoded_paragraphs(lang, charset, cte)[span]
    return b"\n\n".join([*head, *middle, *end]) + b"\n"


def _able_to_write(charset: str, cte: str, *texts: str) -> tuple[str, str]:
    """(charset, cte), or UTF-8 in quoted-printable when a text (a sender's accented name in
    an ASCII message) does not fit the charset; no draw from the generator either way, so the
    other messages stay as they were."""
    try:
        for text in texts:
            text.encode(charset)
    except UnicodeEncodeError:
        return "utf-8", "quoted-printable"
    return charset, cte


def _transfer_encode(text: str, charset: str, cte: str) -> bytes:
    data = text.encode(charset)
    if cte == "quoted-printable":
        return binascii.b2a_qp(data)
    if cte == "base64":
        return base64.encodebytes(data)
    return data


def _part(subtype: str, charset: str, cte: str, payload: bytes) -> bytes:
    head = (
        f'Content-Type: text/{subtype}; charset="{charset}"\nContent-Transfer-Encoding: {cte}\n\n'
    )
    return head.encode("ascii") + payload


@lru_cache(maxsize=1 << 14)
def _subject_header(subject: str) -> str:
    """The subject as RFC 2047 base64 words of at most 39 bytes of text each."""
    if subject.isascii():
        return subject
    chunks, chunk = [], ""
    for char in subject:
        if len((chunk + char).encode()) > 39:
            chunks.append(chunk)
            chunk = ""
        chunk += char
    chunks.append(chunk)
    return "\n ".join(f"=?utf-8?b?{base64.b64encode(c.encode()).decode()}?=" for c in chunks)


@lru_cache(maxsize=1 << 16)
def _address(pair: tuple[str, str]) -> str:
    return formataddr(pair)


@cache
def _attachment_lines() -> tuple[str, ...]:
    """Base64 lines of a fake 40 KB PDF; an attachment is a prefix of them."""
    data = b"%PDF-1.4\n" + Random(0).randbytes(40_000) + b"\n%%EOF\n"
    return tuple(base64.encodebytes(data).decode().splitlines())


class _Renderer:
    """Writes planned deliveries as RFC 5322 bytes, by hand, for speed."""

    def __init__(self, seed: int, domain: str) -> None:
        # A random stream of its own, so rows and messages of one seed share their plans.
        self.rng = Random(f"render/{seed}")
        self.domain = domain

    def render(self, plan: _Plan) -> bytes:
        if plan.kind == "duplicate" and plan.original is not None:
            return plan.original.raw
        head = self._head(plan)
        budget = plan.size - len(head)
        if plan.kind == "bounce":
            body = self._bounce(plan)
        elif plan.kind in ("newsletter", "auto-reply"):
            body = self._alternative(plan, budget)
        elif plan.attachment:
            body = self._with_attachment(plan, budget)
        else:
            body = self._text_part(plan, budget)
        plan.raw = head.encode("ascii") + body
        return plan.raw

    def _head(self, plan: _Plan) -> str:
        if plan.from_company:
            zone = UTC
        else:
            zone = _TIMEZONES[0 if plan.lang == "fr" else 1 + len(plan.sender[1]) % 4]
        date = format_datetime(plan.date.astimezone(zone))
        sender = _address(plan.sender)
        lines = []
        if not plan.from_company:
            host = "mail." + plan.sender[1].rpartition("@")[2]
            return_path = "" if plan.kind == "bounce" else plan.sender[1]
            lines += [
                f"Return-Path: <{return_path}>",
                f"Delivered-To: {plan.to[1]}",
                f"Received: from {host} ({host} [192.0.2.{plan.seq % 250 + 1}])\n"
                f"\tby mx.{self.domain} (Postfix) with ESMTPS id {plan.seq:X}\n"
                f"\tfor <{plan.to[1]}>; {date}",
            ]
        if plan.kind == "bounce":
            sender = f"{plan.sender[1]} ({plan.sender[0]})"
        lines += [
            f"Date: {date}",
            f"From: {sender}",
            f"To: {_address(plan.to)}",
            f"Subject: {_subject_header(plan.subject)}",
            f"Message-ID: <{plan.msg_id}>",
        ]
        if plan.references:
            lines.append(f"In-Reply-To: <{plan.references[-1]}>")
            lines.append("References: " + "\n ".join(f"<{ref}>" for ref in plan.references))
        if plan.kind == "newsletter":
            domain = plan.sender[1].rpartition("@")[2]
            lines += [
                f"List-Id: {plan.sender[0]} <news.{domain}>",
                f"List-Unsubscribe: <https://{domain}/u/{plan.seq:x}>,\n"
                f" <mailto:unsubscribe@{domain}?subject={plan.seq:x}>",
                "Precedence: bulk",
            ]
        elif plan.kind in ("auto-reply", "bounce"):
            lines.append("Auto-Submitted: auto-replied")
        lines.append("MIME-Version: 1.0\n")
        return "\n".join(lines)

    def _encoding(self, lang: str) -> tuple[str, str]:
        rng = self.rng
        if lang == "en" and rng.random() < 0.5:
            return "us-ascii", "7bit"
        charset = "utf-8" if lang == "en" or rng.random() < 0.65 else "iso-8859-1"
        return charset, rng.choice(_ENCODINGS[charset])

    def _span(self, lang: str, charset: str, cte: str, budget: float, html: bool = False) -> slice:
        """A run of pool paragraphs, from a random start, just over `budget` encoded bytes."""
        offsets = _offsets(lang, charset, cte, html)
        start = self.rng.randrange(_POOL_SIZE)
        end = bisect_left(offsets, offsets[start] + budget, start + 1, start + 3 * _POOL_SIZE)
        return slice(start, end)

    def _text_part(self, plan: _Plan, budget: float) -> bytes:
        """Greeting, paragraphs, sign-off and, in a reply, a quote of the other side."""
        rng = self.rng
        lang = plan.lang
        charset, cte = self._encoding(lang)
        greeting = rng.choice(texts.GREETINGS[lang])
        closing = f"{rng.choice(texts.SIGNOFFS[lang])}\n{plan.sender[0]}"
        if plan.references:
            quoted = rng.choice(_paragraphs(lang)).replace("\n", "\n> ")
            intro = _QUOTE_INTROS[lang].format(date=f"{plan.date:%d/%m/%Y}", name=plan.to[0])
            closing += f"\n\n{intro}\n> {quoted}"
        charset, cte = _able_to_write(charset, cte, greeting, closing)
        fixed = 90 + (len(greeting) + len(closing)) * _EXPANSION[cte]
        span = self._span(lang, charset, cte, budget - fixed)
        payload = _join(lang, charset, cte, (greeting,), span, (closing,))
        return _part("plain", charset, cte, payload)

    def _alternative(self, plan: _Plan, budget: float) -> bytes:
        """A text part and its HTML twin, as newsletters and Outlook auto-replies come."""
        lang = plan.lang
        charset, cte = self._encoding(lang)
        lead: tuple[str, ...]
        tail: tuple[str, ...]
        if plan.kind == "auto-reply":  # the note, then the message it answers
            lead = (texts.AUTO_REPLY_TEXT[lang], plan.sender[0], "-----Original Message-----")
            tail = ()
        else:
            lead, tail = (), (f"--\n{_unsubscribe_url(plan)}",)
        charset, cte = _able_to_write(charset, cte, *lead, *tail)
        fixed = 1_100 + 2 * sum(map(len, (*lead, *tail)))
        span = self._span(lang, charset, cte, budget - fixed, html=True)
        top = f"<!DOCTYPE html>\n<html><head>{_STYLE}</head><body>"
        pages = [
            binascii.b2a_qp(top.encode()),
            *map(_html_paragraph, lead),
            *_html_paragraphs(lang)[span],
            *map(_html_paragraph, tail),
            b"</body></html>\n",
        ]
        return self._multipart(
            "alternative",
            _part("plain", charset, cte, _join(lang, charset, cte, lead, span, tail)),
            _part("html", "utf-8", "quoted-printable", b"\n".join(pages)),
        )

    def _with_attachment(self, plan: _Plan, budget: float) -> bytes:
        text = self._text_part(plan, min(budget * 0.2, 6_000))
        lines = _attachment_lines()[: max(8, int(budget - len(text) - 300) // 77)]
        name = f"document-{plan.seq}.pdf"
        attachment = (
            f'Content-Type: application/pdf; name="{name}"\n'
            f'Content-Disposition: attachment; filename="{name}"\n'
            "Content-Transfer-Encoding: base64\n\n" + "\n".join(lines) + "\n"
        )
        return self._multipart("mixed", text, attachment.encode("ascii"))

    def _multipart(self, subtype: str, *parts: bytes) -> bytes:
        boundary = f"=_{self.rng.getrandbits(64):016x}"
        out = [f'Content-Type: multipart/{subtype}; boundary="{boundary}"\n\n'.encode()]
        out += [f"--{boundary}\n".encode() + part + b"\n" for part in parts]
        out.append(f"--{boundary}--\n".encode())
        return b"".join(out)

    def _bounce(self, plan: _Plan) -> bytes:
        original = plan.original
        assert original is not None
        recipient = original.to[1]
        boundary = f"{plan.seq:X}.{int(plan.date.timestamp())}/mx.{self.domain}"
        report = texts.BOUNCE.format(
            boundary=boundary,
            mx=f"mx.{self.domain}",
            rcpt=recipient,
            rcpt_domain=recipient.rpartition("@")[2],
            queue_id=f"{plan.seq:X}",
            sender=original.sender[1],
            arrival=format_datetime(original.date),
            headers=original.raw.partition(b"\n\n")[0].decode("ascii"),
        )
        content_type = "Content-Type: multipart/report; report-type=delivery-status;\n"
        return f'{content_type}\tboundary="{boundary}"\n\n{report}'.encode("ascii")


def _unsubscribe_url(plan: _Plan) -> str:
    return f"https://{plan.sender[1].rpartition('@')[2]}/u/{plan.seq:x}"


def _file_name(plan: _Plan) -> str:
    return f"{int(plan.date.timestamp())}.{plan.seq}.synthetic:2,S"


def synthetic_messages(
    n: int, seed: int = 42, company_domain: str = "acme.example"
) -> Iterator[tuple[str, bytes]]:
    """Yield `n` (unique file name, raw message) pairs of a busy shared inbox, oldest first.

    The same arguments always give the same bytes. Duplicate deliveries repeat an earlier
    message's bytes under a name of their own.
    """
    renderer = _Renderer(seed, company_domain)
    for plan in _Planner(seed, company_domain).plans(n):
        yield _file_name(plan), renderer.render(plan)


def synthetic_rows(
    n: int, seed: int = 42, company_domain: str = "acme.example"
) -> Iterator[SyntheticRow]:
    """Yield `n` distinct messages as (message_key, subject, from_email, date), without MIME.

    Drawn like `synthetic_messages` with the same seed (for `n` a multiple of 1,000, the very
    same messages) less the duplicate deliveries, so keys are unique: fit for bulk inserts.
    """
    plans = _Planner(seed, company_domain).plans(None)
    rows = (
        SyntheticRow(plan.msg_id, plan.subject, plan.sender[1], plan.date)
        for plan in plans
        if plan.kind != "duplicate"
    )
    return islice(rows, n)


def write_maildir_files(root: Path, messages: Iterable[tuple[str, bytes]]) -> int:
    """Write (name, raw) pairs as files of `root/cur/`, creating the Maildir; returns the count."""
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    count = 0
    for name, raw in messages:
        (root / "cur" / name).write_bytes(raw)
        count += 1
    return count
