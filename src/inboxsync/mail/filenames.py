"""Attachment filenames that are safe to write to disk, whatever the sender put in them."""

from __future__ import annotations

import re
import unicodedata

from inboxsync.mail.charset import decode_header_value

MAX_FILENAME_LENGTH = 150
_MAX_EXTENSION_LENGTH = 16
# A filename is cut to MAX_FILENAME_LENGTH anyway; reading more than this of a sender's (say a
# 1 MB subject naming a forwarded message) only costs time. Generous for encoded words.
MAX_RAW_FILENAME_CHARS = 8 * 1024

# A fixed map rather than `mimetypes`, which reads the host's mime.types files (I/O, and a
# result that differs from machine to machine).
_EXTENSIONS = {
    "application/gzip": ".gz",
    "application/json": ".json",
    "application/ms-tnef": ".dat",
    "application/msword": ".doc",
    "application/octet-stream": ".bin",
    "application/pdf": ".pdf",
    "application/pgp-encrypted": ".asc",
    "application/pgp-keys": ".asc",
    "application/pgp-signature": ".asc",
    "application/pkcs7-mime": ".p7m",
    "application/pkcs7-signature": ".p7s",
    "application/rtf": ".rtf",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.ms-powerpoint": ".ppt",
    "application/vnd.ms-tnef": ".dat",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/x-pkcs7-mime": ".p7m",
    "application/x-pkcs7-signature": ".p7s",
    "application/x-zip-compressed": ".zip",
    "application/xml": ".xml",
    "application/zip": ".zip",
    "audio/mpeg": ".mp3",
    "audio/wav": ".wav",
    "image/bmp": ".bmp",
    "image/gif": ".gif",
    "image/jpeg": ".jpg",
    "image/jpg": ".jpg",
    "image/png": ".png",
    "image/svg+xml": ".svg",
    "image/tiff": ".tif",
    "image/webp": ".webp",
    "message/delivery-status": ".txt",
    "message/disposition-notification": ".txt",
    "message/feedback-report": ".txt",
    "message/rfc822": ".eml",
    "text/calendar": ".ics",
    "text/csv": ".csv",
    "text/enriched": ".txt",
    "text/html": ".html",
    "text/plain": ".txt",
    "text/rfc822-headers": ".txt",
    "text/x-vcard": ".vcf",
    "text/vcard": ".vcf",
    "text/xml": ".xml",
    "video/mp4": ".mp4",
}
# Control characters, and format characters such as U+202E that make "invoice‮fdp.exe" show
# as "invoiceexe.pdf".
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_WINDOWS_FORBIDDEN = re.compile(r'[<>:"|?*]')
_DOTS = re.compile(r"\.{2,}")
_WHITESPACE = re.compile(r"\s+")
_WINDOWS_RESERVED = re.compile(r"^(?:con|prn|aux|nul|com\d|lpt\d)(?:\.|$)", re.IGNORECASE)


def extension_for(content_type: str) -> str:
    """Return a file extension (with its dot) for a MIME type; `.bin` when unknown."""
    return _EXTENSIONS.get(content_type.lower(), ".bin")


def _cap_length(name: str) -> str:
    if len(name) <= MAX_FILENAME_LENGTH:
        return name
    stem, dot, extension = name.rpartition(".")
    if dot and stem and len(extension) <= _MAX_EXTENSION_LENGTH:
        keep = MAX_FILENAME_LENGTH - len(extension) - 1
        return f"{stem[:keep].rstrip(' .')}.{extension}"
    return name[:MAX_FILENAME_LENGTH].rstrip(" .")


def sanitize_filename(raw: str | None) -> str:
    """Return a bare, safe filename from a sender-supplied one, or "" when nothing usable is left.

    Keeps the basename only; drops control and bidi characters, `..`, leading dots and
    Windows-forbidden characters; caps the length, keeping the extension. Only the first
    MAX_RAW_FILENAME_CHARS of `raw` are read.
    """
    if not raw:
        return ""
    name = unicodedata.normalize("NFC", decode_header_value(raw[:MAX_RAW_FILENAME_CHARS]))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in _UNSAFE_CATEGORIES)
    name = _WINDOWS_FORBIDDEN.sub("_", name)
    name = _DOTS.sub(".", _WHITESPACE.sub(" ", name))
    name = name.strip(" .")
    if _WINDOWS_RESERVED.match(name):
        name = "_" + name
    return _cap_length(name)


def attachment_filename(raw: str | None, content_type: str, index: int) -> str:
    """Return the safe filename of the `index`-th attachment, `attachment-<index><ext>` if none."""
    return sanitize_filename(raw) or f"attachment-{index}{extension_for(content_type)}"


def deduplicate(name: str, taken: set[str]) -> str:
    """Return `name`, or `name (2).ext`, `(3)`, ... so it differs from every name in `taken`.

    `taken` holds the lower-cased names already used and is updated.
    """
    candidate = name
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension) > _MAX_EXTENSION_LENGTH:
        stem, extension = name, ""
    suffix = f".{extension}" if extension else ""
    number = 1
    while candidate.lower() in taken:
        number += 1
        marker = f" ({number})"
        candidate = stem[: MAX_FILENAME_LENGTH - len(marker) - len(suffix)] + marker + suffix
    taken.add(candidate.lower())
    return candidate
