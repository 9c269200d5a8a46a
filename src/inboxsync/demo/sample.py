"""The demo mailbox inboxsync ships: two companies, about 70 messages each, every case covered.

Threads with and without threading headers, forwards, newsletters, an out-of-office reply, a
bounce, no-reply notifications, a message without Message-ID, HTML only, a PDF, an inline
image, ISO-8859-1, two generic subjects that must stay apart and a duplicate delivery. Output
depends only on the company and the seed.
"""

from __future__ import annotations

import html
import math
import os
import re
import textwrap
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from datetime import time as dt_time
from email.header import Header
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path
from random import Random

from inboxsync.demo._texts import BOUNCE, MAILBOXES, Bulk, Script, Turn

REFERENCE_DATE = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
_WINDOW = timedelta(days=21)
_SUMMER_TIME_ENDS = datetime(2026, 10, 25, 1, 0, tzinfo=UTC)  # Europe, 2026
_UNREAD = 6  # the newest INBOX deliveries stay in new/
_PDF = (
    b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
_JPEG = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    + bytes(64)
    + b"\xff\xd9"
)
_FROM_LINE = re.compile(rb"^(>*From )", re.MULTILINE)
_DOCUMENT_NUMBER = re.compile(r"\b[A-Z]-\d{4}-\d+\b")


@dataclass(frozen=True, slots=True)
class SampleFolder:
    """A company folder and the description its AI classifier reads."""

    name: str
    description: str


@dataclass(frozen=True, slots=True)
class SampleCompany:
    """A demo company: its shared-inbox addresses, language and folders."""

    name: str
    addresses: tuple[str, ...]
    language: str
    folders: tuple[SampleFolder, ...]


@dataclass(frozen=True, slots=True)
class SampleMessage:
    """One delivered file: "INBOX" or "Sent", its Maildir file name, bytes and arrival time."""

    folder: str
    filename: str
    raw: bytes
    received_at: datetime


@dataclass(frozen=True, slots=True)
class SampleThread:
    """A conversation as generated; `folder` is None for automated mail, which is not filed.

    `message_ids` are as written in the headers (angle brackets included), oldest first; None
    stands for the message that has no Message-ID.
    """

    subject: str
    folder: str | None
    message_ids: tuple[str | None, ...]


@dataclass(frozen=True, slots=True)
class SampleSummary:
    """What a correct import of one company's sample mailbox yields."""

    company: str
    threads: tuple[SampleThread, ...]
    notification_ids: frozenset[str]
    client_addresses: frozenset[str]
    duplicate_ids: frozenset[str]
    delivery_count: int  # files written, the duplicate delivery included

    @property
    def message_count(self) -> int:
        """Distinct messages: each delivery counted once."""
        return sum(len(thread.message_ids) for thread in self.threads)

    @property
    def thread_count(self) -> int:
        """Conversations a correct import finds."""
        return len(self.threads)


SAMPLE_COMPANIES: tuple[SampleCompany, ...] = (
    SampleCompany(
        name="Atelier Lumière",
        addresses=(
            "contact@atelier-lumiere.example",
            "devis@atelier-lumiere.example",
            "compta@atelier-lumiere.example",
        ),
        language="fr",
        folders=(
            SampleFolder("Devis", "Demandes de devis, de prix ou de tarifs pour un projet de "
                         "rénovation, d'aménagement ou de décoration, et les échanges qui les "
                         "précisent avant la commande."),
            SampleFolder("Chantiers en cours", "Suivi des travaux déjà commandés : planning, "
                         "accès au logement, choix de finitions, démarches avec la copropriété."),
            SampleFolder("Rendez-vous", "Prise, confirmation, report ou annulation d'un "
                         "rendez-vous : visite technique, métré, présentation ou showroom."),
            SampleFolder("Facturation", "Factures, acomptes, paiements, TVA et attestations "
                         "fiscales : tout ce qui concerne un montant à payer ou déjà payé."),
            SampleFolder("Réclamations", "Clients mécontents : malfaçon, retard, dégât constaté "
                         "après travaux, demande de reprise ou de geste commercial."),
        ),
    ),
    SampleCompany(
        name="Northwind Analytics",
        addresses=(
            "hello@northwind-analytics.example",
            "support@northwind-analytics.example",
            "billing@northwind-analytics.example",
        ),
        language="en",
        folders=(
            SampleFolder("Sales", "Pricing questions, quotes, demo requests, security reviews "
                         "and plan questions from prospects or customers who want to buy."),
            SampleFolder("Support", "Customers reporting a problem with the product: errors, "
                         "dashboards not refreshing, failing connectors, login or export issues."),
            SampleFolder("Billing", "Invoices, payments, refunds, VAT details, billing "
                         "addresses and cancellations of a subscription."),
            SampleFolder("Onboarding", "New customers setting up their account: kickoff calls, "
                         "connecting data sources, inviting users."),
            SampleFolder("Partnerships", "Agencies, resellers and event organisers proposing "
                         "to work with us."),
        ),
    ),
)  # fmt: skip


