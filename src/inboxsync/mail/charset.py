"""Turn mail bytes and header values into text, whatever charset they claim (or lie about)."""

from __future__ import annotations

import binascii
import codecs
import re
from email.header import Header, decode_header

# Labels mail clients write that Python does not know, or knows as a narrower charset than the
# one actually sent (Outlook labels GBK as gb2312, Korean cp949 as ks_c_5601-1987, ...).
_ALIASES = {
    "gb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "csgb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "chinese": "gb18030",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601-1989": "cp949",
    "ks_c_5601": "cp949",
    "ksc5601": "cp949",
    "ksc_5601": "cp949",
    "euc-kr": "cp949",
    "korean": "cp949",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "iso-2022-jp": "iso2022_jp_ext",
    "iso-2022-jp-ms": "iso2022_jp_ext",
    "csiso2022jp": "iso2022_jp_ext",
    "cp50220": "iso2022_jp_ext",
    "cp50221": "iso2022_jp_ext",
    "cp50222": "iso2022_jp_ext",
    "iso-8859-8-i": "iso8859_8",
    "iso-8859-6-i": "iso8859_6",
    "x-mac-roman": "mac_roman",
    "macintosh": "mac_roman",
    "tis-620": "cp874",
    "utf8": "utf-8",
}
# Labels that carry no information: decode as if nothing were declared.
_NO_CHARSET = frozenset(
    {"unknown-8bit", "x-unknown", "unknown", "x-user-defined", "default", "charset", "none", ""}
)
# Codecs that are not charsets; a hostile label must not pick them.
_REFUSED = frozenset(
    {"unicode-escape", "raw-unicode-escape", "idna", "punycode", "undefined", "mbcs", "oem"}
)
# Labels for which bytes that happen to be valid UTF-8 are more likely UTF-8 than the label.
_LATIN_FAMILY = frozenset({"ascii", "iso8859-1", "cp1252", "iso8859-15"})
# Codecs that give 7-bit bytes a meaning other than ASCII.
_ASCII_REDEFINING = ("iso2022", "utf-7", "utf-16", "utf-32", "hz")
_JAPANESE_FALLBACKS = ("iso2022_jp_ext", "iso2022_jp_2", "iso2022_jp_2004", "iso2022_jp_3")

_WINDOWS_LABEL = re.compile(r"^(?:x-)?(?:windows|win|cp|ms)[-_]?(\d{3,4})$")
_ISO_2022_JP_ESCAPE = re.compile(rb"\x1b(?:\$[@B]|\$\(D|\([BJI])")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([qQbB])\?([^?]*?)\?=")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WHITESPACE = re.compile(r"\s+")


def codec_for(declared: str | None) -> str | None:
    """Return the Python codec name for a declared charset label, or None to ignore the label."""
    if declared is None:
        return None
    label = declared.strip().strip("\"'").strip().lower()
    if label in _NO_CHARSET:
        return None
    label = _ALIASES.get(label, label)
    windows = _WINDOWS_LABEL.match(label)
    if windows:
        label = _ALIASES.get(f"cp{windows.group(1)}", f"cp{windows.group(1)}")
    try:
        name = codecs.lookup(label).name
    except (LookupError, ValueError):
        return None
    if name in _REFUSED:
        return None
    if name in {"iso2022_jp", "iso2022_jp_1"}:
        return "iso2022_jp_ext"
    return name


def _try_decode(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeError, LookupError):
        return None


def _clean(text: str) -> str:
    # PostgreSQL text cannot hold NUL; lone surrogates (utf-7/utf-16 tricks) cannot be encoded.
    if "\x00" in text:
        text = text.replace("\x00", "")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def _decode_japanese(data: bytes) -> str:
    for codec in _JAPANESE_FALLBACKS:
        text = _try_decode(data, codec)
        if text is not None:
            return text
    return data.decode("iso2022_jp_2", "replace")


