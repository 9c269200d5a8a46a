"""`Inbox.message` and `Inbox.attachment` over mail imported for real, on both databases: the
detail, the HTML sanitized, attachment bytes as sent, safe download headers, tenancy."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from pydantic_core import to_jsonable_python

from inboxsync import Inbox, NotFound, Settings
from inboxsync.operations.messages import (
    MAX_DOWNLOAD_NAME,
    OCTET_STREAM,
    content_disposition,
    download_name,
    served_content_type,
)
from tests.factories import make_message, write_files

INLINE_URL = "/v1/messages/{message_id}/attachments/{attachment_id}"
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(255, -1, -1)) * 3
HTML_BODY = (
    "<html><head><style>p{color:red}</style></head><body onload='steal()'>"
    "<p style='color:red'>Invoice <a href='javascript:steal()'>here</a>"
    " and <a href='https://acme.example/i/1'>there</a>.</p>"
    "<img src='cid:logo@client.example' alt='logo'>"
    "<img src='https://track.example/open.gif'><script>steal()</script></body></html>"
)


def html_message(msgid: str, attachments: list[tuple[str, str, bytes]]) -> bytes:
    """A text + HTML message with an inline logo (cid:logo@client.example) and attachments
    given as (filename, content type, bytes)."""
    message = EmailMessage()
    message["Message-ID"] = msgid
    message["From"] = "Alice Martin <alice@client.example>"
    message["To"] = "support@acme.example, billing@acme.example"
    message["Cc"] = "bob@client.example"
    message["Subject"] = "Invoice attached"
    message["Date"] = "Mon, 01 Jun 2026 09:00:00 +0000"
    message.set_content("Invoice here and there.")
    message.add_alternative(HTML_BODY, subtype="html")
    for part in message.iter_parts():
        if part.get_content_type() == "text/html":
            part.add_related(
                PNG,
                maintype="image",
                subtype="png",
                cid="<logo@client.example>",
                filename="logo.png",
                disposition="inline",
            )
    for filename, content_type, data in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def with_raw_filename(msgid: str, parameter: str) -> bytes:
    """A message with one attachment whose Content-Disposition filename parameter is
    `parameter` exactly as written (hostile bytes included)."""
    return (
        f"Message-ID: {msgid}\r\nFrom: alice@client.example\r\nTo: support@acme.example\r\n"
        "Subject: hostile name\r\nDate: Mon, 01 Jun 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        "Content-Type: text/plain\r\n\r\nsee attached\r\n--b\r\n"
        f"Content-Type: application/pdf\r\nContent-Disposition: attachment; {parameter}\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b--\r\n"
    ).encode()


@dataclass(frozen=True)
class Imported:
    """Acme's HTML message and plain message; Globex's copy of the HTML one."""

    html: int
    plain: int
    theirs: int


@pytest.fixture
def inbox(db_url: str) -> Iterator[Inbox]:
    inbox = Inbox(Settings(db=db_url, ai={"provider": "local", "local_model": "hashing"}))
    for company in ("Acme", "Globex"):
        inbox.add_company(company, [f"support@{company.lower()}.example"])
    yield inbox
    inbox.close()


def import_one(inbox: Inbox, company: str, tmp_path: Path, raw: bytes) -> int:
    """Import `raw` for `company`; returns the id of the message it became."""
    before = {c.id for c in inbox.conversations(company)}
    inbox.import_path(company, write_files(tmp_path / company / str(len(before)), {"m.eml": raw}))
    [new] = [c for c in inbox.conversations(company) if c.id not in before]
    [message] = inbox.conversation(company, new.id).messages
    return message.id


@pytest.fixture
def imported(inbox: Inbox, tmp_path: Path) -> Imported:
    mail = html_message(
        "<1@client.example>",
        [
            ("invoice.pdf", "application/pdf", PDF),
            ("page.html", "text/html", b"<script>x</script>"),
        ],
    )
    return Imported(
        html=import_one(inbox, "Acme", tmp_path, mail),
        plain=import_one(inbox, "Acme", tmp_path, make_message(msgid="<2@client.example>")),
        theirs=import_one(inbox, "Globex", tmp_path, mail),
    )


def test_message_detail_has_headers_text_sanitized_html_and_attachments(
    inbox: Inbox, imported: Imported
) -> None:
    detail = inbox.message("Acme", imported.html, inline_url=INLINE_URL)
    assert (detail.from_email, detail.from_name, detail.direction) == (
        "alice@client.example",
        "Alice Martin",
        "in",
    )
    assert detail.to == ("support@acme.example", "billing@acme.example")
    assert detail.cc == ("bob@client.example",)
    assert (detail.subject, detail.text) == ("Invoice attached", "Invoice here and there.\n")
    assert detail.conversation_id == inbox.conversations("Acme")[-1].id
    logo, pdf, page = detail.attachments
    assert (logo.filename, logo.content_type, logo.size, logo.is_inline) == (
        "logo.png",
        "image/png",
        len(PNG),
        True,
    )
    assert (pdf.filename, pdf.content_type, pdf.size, pdf.is_inline) == (
        "invoice.pdf",
        "application/pdf",
        len(PDF),
        False,
    )
    assert page.content_type == "text/html"
    assert detail.html == (
        '<p>Invoice <a target="_blank" rel="noopener noreferrer nofollow">here</a> and '
        '<a href="https://acme.example/i/1" target="_blank" rel="noopener noreferrer nofollow">'
        "there</a>.</p>"
        f'<img src="/v1/messages/{imported.html}/attachments/{logo.id}" alt="logo">'
        '<img data-remote-src="https://track.example/open.gif">\n'
    )
    assert detail.remote_images == 1


def test_without_an_inline_url_inline_images_show_nothing(inbox: Inbox, imported: Imported) -> None:
    html = inbox.message("Acme", imported.html).html or ""
    assert '<img alt="logo">' in html and "cid:" not in html


def test_a_message_without_html_has_none(inbox: Inbox, imported: Imported) -> None:
    detail = inbox.message("Acme", imported.plain)
    assert (detail.html, detail.remote_images, detail.attachments) == (None, 0, ())
    assert detail.text == "Hello, the export fails since Monday.\n"


def test_attachment_bytes_are_what_was_sent(inbox: Inbox, imported: Imported) -> None:
    logo, pdf, page = inbox.message("Acme", imported.html).attachments
    got = inbox.attachment("Acme", imported.html, pdf.id)
    assert (got.data, got.filename, got.content_type) == (PDF, "invoice.pdf", "application/pdf")
    assert got.content_disposition == (
        "attachment; filename=\"invoice.pdf\"; filename*=UTF-8''invoice.pdf"
    )
    assert inbox.attachment("Acme", imported.html, logo.id).data == PNG
    # An HTML attachment is downloaded, never rendered in the API's origin.
    served = inbox.attachment("Acme", imported.html, page.id)
    assert (served.content_type, served.data) == (OCTET_STREAM, b"<script>x</script>")


def test_results_serialize_to_json(inbox: Inbox, imported: Imported) -> None:
    detail = inbox.message("Acme", imported.html)
    data = to_jsonable_python(detail)
    assert data["date"] == "2026-06-01T09:00:00" and data["attachments"][1]["size"] == len(PDF)
    got = inbox.attachment("Acme", imported.html, detail.attachments[0].id)
    assert to_jsonable_python(got, bytes_mode="base64")["filename"] == "logo.png"


HOSTILE_FILENAMES = {
    "crlf-injection": "filename*=utf-8''a%0D%0AContent-Type%3A%20text%2Fhtml%0D%0A%0D%0Ax.pdf",
    "quotes": 'filename="say \\"hi\\"; filename=evil.exe.pdf"',
    "parent-path": 'filename="../../etc/passwd"',
    "windows-path": 'filename="..\\\\..\\\\boot.ini"',
    "very-long": f'filename="{"a" * 600}.pdf"',
    "non-ascii": f"filename*=utf-8''{quote('Relevé août 日本語 ☃.pdf')}",
    "bidi-override": f"filename*=utf-8''{quote('invoice' + chr(0x202E) + 'fdp.exe')}",
    "percent-and-semicolon": 'filename="100%; x=1.pdf"',
}


@pytest.mark.parametrize("parameter", HOSTILE_FILENAMES.values(), ids=HOSTILE_FILENAMES.keys())
def test_content_disposition_is_safe_for_hostile_filenames(
    inbox: Inbox, tmp_path: Path, parameter: str
) -> None:
    message_id = import_one(inbox, "Acme", tmp_path, with_raw_filename("<h@x.example>", parameter))
    [part] = inbox.message("Acme", message_id).attachments
    got = inbox.attachment("Acme", message_id, part.id)
    assert_safe_disposition(got.content_disposition, got.filename)
    assert got.data == b"%PDF-1.4\n"


def assert_safe_disposition(header: str, filename: str) -> None:
    """`header` is one line of `attachment; filename="…"; filename*=UTF-8''…`, whose ASCII
    name has nothing to break out of its quotes and whose UTF-8 name is `filename`."""
    assert header.isprintable() and header.isascii()
    kind, fallback, encoded = header.split("; ")
    assert kind == "attachment"
    assert fallback.startswith('filename="') and fallback.endswith('"')
    inner = fallback[len('filename="') : -1]
    assert inner and not set(inner) & set('"\\/%;') and not inner.startswith(".")
    assert encoded.startswith("filename*=UTF-8''")
    assert unquote(encoded[len("filename*=UTF-8''") :], errors="strict") == filename
    assert filename.isprintable() and not set(filename) & set("/\\")
    assert 0 < len(filename) <= MAX_DOWNLOAD_NAME and filename not in {".", ".."}


@pytest.mark.parametrize(
    "raw",
    ["a\r\nSet-Cookie: x.pdf", 'q"u"o\\te.pdf', "../../x", "C:\\dir\\..\\x.exe", "\x00\x7f",
     "  ..  ", "é" * 500 + ".docx", "x." + "y" * 400, "name\u2028line\u202e.txt", ""],
)  # fmt: skip
def test_a_stored_name_of_any_kind_makes_a_safe_header(raw: str) -> None:
    """What the database holds need not have passed our parser (an outgoing message, an
    older version): the download name is made safe again."""
    name = download_name(raw)
    assert_safe_disposition(content_disposition(name), name)


def test_long_names_keep_their_extension_and_non_ascii_has_an_ascii_fallback() -> None:
    assert download_name("é" * 500 + ".docx") == "é" * (MAX_DOWNLOAD_NAME - 5) + ".docx"
    assert content_disposition("Relevé d'août.pdf") == (
        'attachment; filename="Releve d\'aout.pdf"; '
        "filename*=UTF-8''Relev%C3%A9%20d%27ao%C3%BBt.pdf"
    )
    assert content_disposition("日本語.pdf").startswith('attachment; filename="attachment.pdf"')


@pytest.mark.parametrize(
    ("stored", "served"),
    [
        ("application/pdf", "application/pdf"),
        ("IMAGE/PNG", "image/png"),
        ("text/plain", "text/plain"),
        ("text/calendar", "text/calendar"),
        ("text/html", OCTET_STREAM),
        ("image/svg+xml", OCTET_STREAM),
        ("application/xhtml+xml", OCTET_STREAM),
        ("text/xml", OCTET_STREAM),
        ("application/javascript", OCTET_STREAM),
        ("text/css", OCTET_STREAM),
        ("application/x-shockwave-flash", OCTET_STREAM),
        ("multipart/x-mixed-replace", OCTET_STREAM),
        ("message/rfc822", OCTET_STREAM),
        ("text/x-unknown", OCTET_STREAM),
        ("image/png\r\nX-Evil: 1", OCTET_STREAM),
        ("image/", OCTET_STREAM),
        ("garbage", OCTET_STREAM),
    ],
)
def test_active_or_malformed_content_types_are_served_as_octet_stream(
    stored: str, served: str
) -> None:
    assert served_content_type(stored) == served


def test_another_companys_message_is_not_found_as_an_unknown_one(
    inbox: Inbox, imported: Imported
) -> None:
    unknown = imported.theirs + 10_000
    for message_id in (imported.theirs, unknown, 0, -1, 2**63):
        with pytest.raises(NotFound, match=f"^no message {message_id} in this company$"):
            inbox.message("Acme", message_id)
    assert inbox.message("Globex", imported.theirs).subject == "Invoice attached"


def test_an_attachment_of_another_message_or_company_is_not_found_as_an_unknown_one(
    inbox: Inbox, imported: Imported
) -> None:
    ours = inbox.message("Acme", imported.html).attachments[1]
    theirs = inbox.message("Globex", imported.theirs).attachments[1]
    for message_id, attachment_id in [
        (imported.theirs, theirs.id),  # Globex's message and attachment
        (imported.html, theirs.id),  # Globex's attachment under our message
        (imported.theirs, ours.id),  # our attachment under Globex's message
        (imported.plain, ours.id),  # our attachment under our other message
        (imported.html, theirs.id + 10_000),
        (imported.html, 2**40),
    ]:
        expected = f"^no attachment {attachment_id} of message {message_id} in this company$"
        with pytest.raises(NotFound, match=expected):
            inbox.attachment("Acme", message_id, attachment_id)
    assert inbox.attachment("Globex", imported.theirs, theirs.id).data == PDF
