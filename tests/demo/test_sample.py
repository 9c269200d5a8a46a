"""The shipped demo mailbox: deterministic, parseable, and every case it claims is there."""

from __future__ import annotations

import email
import mailbox
import re
from collections import Counter
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from functools import cache
from pathlib import Path

import pytest

from inboxsync.demo.sample import (
    REFERENCE_DATE,
    SAMPLE_COMPANIES,
    SampleCompany,
    SampleMessage,
    SampleSummary,
    expected_summary,
    sample_mailbox,
    write_maildir,
    write_mbox,
)

_REPLY_PREFIX = re.compile(r"^(?:(?:re|réf|tr|fwd)\s*:\s*)+", re.IGNORECASE)
companies = pytest.mark.parametrize("company", SAMPLE_COMPANIES, ids=lambda c: c.language)


@cache
def messages_of(company: SampleCompany) -> tuple[SampleMessage, ...]:
    return tuple(sample_mailbox(company))


@cache
def summary_of(company: SampleCompany) -> SampleSummary:
    return expected_summary(company)


@cache
def parsed_of(company: SampleCompany) -> tuple[EmailMessage, ...]:
    return tuple(map(parsed, messages_of(company)))


def parsed(message: SampleMessage) -> EmailMessage:
    msg = email.message_from_bytes(message.raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def ids_in(value: str | None) -> list[str]:
    return re.findall(r"<[^<>]+>", value or "")


def sender(msg: EmailMessage) -> str:
    return parseaddr(str(msg["From"]))[1].lower()


def participants(msg: EmailMessage) -> set[str]:
    fields = [str(msg[name]) for name in ("From", "To", "Cc") if msg[name]]
    return {address.lower() for _, address in getaddresses(fields)}


def by_id(company: SampleCompany) -> dict[str, EmailMessage]:
    return {m["Message-ID"]: m for m in parsed_of(company) if m["Message-ID"]}


@companies
def test_same_seed_gives_the_same_bytes_and_another_seed_other_dates(
    company: SampleCompany,
) -> None:
    first, again = sample_mailbox(company), sample_mailbox(company)
    assert first == again
    other = sample_mailbox(company, seed=8)
    assert [m.raw for m in other] != [m.raw for m in first]
    assert expected_summary(company, seed=8).thread_count == expected_summary(company).thread_count


@companies
def test_about_seventy_messages_in_inbox_and_sent(company: SampleCompany) -> None:
    messages = messages_of(company)
    summary = summary_of(company)
    assert 60 <= len(messages) <= 80
    assert summary.delivery_count == len(messages)
    assert summary.message_count == len(messages) - len(summary.duplicate_ids)
    assert all(m.raw.endswith(b"\n") for m in messages)
    assert {m.folder for m in messages} == {"INBOX", "Sent"}
    assert len({m.filename for m in messages}) == len(messages)


@companies
def test_every_message_parses_cleanly_with_the_usual_headers(company: SampleCompany) -> None:
    for message in messages_of(company):
        msg = parsed(message)
        assert not msg.defects, message.filename
        assert all(msg[name] for name in ("Date", "From", "To", "Subject"))
        for part in msg.walk():
            assert not part.defects, message.filename
            if part.get_content_maintype() == "text" and part.get_content_charset():
                assert part.get_content()


@companies
def test_dates_fall_in_the_three_weeks_before_the_reference_date(company: SampleCompany) -> None:
    for message in messages_of(company):
        sent_at = parsed(message)["Date"].datetime
        assert REFERENCE_DATE - timedelta(days=28) < sent_at <= message.received_at
        assert message.received_at < REFERENCE_DATE


@companies
def test_references_chains_point_to_messages_of_the_sample(company: SampleCompany) -> None:
    messages = by_id(company)
    replies = 0
    for msg in parsed_of(company):
        references, in_reply_to = ids_in(msg["References"]), ids_in(msg["In-Reply-To"])
        assert set(references) <= messages.keys()
        if in_reply_to:
            replies += 1
            assert in_reply_to == references[-1:]
            parent = messages[in_reply_to[0]]
            assert parent["Date"].datetime <= msg["Date"].datetime
    assert replies >= 25


@companies
def test_company_replies_are_in_sent_from_its_own_addresses(company: SampleCompany) -> None:
    for message in messages_of(company):
        msg = parsed(message)
        if message.folder == "Sent":
            assert sender(msg) in company.addresses
            assert msg["In-Reply-To"] or msg["Subject"] in {
                t.subject for t in summary_of(company).threads
            }
        else:
            assert sender(msg) not in company.addresses


@companies
def test_threads_of_the_summary_agree_with_the_threading_headers(company: SampleCompany) -> None:
    summary = summary_of(company)
    thread_of = {mid: n for n, t in enumerate(summary.threads) for mid in t.message_ids if mid}
    deep = [t for t in summary.threads if len(t.message_ids) >= 3]
    assert len(deep) >= 5 and max(len(t.message_ids) for t in deep) == 6
    for msg in by_id(company).values():
        for ref in ids_in(msg["References"]):
            assert thread_of[ref] == thread_of[msg["Message-ID"]]
    assert sorted(thread_of) == sorted(by_id(company))


@companies
def test_one_reply_lost_its_headers_and_threads_by_subject(company: SampleCompany) -> None:
    messages = list(parsed_of(company))
    lost = [
        m
        for m in messages
        if _REPLY_PREFIX.match(m["Subject"])
        and not m["In-Reply-To"]
        and not m["Subject"].lower().startswith(("tr:", "fwd:"))
    ]
    assert len(lost) == 1
    reply = lost[0]
    topic = _REPLY_PREFIX.sub("", reply["Subject"])
    earlier = [
        m
        for m in messages
        if m["Subject"] == topic
        and sender(m) == sender(reply)
        and m["Date"].datetime < reply["Date"].datetime
    ]
    assert earlier
    thread = next(t for t in summary_of(company).threads if reply["Message-ID"] in t.message_ids)
    assert earlier[0]["Message-ID"] in thread.message_ids


@companies
def test_generic_subject_threads_share_no_one_but_the_company(company: SampleCompany) -> None:
    summary = summary_of(company)
    counts = Counter(t.subject for t in summary.threads)
    generic = [subject for subject, n in counts.items() if n > 1]
    assert generic in (["Bonjour"], ["Question"])
    messages = by_id(company)
    people = [
        set().union(*(participants(messages[mid]) for mid in t.message_ids if mid))
        for t in summary.threads
        if t.subject == generic[0]
    ]
    assert people[0] & people[1] <= set(company.addresses)
    others = Counter(_REPLY_PREFIX.sub("", t.subject).lower() for t in summary.threads)
    assert all(n == 1 for subject, n in others.items() if subject != generic[0].lower())


@companies
def test_notifications_are_exactly_the_automated_messages(company: SampleCompany) -> None:
    summary = summary_of(company)
    kinds: Counter[str] = Counter()
    for mid, msg in by_id(company).items():
        local = sender(msg).partition("@")[0]
        if msg["List-Unsubscribe"]:
            assert msg["List-Id"] and msg["Precedence"] == "bulk"
            kinds["newsletter"] += 1
        elif msg.get_content_type() == "multipart/report":
            kinds["bounce"] += 1
        elif msg["Auto-Submitted"] == "auto-replied":
            kinds["out-of-office"] += 1
        elif re.search(r"no-?reply|ne-pas-repondre", local) or msg["Auto-Submitted"]:
            kinds["no-reply"] += 1
        else:
            assert mid not in summary.notification_ids
            continue
        assert mid in summary.notification_ids
    assert kinds["newsletter"] >= 3 and kinds["no-reply"] >= 2
    assert kinds["bounce"] == kinds["out-of-office"] == 1
    assert sum(kinds.values()) == len(summary.notification_ids)


@companies
def test_bounce_is_a_delivery_status_report_carrying_the_original_headers(
    company: SampleCompany,
) -> None:
    messages = list(parsed_of(company))
    (bounce,) = [m for m in messages if m.get_content_type() == "multipart/report"]
    assert bounce.get_param("report-type") == "delivery-status"
    assert sender(bounce).startswith("mailer-daemon@")
    assert bounce["Return-Path"] == "<>"
    types = [part.get_content_type() for part in bounce.iter_parts()]
    assert types == ["text/plain", "message/delivery-status", "text/rfc822-headers"]
    original_headers = list(bounce.iter_parts())[2].get_payload()
    (original,) = [m for m in messages if m["Message-ID"] in ids_in(str(original_headers))]
    failed = parseaddr(str(original["To"]))[1]
    assert sender(original) in company.addresses
    assert f"Final-Recipient: rfc822; {failed}" in bounce.as_string()
    assert failed not in summary_of(company).client_addresses


@companies
def test_duplicate_delivery_repeats_the_same_bytes(company: SampleCompany) -> None:
    messages = messages_of(company)
    counts = Counter(parsed(m)["Message-ID"] for m in messages)
    repeated = {mid for mid, n in counts.items() if n > 1 and mid}
    assert repeated == set(summary_of(company).duplicate_ids) and len(repeated) == 1
    copies = [m for m in messages if parsed(m)["Message-ID"] in repeated]
    assert copies[0].raw == copies[1].raw and copies[0].filename != copies[1].filename


@companies
def test_mime_edge_cases_are_each_present(company: SampleCompany) -> None:
    messages = list(parsed_of(company))
    assert sum(1 for m in messages if not m["Message-ID"]) == 1
    assert sum(1 for m in messages if m.get_content_type() == "text/html") == 1
    pdfs = [p for m in messages for p in m.walk() if p.get_content_type() == "application/pdf"]
    assert pdfs and str(pdfs[0].get_filename()).endswith(".pdf")
    assert pdfs[0].get_content().startswith(b"%PDF-")
    (image,) = [p for m in messages for p in m.walk() if p.get_content_maintype() == "image"]
    assert image["Content-ID"] and image.get_content_disposition() == "inline"
    pages = [
        p.get_content() for m in messages for p in m.walk() if p.get_content_type() == "text/html"
    ]
    assert any(f"cid:{image['Content-ID'].strip('<>')}" in page for page in pages)
    forwards = [m for m in messages if m["Subject"].startswith(("TR:", "Fwd:"))]
    assert len(forwards) == 1 and not forwards[0]["In-Reply-To"]


@companies
def test_one_client_writes_iso_8859_1_with_an_encoded_subject(company: SampleCompany) -> None:
    latin = [m for m in messages_of(company) if b"=?iso-8859-1?q?" in m.raw.split(b"\n\n")[0]]
    assert latin
    msg = parsed(latin[0])
    assert msg.get_content_charset() == "iso-8859-1"
    assert not msg["Subject"].isascii()
    assert not msg.get_content().isascii()


@companies
def test_client_addresses_are_the_people_who_wrote_in(company: SampleCompany) -> None:
    summary = summary_of(company)
    wrote = {
        sender(parsed(m))
        for m in messages_of(company)
        if m.folder == "INBOX" and parsed(m)["Message-ID"] not in summary.notification_ids
    }
    assert summary.client_addresses == wrote
    assert not summary.client_addresses & set(company.addresses)
    assert len(summary.client_addresses) >= 20


@companies
def test_threads_are_filed_in_the_company_folders(company: SampleCompany) -> None:
    folders = {folder.name for folder in company.folders}
    assert 4 <= len(folders) <= 5
    summary = summary_of(company)
    for thread in summary.threads:
        automated = all(mid in summary.notification_ids for mid in thread.message_ids)
        assert (thread.folder is None) == automated
        assert thread.folder is None or thread.folder in folders
    assert {t.folder for t in summary.threads} - {None} == folders


@companies
def test_write_maildir_round_trips_through_mailbox_maildir(
    company: SampleCompany, tmp_path: Path
) -> None:
    messages = messages_of(company)
    write_maildir(tmp_path / "Maildir", messages)
    inbox = mailbox.Maildir(tmp_path / "Maildir", factory=None, create=False)
    sent = inbox.get_folder("Sent")
    for folder, box in (("INBOX", inbox), ("Sent", sent)):
        expected = sorted(m.raw for m in messages if m.folder == folder)
        assert sorted(box.get_bytes(key) for key in box.iterkeys()) == expected
    assert {m.get_subdir() for m in inbox} == {"cur", "new"}
    for message in messages:
        base = tmp_path / "Maildir" / ("" if message.folder == "INBOX" else f".{message.folder}")
        (path,) = base.glob(f"*/{message.filename}")
        assert path.stat().st_mtime == pytest.approx(message.received_at.timestamp())


@companies
def test_write_mbox_round_trips_through_mailbox_mbox(
    company: SampleCompany, tmp_path: Path
) -> None:
    messages = messages_of(company)
    write_mbox(tmp_path / "sample.mbox", messages)
    box = mailbox.mbox(tmp_path / "sample.mbox", create=False)
    # mailbox.mbox does not undo mboxrd quoting, so it is undone here.
    unquoted = [re.sub(rb"(?m)^>(>*From )", rb"\1", box.get_bytes(key)) for key in box.iterkeys()]
    assert unquoted == [m.raw for m in messages]


def test_mbox_quotes_body_lines_that_start_with_from(tmp_path: Path) -> None:
    english = next(c for c in SAMPLE_COMPANIES if c.language == "en")
    messages = sample_mailbox(english)
    assert any(b"\nFrom what I can see" in m.raw for m in messages)
    write_mbox(tmp_path / "sample.mbox", messages)
    content = (tmp_path / "sample.mbox").read_bytes()
    assert b"\n>From what I can see" in content
    assert content.count(b"\nFrom ") + content.startswith(b"From ") == len(messages)
