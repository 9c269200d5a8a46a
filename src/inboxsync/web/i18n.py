"""The page's words in English and French: one catalog file per area in `locales/`, merged.

A key missing from a language falls back to English, then to the key itself; the test suite
checks that every key has both languages."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from importlib import resources

from starlette.requests import Request

LANGUAGES = ("en", "fr")
DEFAULT_LANGUAGE = "en"
LANGUAGE_COOKIE = "inboxsync_lang"

Translate = Callable[..., str]


@cache
def catalogs() -> dict[str, dict[str, str]]:
    """Every area's words, by language then key."""
    merged: dict[str, dict[str, str]] = {language: {} for language in LANGUAGES}
    for entry in sorted(resources.files("inboxsync.web").joinpath("locales").iterdir(),
                        key=lambda e: e.name):  # fmt: skip
        if entry.name.endswith(".json"):
            area = json.loads(entry.read_text(encoding="utf-8"))
            for language in LANGUAGES:
                merged[language].update(area.get(language, {}))
    return merged


def translator(language: str) -> Translate:
    """`t(key, **values)`: the key's words in `language`, with `{name}` fields filled."""
    words = catalogs()
    own, fallback = words.get(language, {}), words[DEFAULT_LANGUAGE]

    def translate(key: str, **values: object) -> str:
        text = own.get(key) or fallback.get(key) or key
        return text.format(**values) if values else text

    return translate


def choose_language(request: Request) -> str:
    """The language of the page: the reader's choice (cookie), else the browser's first
    language we speak (Accept-Language), else English."""
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    for part in request.headers.get("accept-language", "")[:200].split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return DEFAULT_LANGUAGE