@dataclass(slots=True)
class _Mail:
    """One message while the mailbox is built."""

    thread: int
    folder: str
    date: datetime
    sender: tuple[str, str]
    to: tuple[tuple[str, str], ...]
    subject: str
    body: str  # what the sender wrote, without the quoted message
    text: str  # the whole plain-text body
    msg_id: str | None
    cc: tuple[tuple[str, str], ...] = ()
    style: str = ""
    kind: str = "person"  # person, list, notice, ooo, bounce
    references: tuple[str, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)
    bounced: _Mail | None = None
    delay: timedelta = timedelta()


class _Builder:
    """Turns a company's scripts and automated mail into dated, threaded `_Mail`s."""

    def __init__(self, company: SampleCompany, seed: int) -> None:
        self.company = company
        self.box = MAILBOXES[company.language]
        self.voice = self.box.voice
        self.rng = Random(f"{company.name}/{seed}")
        self.mails: list[_Mail] = []
        self.threads: list[tuple[str, str | None]] = []
        for script in self.box.scripts:
            self._script(script)
        for bulk in self.box.bulk:
            self._bulk(bulk)

    # -- time ------------------------------------------------------------------------------
    def _local(self, at: datetime) -> datetime:
        summer = 1 if at < _SUMMER_TIME_ENDS else 0
        return at.astimezone(timezone(timedelta(hours=self.voice.utc_offset + summer)))

    def _wall_clock(self, day: date, hour: int) -> datetime:
        """A random minute of `hour` on `day`, company local time, as an aware datetime."""
        naive = datetime.combine(day, dt_time(hour, self.rng.randint(0, 59)))
        at = naive.replace(tzinfo=UTC) - timedelta(hours=self.voice.utc_offset)
        return self._local(at - timedelta(hours=1) if at < _SUMMER_TIME_ENDS else at)

    def _office_hours(self, at: datetime) -> datetime:
        local = self._local(at)
        if 8 <= local.hour < 18 and local.weekday() < 5:
            return local
        day = local.date() + timedelta(days=1 if local.hour >= 18 else 0)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return self._wall_clock(day, 8) + timedelta(minutes=30)

    def _awake(self, at: datetime) -> datetime:
        local = self._local(at)
        return self._wall_clock(local.date(), 7) if local.hour < 7 else local

    def _times(self, turns: tuple[Turn, ...]) -> list[datetime]:
        at = REFERENCE_DATE - _WINDOW + timedelta(hours=self.rng.uniform(0, 24 * 19))
        times = []
        for i, turn in enumerate(turns):
            if turn.style == "ooo":
                at += timedelta(seconds=self.rng.randint(20, 90))
            else:
                at += timedelta(hours=self.rng.uniform(0.5, 26) if i else 0)
                at = self._office_hours(at) if turn.who == "us" else self._awake(at)
            times.append(at)
        # A thread that would end after the reference date happens whole weeks earlier.
        latest = REFERENCE_DATE - timedelta(hours=2)
        weeks = max(0, math.ceil((times[-1] - latest) / timedelta(days=7)))
        return [self._local(t - timedelta(days=7 * weeks)) for t in times]

    # -- text ------------------------------------------------------------------------------
    def _msg_id(self, address: str, at: datetime) -> str:
        domain = address.rpartition("@")[2]
        return f"<{at:%Y%m%d%H%M%S}.{self.rng.getrandbits(64):016x}@{domain}>"

    def _quote_date(self, at: datetime) -> str:
        local = self._local(at)
        if self.company.language == "fr":
            return f"{local:%d/%m/%Y} à {local:%H:%M}"
        return f"{format_datetime(local)[:16]} at {local:%H:%M}"  # "Fri, 23 Oct 2026 at 15:30"

    def _body(
        self, script: Script, turn: Turn, sender: tuple[str, str], to: str, at: datetime
    ) -> str:
        voice = self.voice
        if turn.style == "ooo":
            return _wrap(turn.text)
        if turn.who == "us":
            # An organisation ("Service comptable SCI …") is not greeted by a first name.
            words = to.split()
            hello = voice.hello_client.format(first=words[0]) if len(words) <= 3 else ""
            greeting = hello or voice.hello_company
            closing = f"{voice.company_signoff}\n\n{voice.signature}"
        else:
            greeting = voice.hello_company
            signoffs = voice.client_signoffs
            closing = f"{signoffs[len(sender[0]) % len(signoffs)]}\n{sender[0]}"
        body = f"{greeting}\n\n{_wrap(turn.text)}\n\n{closing}"
        fwd = script.forwarded
        if turn.style == "fwd" and fwd is not None:
            header = voice.forward_header.format(
                sender=f"{fwd.name} <{fwd.email}>",
                date=self._quote_date(at - timedelta(hours=self.rng.uniform(2, 20))),
                subject=fwd.subject,
                to=f"{sender[0]} <{sender[1]}>",
            )
            body += f"\n\n{header}\n\n{_wrap(fwd.text)}"
        return body

    def _subject(self, script: Script, turn: Turn, previous: _Mail | None, first: str) -> str:
        voice = self.voice
        if turn.style == "ooo" and previous is not None:
            return voice.ooo_prefix + previous.subject
        if turn.style == "no-refs":
            return voice.lost_refs_prefix + script.subject
        if turn.style == "fwd" and script.forwarded is not None:
            return voice.forward_prefix + script.forwarded.subject
        if previous is None:
            return script.subject
        if turn.who == "us":
            return "Re: " + first
        prefixes = voice.reply_prefixes
        return prefixes[list(self.box.people).index(turn.who) % len(prefixes)] + first

    def _quote(self, previous: _Mail) -> str:
        intro = self.voice.quote_intro.format(
            date=self._quote_date(previous.date), name=previous.sender[0], email=previous.sender[1]
        )
        quoted = "\n".join(f"> {line}" if line else ">" for line in previous.body.splitlines())
        return f"\n\n{intro}\n{quoted}\n"

    # -- conversations ---------------------------------------------------------------------
    def _new_thread(self, subject: str, folder: str | None) -> int:
        self.threads.append((subject, folder))
        return len(self.threads) - 1

    def _person(self, key: str) -> tuple[str, str]:
        return self.box.people[key]

    def _script(self, script: Script) -> None:
        thread = self._new_thread(script.subject, script.folder)
        own = (self.company.name, self.company.addresses[script.inbox])
        first_subject = script.subject
        previous: _Mail | None = None
        clients: list[str] = []
        for i, (turn, at) in enumerate(zip(script.turns, self._times(script.turns), strict=True)):
            copied = script.cc if i >= script.cc_from else ()
            people = list(dict.fromkeys([*clients, *copied]))
            if turn.who == "us":
                target = turn.to or clients[-1]
                sender, to = own, (self._person(target),)
            else:
                target = turn.who
                sender = self._person(turn.who)
                to = (previous.sender,) if turn.style == "ooo" and previous else (own,)
                clients.append(turn.who)
            cc = tuple(self._person(p) for p in people if p != target)
            subject = self._subject(script, turn, previous, first_subject)
            first_subject = subject if previous is None else first_subject
            body = self._body(script, turn, sender, to[0][0], at)
            replied = previous is not None and turn.style != "ooo"
            mail = _Mail(
                thread=thread,
                folder="Sent" if turn.who == "us" else "INBOX",
                date=at,
                sender=sender,
                to=to,
                subject=subject,
                body=body,
                text=body + self._quote(previous) if replied and previous else body,
                msg_id=None if turn.style == "no-id" else self._msg_id(sender[1], at),
                cc=() if turn.style == "ooo" else cc,
                style=turn.style,
                kind="ooo" if turn.style == "ooo" else "person",
                delay=timedelta(seconds=0 if turn.who == "us" else self.rng.randint(3, 45)),
            )
            if previous is not None and turn.style != "no-refs":
                parent = () if previous.msg_id is None else (previous.msg_id,)
                mail.references = (*previous.references, *parent)
            if turn.style == "ooo":
                mail.headers = _auto_reply_headers(self.company.language)
            self.mails.append(mail)
            if turn.style == "bounce":
                self._bounce(mail)
            previous = mail

    # -- automated mail --------------------------------------------------------------------
    def _bulk(self, bulk: Bulk) -> None:
        thread = self._new_thread(bulk.subject, None)
        at = self._local(REFERENCE_DATE - _WINDOW + timedelta(hours=self.rng.uniform(0, 24 * 20)))
        text = _wrap(bulk.text)
        headers: dict[str, str] = {}
        domain = bulk.email.rpartition("@")[2]
        if bulk.list_id:
            # Lists send early in the morning, like most newsletters.
            at = self._wall_clock(self._local(at).date(), 6)
            token = f"{self.rng.getrandbits(40):010x}"
            url = f"https://{domain}/unsubscribe?u={token}"
            text += "\n\n--\n" + self.voice.unsubscribe.format(name=bulk.name, url=url)
            headers = {
                "List-Id": f"{bulk.name} <{bulk.list_id}>",
                "List-Unsubscribe": f"<{url}>, <mailto:unsubscribe@{domain}?subject={token}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "Precedence": "bulk",
            }
        elif bulk.auto_generated:
            headers = {"Auto-Submitted": "auto-generated"}
        own = (self.company.name, self.company.addresses[bulk.inbox])
        self.mails.append(
            _Mail(
                thread=thread,
                folder="INBOX",
                date=at,
                sender=(bulk.name, bulk.email),
                to=(own,),
                subject=bulk.subject,
                body=text,
                text=text,
                msg_id=self._msg_id(bulk.email, at),
                kind="list" if bulk.list_id else "notice",
                headers=headers,
                delay=timedelta(seconds=self.rng.randint(3, 300)),
            )
        )

    def _bounce(self, original: _Mail) -> None:
        mx = "mail." + original.sender[1].rpartition("@")[2]
        subject = "Undelivered Mail Returned to Sender"
        at = original.date + timedelta(seconds=self.rng.randint(3, 20))
        self.mails.append(
            _Mail(
                thread=self._new_thread(subject, None),
                folder="INBOX",
                date=at,
                sender=("Mail Delivery System", f"MAILER-DAEMON@{mx}"),
                to=(original.sender,),
                subject=subject,
                body="",
                text="",
                msg_id=self._msg_id(f"MAILER-DAEMON@{mx}", at),
                kind="bounce",
                headers={"Auto-Submitted": "auto-replied"},
                bounced=original,
                delay=timedelta(seconds=1),
            )
        )