def decode_bytes(data: bytes, declared: str | None) -> str:
    """Decode `data` to text: declared charset, then UTF-8, then cp1252, then Latin-1.

    Never raises. ISO-2022-JP is recognized by its escape sequences whatever the label says,
    and valid UTF-8 wins over a Latin-1/cp1252/ASCII label.
    """
    codec = codec_for(declared)
    if codec is not None and codec.startswith("iso2022_jp"):
        return _clean(_decode_japanese(data))
    if data.isascii() and (codec is None or not codec.startswith(_ASCII_REDEFINING)):
        if _ISO_2022_JP_ESCAPE.search(data):
            return _clean(_decode_japanese(data))
        if b"\x00" not in data:
            # Every remaining label reads 7-bit bytes as plain ASCII.
            return data.decode("ascii")
    if codec is not None and codec not in _LATIN_FAMILY:
        text = _try_decode(data, codec)
        if text is not None:
            return _clean(text)
    text = _try_decode(data, "utf-8")
    if text is None and codec == "iso8859-15":
        text = _try_decode(data, codec)
    if text is None:
        # Mail labelled Latin-1 or ASCII is in practice cp1252 (curly quotes at 0x91-0x94).
        text = _try_decode(data, "cp1252")
    if text is None:
        text = data.decode("latin-1")
    return _clean(text)


def _decode_word(encoding: str, payload: str) -> bytes | None:
    try:
        if encoding in "qQ":
            return binascii.a2b_qp(payload.encode("ascii"), header=True)
        padded = payload + "=" * (-len(payload) % 4)
        data = binascii.a2b_base64(padded.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None
    # Non-strict base64 skips junk characters; a word that was nothing but junk stays as text.
    return data if data or not payload.strip("=") else None


def _decode_encoded_words(text: str) -> str:
    # Hand-rolled instead of email.header.decode_header: that one turns unencoded non-ASCII text
    # into raw-unicode-escape bytes and gives up on the whole value at one bad base64 word.
    pieces: list[str] = []
    pending: bytearray = bytearray()
    pending_charset: str | None = None
    position = 0
    last_was_word = False

    def flush() -> None:
        nonlocal pending_charset
        if pending_charset is not None:
            pieces.append(decode_bytes(bytes(pending), pending_charset))
            pending.clear()
            pending_charset = None

    for match in _ENCODED_WORD.finditer(text):
        between = text[position : match.start()]
        charset = match.group(1).split("*", 1)[0]
        data = _decode_word(match.group(2), match.group(3))
        if data is None:
            flush()
            pieces.append(text[position : match.end()])
            position = match.end()
            last_was_word = False
            continue
        # RFC 2047: whitespace between two encoded words is not part of the text.
        if between and not (last_was_word and between.isspace()):
            flush()
            pieces.append(between)
        # Adjacent words in one charset are joined first: clients split multi-byte characters.
        if pending_charset is not None and pending_charset.lower() != charset.lower():
            flush()
        pending_charset = charset
        pending.extend(data)
        position = match.end()
        last_was_word = True
    flush()
    pieces.append(text[position:])
    return "".join(pieces)


def _header_to_str(raw: Header) -> str:
    parts: list[str] = []
    for chunk, charset in decode_header(raw):
        if isinstance(chunk, bytes):
            parts.append(decode_bytes(chunk, charset))
        else:
            parts.append(chunk)
    return "".join(parts)


def _unescape_8bit(raw: str) -> str:
    # compat32 hands raw 8-bit header bytes over as surrogate escapes: recover them and decode.
    try:
        data = raw.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        data = raw.encode("utf-8", "replace")
    return decode_bytes(data, None)


def decode_header_value(raw: str | Header) -> str:
    """Return a header value as display text: RFC 2047 words and raw 8-bit bytes decoded.

    Line folding and whitespace runs become single spaces; control characters are dropped.
    Never raises.
    """
    text = _header_to_str(raw) if isinstance(raw, Header) else raw
    if not text.isascii():
        text = _unescape_8bit(text)
    # Unfolding: a line break and the blank after it read as one space (runs collapse below).
    text = _LINE_BREAK.sub(" ", text)
    if "=?" in text:
        text = _decode_encoded_words(text)
    text = _CONTROL.sub("", text)
    return _WHITESPACE.sub(" ", text).strip()
