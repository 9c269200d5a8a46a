from __future__ import annotations

import base64

from inboxsync.mail.body import MAX_ATTACHMENTS, MAX_DEPTH, MAX_TEXT_CHARS
from inboxsync.mail.parse import parse_message
from inboxsync.mail.types import ParsedMessage

HEAD = (
    "From: a@x.example\nTo: b@y.example\nSubject: Test\nMessage-ID: <t@x.example>\n"
    "MIME-Version: 1.0\n"
)


def _multipart(kind: str, *parts: str, boundary: str = "BOUNDARY") -> str:
    body = "".join(f"--{boundary}\n{part}\n" for part in parts)
    return f'Content-Type: multipart/{kind}; boundary="{boundary}"\n\n{body}--{boundary}--\n'


def _parse(mime: str) -> ParsedMessage:
    return parse_message((HEAD + mime).encode())


def test_plain_text_message_gives_its_text() -> None:
    message = parse_message(
        (HEAD + "Content-Type: text/plain; charset=utf-8\n\nHello\r\nWorld\n").encode()
    )
    assert message.text == "Hello\nWorld\n"
    assert message.html is None
    assert message.attachments == ()


def test_alternative_takes_text_from_plain_and_keeps_html() -> None:
    message = parse_message(
        (
            HEAD
            + _multipart(
                "alternative",
                "Content-Type: text/plain\n\nplain version",
                "Content-Type: text/html\n\n<p>html <b>version</b></p>",
            )
        ).encode()
    )
    assert message.text.strip() == "plain version"
    assert message.html is not None and "<b>version</b>" in message.html
    assert message.attachments == ()


def test_html_only_message_gives_text_from_html() -> None:
    raw = HEAD + "Content-Type: text/html; charset=utf-8\n\n<html><body><p>Bonjour&nbsp;à tous</p>"
    message = parse_message(raw.encode())
    assert message.text == "Bonjour à tous"
    assert message.html is not None


def test_text_attachment_is_not_the_body() -> None:
    message = parse_message(
        (
            HEAD
            + _multipart(
                "mixed",
                "Content-Type: text/plain\n\nthe body",
                'Content-Type: text/plain\nContent-Disposition: attachment; filename="log.txt"\n\n'
                "log content",
            )
        ).encode()
    )
    assert message.text.strip() == "the body"
    assert [(a.filename, a.data.strip()) for a in message.attachments] == [
        ("log.txt", b"log content")
    ]


def test_later_inline_text_parts_are_appended_to_the_text() -> None:
    message = parse_message(
        (
            HEAD
            + _multipart(
                "mixed",
                "Content-Type: text/plain\n\nthe body",
                "Content-Type: text/plain\n\n-- \nlist footer",
            )
        ).encode()
    )
    assert "the body" in message.text and "list footer" in message.text
    assert message.attachments == ()


def test_inline_image_keeps_its_content_id_without_brackets() -> None:
    png = base64.b64encode(b"\x89PNG fake").decode()
    message = parse_message(
        (
            HEAD
            + _multipart(
                "related",
                'Content-Type: text/html\n\n<img src="cid:logo@x.example">',
                "Content-Type: image/png\nContent-Transfer-Encoding: base64\n"
                f"Content-ID: < logo@x.example >\nContent-Disposition: inline\n\n{png}",
            )
        ).encode()
    )
    (image,) = message.attachments
    assert image.content_id == "logo@x.example"
    assert image.is_inline
    assert image.data == b"\x89PNG fake"
    assert image.filename == "attachment-1.png"
    assert image.content_type == "image/png"


def test_content_id_without_disposition_is_inline() -> None:
    message = _parse(
        _multipart("related", "Content-Type: text/html\n\nx", "Content-Type: image/gif\n"
                   "Content-ID: <g@x>\n\nGIF89a")
    )  # fmt: skip
    assert message.attachments[0].is_inline