def _wrap(text: str) -> str:
    return "\n\n".join(
        textwrap.fill(part, 72, break_long_words=False, break_on_hyphens=False)
        for part in text.split("\n")
    )


def _html(text: str, image_cid: str | None = None) -> str:
    paragraphs = [
        "<p>" + html.escape(part).replace("\n", "<br>\n") + "</p>" for part in text.split("\n\n")
    ]
    if image_cid is not None:
        paragraphs.insert(2, f'<p><img src="cid:{image_cid}" alt="photo" width="480"></p>')
    return "<!DOCTYPE html>\n<html><body>\n" + "\n".join(paragraphs) + "\n</body></html>\n"


def _auto_reply_headers(language: str) -> dict[str, str]:
    if language == "fr":  # Exchange, as French offices mostly run it
        return {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}
    return {"Auto-Submitted": "auto-replied", "X-Autoreply": "yes"}


def _trace(mail: _Mail, company: SampleCompany, rng: Random) -> list[tuple[str, str | Header]]:
    """Headers the receiving server adds: Return-Path, Delivered-To, Received."""
    recipients = [address for _, address in (*mail.to, *mail.cc)]
    own = next((a for a in recipients if a in company.addresses), recipients[0])
    queue_id = f"{rng.getrandbits(40):010X}"
    stamp = format_datetime(mail.date + mail.delay)
    if mail.kind == "bounce":  # written by our own server
        host = mail.sender[1].rpartition("@")[2]
        received = f"by {host} (Postfix) id {queue_id}; {stamp}"
    else:
        host = "mail." + mail.sender[1].rpartition("@")[2]
        received = (
            f"from {host} ({host} [192.0.2.{rng.randint(10, 250)}]) by "
            f"mx.{own.rpartition('@')[2]} (Postfix) with ESMTPS id {queue_id} for <{own}>; {stamp}"
        )
    return_path = "<>" if mail.kind == "bounce" else f"<{mail.sender[1]}>"
    return [("Return-Path", return_path), ("Delivered-To", own), ("Received", received)]


