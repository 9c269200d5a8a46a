from __future__ import annotations

from email.header import Header

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inboxsync.mail.charset import codec_for, decode_bytes, decode_header_value


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("gb2312", "gb18030"),
        ("GBK", "gb18030"),
        ("ks_c_5601-1987", "cp949"),
        ("euc-kr", "cp949"),
        ("iso-2022-jp", "iso2022_jp_ext"),
        ("Shift_JIS", "cp932"),
        ("windows-1251", "cp1251"),
        ("win-1252", "cp1252"),
        ("x-cp1250", "cp1250"),
        ('"utf-8"', "utf-8"),
        ("koi8-r", "koi8-r"),
        ("big5", "big5hkscs"),
        ("unknown-8bit", None),
        ("x-unknown", None),
        ("no-such-charset", None),
        ("base64", "base64"),
        ("unicode_escape", None),
        (None, None),
    ],
)
def test_charset_labels_map_to_python_codecs(label: str | None, codec: str | None) -> None:
    assert codec_for(label) == codec


def test_declared_charset_is_used() -> None:
    assert decode_bytes("Привет, мир".encode("koi8-r"), "koi8-r") == "Привет, мир"
    assert decode_bytes("Grüße".encode("iso-8859-15"), "iso-8859-15") == "Grüße"


def test_gb2312_label_decodes_gbk_only_characters() -> None:
    # Outlook labels GBK as gb2312; 镕 is in GBK but not in GB2312.
    data = "朱镕基".encode("gbk")
    assert decode_bytes(data, "gb2312") == "朱镕基"


def test_ks_c_5601_label_decodes_korean() -> None:
    assert decode_bytes("안녕하세요".encode("cp949"), "ks_c_5601-1987") == "안녕하세요"


def test_iso_2022_jp_is_decoded_when_declared() -> None:
    assert decode_bytes("日本語のメール".encode("iso2022_jp"), "ISO-2022-JP") == "日本語のメール"


def test_iso_2022_jp_is_detected_without_a_charset() -> None:
    assert decode_bytes("こんにちは".encode("iso2022_jp"), None) == "こんにちは"


def test_iso_2022_jp_is_detected_behind_an_ascii_label() -> None:
    assert decode_bytes("テスト".encode("iso2022_jp"), "us-ascii") == "テスト"


def test_utf8_body_lying_as_latin1_is_read_as_utf8() -> None:
    assert decode_bytes("café déjà vu".encode(), "iso-8859-1") == "café déjà vu"


def test_cp1252_body_lying_as_utf8_falls_back_to_cp1252() -> None:
    data = "l’été “chaud”".encode("cp1252")
    assert decode_bytes(data, "utf-8") == "l’été “chaud”"


def test_latin1_label_reads_curly_quotes_as_cp1252() -> None:
    assert decode_bytes(b"it\x92s", "iso-8859-1") == "it’s"


def test_unknown_8bit_label_is_ignored() -> None:
    assert decode_bytes("naïve".encode(), "unknown-8bit") == "naïve"


def test_bytes_undecodable_everywhere_fall_back_to_latin1() -> None:
    assert decode_bytes(b"\x81\x8d\x8f", None) == "\x81\x8d\x8f"


def test_nul_characters_are_removed() -> None:
    assert decode_bytes(b"a\x00b", "utf-8") == "ab"


LABELS = [None, "utf-8", "gb2312", "iso-2022-jp", "utf-7", "utf-16", "koi8-r", "x-unknown",
          "latin1", "bogus", "base64"]  # fmt: skip


@given(st.binary(), st.sampled_from(LABELS))
def test_decode_bytes_never_raises_and_returns_encodable_text(
    data: bytes, label: str | None
) -> None:
    text = decode_bytes(data, label)
    assert "\x00" not in text
    text.encode("utf-8")


def test_rfc2047_words_are_decoded() -> None:
    assert decode_header_value("=?utf-8?q?Caf=C3=A9_cr=C3=A8me?=") == "Café crème"
    assert decode_header_value("=?ISO-8859-1?B?SvZyZw==?= Smith") == "Jörg Smith"


def test_whitespace_between_encoded_words_is_dropped() -> None:
    assert decode_header_value("=?utf-8?q?a?= =?utf-8?q?b?=\r\n =?utf-8?q?c?=") == "abc"


def test_multibyte_character_split_across_encoded_words_is_joined() -> None:
    # "中" is E4 B8 AD in UTF-8; some clients cut it across two encoded words.
    assert decode_header_value("=?utf-8?B?5Lg=?= =?utf-8?B?rQ==?=") == "中"


def test_encoded_words_in_different_charsets_are_decoded_separately() -> None:
    value = "=?koi8-r?B?8NLJ18XU?= =?iso-2022-jp?B?GyRCRnxLXDhsGyhC?="
    assert decode_header_value(value) == "Привет日本語"


def test_encoded_word_with_language_tag_and_missing_padding() -> None:
    assert decode_header_value("=?UTF-8*en?B?SGVsbG8?=") == "Hello"


def test_broken_encoded_word_is_kept_as_text() -> None:
    assert decode_header_value("=?utf-8?B?####?= x") == "=?utf-8?B?####?= x"


def test_gb2312_encoded_word_decodes_gbk() -> None:
    encoded = Header("朱镕基", "gbk").encode().replace("gbk", "gb2312")
    assert decode_header_value(encoded) == "朱镕基"


def test_raw_8bit_header_bytes_are_decoded() -> None:
    # compat32 hands raw header bytes over as surrogate escapes.
    utf8 = "Grüße aus Köln".encode().decode("ascii", "surrogateescape")
    latin1 = "Grüße".encode("latin-1").decode("ascii", "surrogateescape")
    assert decode_header_value(utf8) == "Grüße aus Köln"
    assert decode_header_value(latin1) == "Grüße"


def test_header_objects_are_accepted() -> None:
    assert decode_header_value(Header("Привет", "koi8-r")) == "Привет"


def test_folding_and_whitespace_runs_collapse() -> None:
    assert decode_header_value("  a long\r\n\t subject   here ") == "a long subject here"


def test_control_characters_are_dropped_from_headers() -> None:
    assert decode_header_value("a\x00b\x1bc") == "abc"


@given(st.text())
def test_decode_header_value_never_raises(value: str) -> None:
    decoded = decode_header_value(value)
    assert decoded == decoded.strip()
    decoded.encode("utf-8")
