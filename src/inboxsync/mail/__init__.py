"""Pure mail parsing: raw RFC 5322 bytes in, plain values out (no I/O, no database)."""

from inboxsync.mail.addresses import parse_addresses
from inboxsync.mail.charset import decode_bytes, decode_header_value
from inboxsync.mail.headers import peek_key, split_raw
from inboxsync.mail.html import html_to_text
from inboxsync.mail.message_id import normalize_message_id, parse_id_list, synthetic_key
from inboxsync.mail.notifications import PERSON_RULES, RULES, classify_headers
from inboxsync.mail.parse import parse_message
from inboxsync.mail.subject import is_generic_subject, normalize_subject
from inboxsync.mail.types import Address, AttachmentPart, ParsedMessage, Verdict, VerdictKind

__all__ = [
    "PERSON_RULES",
    "RULES",
    "Address",
    "AttachmentPart",
    "ParsedMessage",
    "Verdict",
    "VerdictKind",
    "classify_headers",
    "decode_bytes",
    "decode_header_value",
    "html_to_text",
    "is_generic_subject",
    "normalize_message_id",
    "normalize_subject",
    "parse_addresses",
    "parse_id_list",
    "parse_message",
    "peek_key",
    "split_raw",
    "synthetic_key",
]