def _headers(
    mail: _Mail, company: SampleCompany, rng: Random, charset: str
) -> list[tuple[str, str | Header]]:
    headers = _trace(mail, company, rng) if mail.folder == "INBOX" else []
    sender = formataddr(mail.sender, charset)
    if mail.kind == "bounce":
        sender = f"{mail.sender[1]} ({mail.sender[0]})"  # how Postfix writes it
    headers += [
        ("Date", format_datetime(mail.date)),
        ("From", sender),
        ("To", ", ".join(formataddr(a, charset) for a in mail.to)),
    ]
    if mail.cc:
        headers.append(("Cc", ", ".join(formataddr(a, charset) for a in mail.cc)))
    subject = mail.subject if charset == "utf-8" else Header(mail.subject, charset, 78, "Subject")
    headers.append(("Subject", subject))
    if mail.msg_id is not None:
        headers.append(("Message-ID", mail.msg_id))
    if mail.references:
        headers.append(("In-Reply-To", mail.references[-1]))
        headers.append(("References", " ".join(mail.references)))
    headers.extend(mail.headers.items())
    return headers


def _render(mail: _Mail, company: SampleCompany, rng: Random, rendered: dict[int, bytes]) -> bytes:
    if mail.style == "latin1":
        legacy: Message[str, str | Header] = Message()
        for name, value in _headers(mail, company, rng, "iso-8859-1"):
            legacy[name] = value
        legacy.set_payload(mail.text + "\n", "iso-8859-1")
        return legacy.as_bytes()
    headers = [(name, str(value)) for name, value in _headers(mail, company, rng, "utf-8")]
    if mail.bounced is not None:
        return _render_bounce(mail, headers, rng, rendered[id(mail.bounced)])
    msg = EmailMessage()
    for name, value in headers:
        msg[name] = value
    if mail.style == "html":
        msg.set_content(_html(mail.text), subtype="html")
    else:
        msg.set_content(mail.text)
    if mail.kind == "list":
        msg.add_alternative(_html(mail.text), subtype="html")
    elif mail.style == "image":
        cid = f"photo.{rng.getrandbits(32):08x}@{mail.sender[1].rpartition('@')[2]}"
        msg.add_alternative(_html(mail.text, image_cid=cid), subtype="html")
        page = next(p for p in msg.iter_parts() if p.get_content_type() == "text/html")
        page.add_related(
            _JPEG, "image", "jpeg", cid=f"<{cid}>", filename="photo.jpg", disposition="inline"
        )
    elif mail.style == "pdf":
        number = _DOCUMENT_NUMBER.search(mail.body)
        filename = f"{number.group() if number else 'document'}.pdf"
        msg.add_attachment(_PDF, "application", "pdf", filename=filename)
    # The email package draws boundaries from the global random module; ours come from the seed.
    for n, part in enumerate(msg.walk()):
        if part.is_multipart():
            part.set_boundary(f"----=_Part_{n}_{rng.getrandbits(48):012x}")
        if part is not msg:
            del part["MIME-Version"]
    return msg.as_bytes()


