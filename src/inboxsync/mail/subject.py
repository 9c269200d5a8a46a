"""Subject normalization for threading: reply/forward prefixes and list tags removed."""

from __future__ import annotations

import re
import unicodedata

# Reply and forward prefixes as mail clients write them, by language. Each counts only when a
# colon follows, so "I need help" or "Re-booking" stay whole.
_PREFIX_WORDS = (
    "re", "fw", "fwd",  # English, and most clients whatever their language
    "ré", "réf", "ref", "tr",  # French
    "aw", "wg", "antwort",  # German
    "rv", "res",  # Spanish
    "r", "i", "rif",  # Italian
    "antw", "doorst",  # Dutch
    "sv", "vs", "vb", "vl",  # Swedish, Danish, Norwegian, Finnish
    "odp", "pd",  # Polish
    "ynt", "ilt", "i\u0307lt",  # Turkish ("İlt" casefolds to i + combining dot)
    "enc",  # Portuguese
    "vá", "απ", "σχετ", "πρθ",  # Hungarian, Greek
    "回复", "回覆", "答复", "答覆", "转发", "轉寄", "轉發",  # Chinese
)  # fmt: skip
_COUNTER = r"(?:\s*(?:\[\d{1,4}\]|\(\d{1,4}\)|\^\d{1,4}))?"
_PREFIX = re.compile(
    r"(?:" + "|".join(sorted(map(re.escape, set(_PREFIX_WORDS)), key=len, reverse=True)) + r")"
    + _COUNTER
    + r"\s*[:：]\s*",
    re.IGNORECASE,
)  # fmt: skip
# "[Linux-raid] Re: [PATCH v2] md: fix" threads with "md: fix": every leading tag goes, list
# names and patch markers alike, because both differ between copies of one conversation.
_TAG = re.compile(r"\[[^\[\]]{0,80}\]\s*")
_FWD_SUFFIX = re.compile(r"\s*\((?:fwd|fw)\)$", re.IGNORECASE)
# The longest text _FWD_SUFFIX matches once whitespace runs are single spaces: " (fwd)".
_FWD_SUFFIX_CHARS = 6
_WHITESPACE = re.compile(r"\s+")
_MAX_PASSES = 4

# Subjects that say nothing about the conversation, compared after normalization without
# punctuation.
_GENERIC = frozenset(
    {
        "hello", "hello there", "hi", "hi there", "hey", "hey there", "good morning",
        "good afternoon", "question", "questions", "a question", "quick question", "help",
        "help needed", "need help", "please help", "info", "information", "informations",
        "request", "inquiry", "enquiry", "contact", "message", "new message", "test",
        "testing", "urgent", "important", "fyi", "thanks", "thank you", "follow up", "followup",
        "problem", "issue", "support", "no subject", "none", "subject", "untitled",
        "bonjour", "bonsoir", "salut", "coucou", "demande", "demande d'information",
        "demande d'informations", "renseignement", "renseignements", "question urgente",
        "merci", "sans objet", "pas d'objet", "aucun objet", "sans titre", "urgente", "probleme",
        "problème", "hallo", "guten tag", "kein betreff", "ohne betreff", "frage", "anfrage",
        "dringend", "danke", "hola", "buenos dias", "buenos días", "pregunta", "consulta",
        "sin asunto", "gracias", "ciao", "buongiorno", "domanda", "richiesta",
        "senza oggetto", "grazie", "olá", "ola", "oi", "bom dia", "sem assunto", "obrigado",
        "hoi", "vraag", "geen onderwerp", "dank je", "hej", "ingen ämne", "без темы",
        "вопрос", "здравствуйте", "привет", "无主题", "無主題", "無題", "件名なし", "你好",
        "您好", "问题", "こんにちは",
    }
)  # fmt: skip
_PUNCTUATION = re.compile(r"[^\w\s']")
MIN_LENGTH = 3


def _normalize_once(subject: str) -> str:
    text = _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", subject)).strip()
    # The bounds move instead of the text being copied for each prefix, tag or suffix
    # removed, which was quadratic in their number (6 s for 16,000 "Re: ").
    start, end = 0, len(text)
    while True:
        bounds = start, end
        if prefix := _PREFIX.match(text, start, end):
            start = prefix.end()
        if tag := _TAG.match(text, start, end):
            start = tag.end()
        if suffix := _FWD_SUFFIX.search(text, max(start, end - _FWD_SUFFIX_CHARS), end):
            end = suffix.start()
        if (start, end) == bounds:
            break
    return _WHITESPACE.sub(" ", text[start:end].casefold()).strip()


def normalize_subject(subject: str) -> str:
    """Return the subject as threading compares it: prefixes and leading tags removed, casefolded.

    Strips, repeatedly, reply/forward prefixes in the usual languages (with `[n]`, `(n)`,
    `^n` counters and `:` or `：`) and leading `[...]` tags, plus a trailing `(fwd)`;
    applies NFKC, casefolds and collapses whitespace. Idempotent.
    """
    text = subject
    # Casefolding can expose a new prefix or leave text that NFKC changes again; a few passes
    # reach the fixed point that makes the function idempotent.
    for _ in range(_MAX_PASSES):
        normalized = _normalize_once(text)
        if normalized == text:
            break
        text = normalized
    return text


def is_generic_subject(norm: str) -> bool:
    """Return True when a normalized subject is too empty or bland to thread messages by."""
    core = _WHITESPACE.sub(" ", _PUNCTUATION.sub(" ", norm)).strip()
    if core in _GENERIC:
        return True
    letters = core.replace(" ", "").replace("'", "")
    if not letters:
        return True
    return len(letters) < MIN_LENGTH and letters.isascii()
