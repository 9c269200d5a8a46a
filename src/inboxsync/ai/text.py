"""Text helpers of the AI layer: bounded snippets, normalized content hashes, token estimates."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")
_QUOTED = re.compile(r"(?m)^\s*>.*$")
# Words that try to talk to a model rather than to a person: flagged in logs, never obeyed.
INJECTION = re.compile(
    r"ignore (?:all |the )?(?:previous|prior|above) instructions|<\s*/?\s*(?:system|email|data)"
    r"|new instructions\s*:|you are now|disregard (?:the )?(?:system|previous)"
    r"|ignore(?:z)? les instructions",
    re.IGNORECASE,
)

FREEMAIL = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.fr",
        "yahoo.co.uk",
        "ymail.com",
        "hotmail.com",
        "hotmail.fr",
        "hotmail.co.uk",
        "outlook.com",
        "outlook.fr",
        "live.com",
        "live.fr",
        "msn.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "gmx.fr",
        "web.de",
        "mail.com",
        "proton.me",
        "protonmail.com",
        "pm.me",
        "zoho.com",
        "yandex.com",
        "yandex.ru",
        "mail.ru",
        "orange.fr",
        "wanadoo.fr",
        "free.fr",
        "sfr.fr",
        "laposte.net",
        "bbox.fr",
        "neuf.fr",
        "club-internet.fr",
        "libero.it",
        "tiscali.it",
        "t-online.de",
        "freenet.de",
        "seznam.cz",
        "qq.com",
        "163.com",
        "126.com",
        "naver.com",
        "fastmail.com",
        "hey.com",
        "tutanota.com",
    ]
)


def domain_of(email: str) -> str:
    """The lower-cased domain of an address ('' when there is none)."""
    return email.rpartition("@")[2].lower() if "@" in email else ""


def is_freemail(domain: str) -> bool:
    """Whether a domain hosts unrelated people (its senders never share a verdict)."""
    return domain in FREEMAIL


def clean(text: str, limit: int) -> str:
    """Plain, single-spaced text of at most `limit` characters, quoted replies dropped and
    control characters removed (so nothing in it can pass for a delimiter of our prompt)."""
    text = _QUOTED.sub(" ", text[: limit * 4])
    # Printable text holds no control character: the character loop is for the rest.
    if not text.replace("\n", "").replace("\t", "").isprintable():
        text = "".join(
            ch if unicodedata.category(ch)[0] != "C" or ch in "\n\t" else " " for ch in text
        )
    text = _SPACE.sub(" ", text).strip()
    return text[:limit]


def normalize_for_hash(text: str) -> str:
    """Lower-case text with URLs, addresses and numbers blanked: templates hash the same."""
    text = _URL.sub(" url ", text.lower())
    text = _EMAIL.sub(" email ", text)
    text = _DIGITS.sub("0", text)
    return _SPACE.sub(" ", text).strip()


def content_hash(subject: str, text: str, min_chars: int = 0) -> str:
    """sha256 of the normalized subject and start of the text (templated mail collides), or ''
    when the two hold fewer than `min_chars` normalized characters, joined by a space."""
    subject_norm, text_norm = normalize_for_hash(subject), normalize_for_hash(text[:1000])
    joined = len(subject_norm) + len(text_norm) + (1 if subject_norm and text_norm else 0)
    if joined < min_chars:
        return ""
    return hashlib.sha256(f"{subject_norm}\n{text_norm}".encode()).hexdigest()


def estimate_tokens(text: str) -> int:
    """A cheap upper-side estimate of a text's tokens (about 4 characters a token)."""
    return len(text) // 4 + 1


def looks_like_injection(text: str) -> bool:
    """Whether a text addresses a model ("ignore previous instructions"…): for logging only."""
    return INJECTION.search(text) is not None