def _render_bounce(
    mail: _Mail, headers: list[tuple[str, str]], rng: Random, original: bytes
) -> bytes:
    assert mail.bounced is not None
    boundary = f"{rng.getrandbits(40):010X}.{int(mail.date.timestamp())}/{mail.sender[1]}"
    recipient = mail.bounced.to[0][1]
    body = BOUNCE.format(
        boundary=boundary,
        mx=mail.sender[1].rpartition("@")[2],
        rcpt=recipient,
        rcpt_domain=recipient.rpartition("@")[2],
        queue_id=f"{rng.getrandbits(40):010X}",
        sender=mail.bounced.sender[1],
        arrival=format_datetime(mail.bounced.date),
        headers=original.split(b"\n\n", 1)[0].decode("ascii"),
    )
    head = "".join(f"{name}: {value}\n" for name, value in headers)
    head += "MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status;\n"
    head += f'\tboundary="{boundary}"\nContent-Transfer-Encoding: 7bit\n'
    return (head + "\n" + body).encode("ascii")


def _build(company: SampleCompany, seed: int) -> tuple[list[SampleMessage], SampleSummary]:
    builder = _Builder(company, seed)
    mails = sorted(builder.mails, key=lambda m: m.date + m.delay)
    deliveries = [(m, m.date + m.delay) for m in mails]
    deliveries += [(m, m.date + m.delay + timedelta(seconds=2)) for m in mails if m.style == "dup"]
    deliveries.sort(key=lambda delivery: delivery[1])
    replied = {m.references[-1] for m in mails if m.folder == "Sent" and m.references}
    inbox = [n for n, (mail, _) in enumerate(deliveries) if mail.folder == "INBOX"]
    unread = set(inbox[-_UNREAD:])
    rendered: dict[int, bytes] = {}
    messages = []
    for n, (mail, at) in enumerate(deliveries):
        raw = rendered.get(id(mail)) or _render(mail, company, builder.rng, rendered)
        rendered[id(mail)] = raw
        stem = f"{int(at.timestamp())}.{n}.demo"
        flags = "RS" if mail.msg_id in replied else "S"
        filename = stem if n in unread else f"{stem}:2,{flags}"
        messages.append(SampleMessage(mail.folder, filename, raw, at.astimezone(UTC)))
    by_thread: dict[int, list[_Mail]] = {}
    for mail in mails:
        by_thread.setdefault(mail.thread, []).append(mail)
    summary = SampleSummary(
        company=company.name,
        threads=tuple(
            SampleThread(*builder.threads[thread], tuple(m.msg_id for m in members))
            for thread, members in sorted(by_thread.items(), key=lambda item: item[1][0].date)
        ),
        notification_ids=frozenset(m.msg_id for m in mails if m.kind != "person" and m.msg_id),
        client_addresses=frozenset(
            m.sender[1].lower() for m in mails if m.folder == "INBOX" and m.kind == "person"
        ),
        duplicate_ids=frozenset(m.msg_id for m in mails if m.style == "dup" and m.msg_id),
        delivery_count=len(deliveries),
    )
    return messages, summary