def test_attachment_disposition_wins_over_content_id() -> None:
    message = _parse(
        _multipart("mixed", "Content-Type: text/plain\n\nx", "Content-Type: image/gif\n"
                   "Content-ID: <g@x>\nContent-Disposition: attachment\n\nGIF89a")
    )  # fmt: skip
    assert not message.attachments[0].is_inline


def test_rfc2231_and_rfc2047_filenames_are_decoded() -> None:
    message = _parse(
        _multipart(
            "mixed",
            "Content-Type: text/plain\n\nx",
            "Content-Type: application/pdf\n"
            "Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf\n\n%PDF",
            'Content-Type: application/pdf; name="=?utf-8?B?0L7RgtGH0ZHRgi5wZGY=?="\n'
            "Content-Disposition: attachment\n\n%PDF",
        )
    )
    names = [a.filename for a in message.attachments]
    assert names == ["résumé.pdf", "отчёт.pdf"]


def test_filename_path_tricks_are_neutralized() -> None:
    message = _parse(
        _multipart(
            "mixed",
            "Content-Type: text/plain\n\nx",
            "Content-Type: application/octet-stream\nContent-Disposition: attachment; "
            'filename="../../../home/user/.bashrc"\n\ndata',
            "Content-Type: application/octet-stream\nContent-Disposition: attachment; "
            'filename="..\\\\..\\\\evil.exe"\n\ndata',
            "Content-Type: application/octet-stream\nContent-Disposition: attachment; "
            'filename=".."\n\ndata',
        )
    )
    names = [a.filename for a in message.attachments]
    assert names == ["bashrc", "evil.exe", "attachment-3.bin"]


def test_repeated_filenames_are_numbered() -> None:
    part = "Content-Type: text/csv\nContent-Disposition: attachment; filename=data.csv\n\n1,2"
    message = _parse(_multipart("mixed", "Content-Type: text/plain\n\nx", part, part))
    names = [a.filename for a in message.attachments]
    assert names == ["data.csv", "data (2).csv"]


def test_embedded_message_is_one_attachment_named_after_its_subject() -> None:
    inner = "From: c@z.example\nSubject: Original question\n\nInner body\n"
    message = _parse(
        _multipart("mixed", "Content-Type: text/plain\n\nsee below",
                   f"Content-Type: message/rfc822\n\n{inner}")
    )  # fmt: skip
    (attachment,) = message.attachments
    assert attachment.content_type == "message/rfc822"
    assert attachment.filename == "Original question.eml"
    assert b"Inner body" in attachment.data
    assert message.text.strip() == "see below"


def test_an_embedded_message_keeps_its_headers_bytes_as_read() -> None:
    # Not refolded (slow on a crafted 1 MB header), nor 8-bit bytes turned into encoded words.
    inner = (
        "From: Céline <c@z.example>\nSubject: a subject folded\n by its sender\n"
        "X-Long: " + "word " * 40 + "\n\nInner body\n"
    )
    message = _parse(_multipart("mixed", "Content-Type: text/plain\n\nx",
                                f"Content-Type: message/rfc822\n\n{inner}"))  # fmt: skip
    (attachment,) = message.attachments
    assert attachment.data.rstrip(b"\n") == inner.encode().rstrip(b"\n")
    assert attachment.filename == "a subject folded by its sender.eml"


def test_multipart_without_boundary_is_read_as_text() -> None:
    message = _parse("Content-Type: multipart/mixed\n\nJust text after all\n")
    assert message.text.strip() == "Just text after all"
    assert "NoBoundaryInMultipartDefect" in message.defects


def test_missing_close_boundary_is_a_defect_not_an_error() -> None:
    raw = (
        HEAD + 'Content-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\nhi'
    )
    message = parse_message(raw.encode())
    assert message.text.strip() == "hi"
    assert "CloseBoundaryNotFoundDefect" in message.defects