def sample_mailbox(company: SampleCompany, seed: int = 7) -> list[SampleMessage]:
    """Return the company's demo mailbox (INBOX and Sent), oldest delivery first.

    The same company and seed always give the same bytes; dates fall in the three weeks before
    `REFERENCE_DATE`.
    """
    return _build(company, seed)[0]


def expected_summary(company: SampleCompany, seed: int = 7) -> SampleSummary:
    """Return what a correct import of `sample_mailbox(company, seed)` yields."""
    return _build(company, seed)[1]


def write_maildir(root: Path, messages: Iterable[SampleMessage]) -> None:
    """Write messages as a Maildir++ tree: INBOX in `root/cur|new`, other folders in `root/.Name/`.

    A file goes to `new/` when its name has no `:2,` info part; its mtime is its arrival time.
    """
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for message in messages:
        folder = root if message.folder == "INBOX" else root / f".{message.folder}"
        if folder != root:
            for sub in ("cur", "new", "tmp"):
                (folder / sub).mkdir(parents=True, exist_ok=True)
            (folder / "maildirfolder").touch()
        path = folder / ("cur" if ":2," in message.filename else "new") / message.filename
        path.write_bytes(message.raw)
        stamp = message.received_at.timestamp()
        os.utime(path, (stamp, stamp))


def write_mbox(path: Path, messages: Iterable[SampleMessage]) -> None:
    """Write messages, in the order given, to one mboxrd file (`>From ` lines quoted once more)."""
    parser = BytesHeaderParser()
    with path.open("wb") as out:
        for message in messages:
            sender = parseaddr(str(parser.parsebytes(message.raw).get("From", "")))[1]
            stamp = time.asctime(message.received_at.astimezone(UTC).timetuple())
            body = _FROM_LINE.sub(rb">\1", message.raw)
            if not body.endswith(b"\n"):
                body += b"\n"
            out.write(f"From {sender or 'MAILER-DAEMON'} {stamp}\n".encode() + body + b"\n")