def test_huge_text_is_capped() -> None:
    raw = HEAD + "Content-Type: text/plain\n\n" + ("x" * 99 + "\n") * (MAX_TEXT_CHARS // 50)
    message = parse_message(raw.encode())
    assert len(message.text) == MAX_TEXT_CHARS
    assert "TextTruncated" in message.defects


def test_deeply_nested_multiparts_are_cut_off_without_error() -> None:
    mime = "Content-Type: text/plain\n\ndeepest"
    for level in range(MAX_DEPTH + 10):
        mime = _multipart("mixed", mime, boundary=f"b{level}")
    message = _parse(mime)
    assert "NestingTooDeep" in message.defects


def test_attachment_count_is_capped() -> None:
    part = "Content-Type: application/octet-stream\nContent-Disposition: attachment\n\nx"
    message = _parse(_multipart("mixed", *[part] * (MAX_ATTACHMENTS + 5)))
    assert len(message.attachments) == MAX_ATTACHMENTS
    assert "AttachmentLimitExceeded" in message.defects


def test_koi8r_body_is_decoded() -> None:
    raw = (HEAD + "Content-Type: text/plain; charset=koi8-r\n\n").encode() + "Привет".encode(
        "koi8-r"
    )
    assert parse_message(raw).text == "Привет"


def test_gb2312_body_with_gbk_characters_is_decoded() -> None:
    raw = (HEAD + "Content-Type: text/plain; charset=gb2312\n\n").encode() + "朱镕基你好".encode(
        "gbk"
    )
    assert parse_message(raw).text == "朱镕基你好"


def test_iso_2022_jp_body_without_charset_is_decoded() -> None:
    raw = (HEAD + "Content-Type: text/plain\n\n").encode() + "お世話になっております".encode(
        "iso2022_jp"
    )
    assert parse_message(raw).text == "お世話になっております"


def test_body_lying_about_its_charset_is_still_readable() -> None:
    raw = (HEAD + "Content-Type: text/plain; charset=utf-8\n\n").encode() + "Déjà vu".encode(
        "cp1252"
    )
    assert parse_message(raw).text == "Déjà vu"


def test_quoted_printable_and_base64_bodies_are_decoded() -> None:
    text_part = HEAD + "Content-Type: text/plain; charset=utf-8\n"
    qp = text_part + "Content-Transfer-Encoding: quoted-printable\n\nCaf=C3=A9 =\nol=C3=A9"
    b64 = (
        text_part
        + "Content-Transfer-Encoding: base64\n\n"
        + base64.b64encode("Ça va".encode()).decode()
    )
    assert parse_message(qp.encode()).text == "Café olé"
    assert parse_message(b64.encode()).text == "Ça va"


def test_embedded_broken_multipart_with_8bit_bytes_is_still_an_attachment() -> None:
    # Found by fuzzing: the bytes generator raised UnicodeEncodeError re-serializing this.
    raw = (
        b"From: a@x.example\nContent-Type: message/rfc822\n\n"
        b"Content-Type: multipart/mixed; boundary=b\n\r"
        b"From: <>\n\rbody \xe4\xb8 bytes\n"
    )
    message = parse_message(raw)
    assert [a.content_type for a in message.attachments] == ["message/rfc822"]
    assert b"\xe4\xb8" in message.attachments[0].data
    assert not any(d.startswith("UnreadablePart") for d in message.defects)


def test_parameters_of_an_overlong_content_type_are_read_from_its_start() -> None:
    junk = b'; a="b;c"' * 5_000
    raw = HEAD.encode() + b"Content-Type: text/plain; charset=koi8-r" + junk + b"\n\n\xf0\xd2\xc9"
    assert parse_message(raw).text == "\u041f\u0440\u0438"


def test_filename_of_an_overlong_disposition_is_read_from_its_start() -> None:
    junk = "; x=y" * 5_000
    message = _parse(
        _multipart(
            "mixed",
            "Content-Type: application/pdf\n"
            f'Content-Disposition: attachment; filename="a.pdf"{junk}\n\nAAAA',
        )
    )
    assert [a.filename for a in message.attachments] == ["a.pdf"]
