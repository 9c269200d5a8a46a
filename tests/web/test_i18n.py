"""The page's words: every key in English and French, every key the code names in the catalogs,
and the reader's language chosen from the browser or their choice."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import httpx

from inboxsync.web.i18n import LANGUAGES, catalogs
from tests.server.conftest import settings_for
from tests.support.http import api_server

WEB = Path(resources.files("inboxsync.web"))  # type: ignore[arg-type]
# `t("key")` in templates and code, and the refusals named by key in session.py.
_NAMED = re.compile(r"""\bt\(\s*["']([a-z][a-z0-9_.]*)["']|_refused\(request, "([a-z0-9_.]+)"\)""")


def named_keys() -> set[str]:
    """Every literal key the templates and the web code look up."""
    found: set[str] = set()
    for path in [*WEB.rglob("*.html"), *WEB.rglob("*.py")]:
        for match in _NAMED.finditer(path.read_text(encoding="utf-8")):
            found.add(match.group(1) or match.group(2))
    return found


def test_every_area_has_each_key_in_both_languages() -> None:
    for path in sorted((WEB / "locales").glob("*.json")):
        area = json.loads(path.read_text(encoding="utf-8"))
        assert set(area) == set(LANGUAGES), path.name
        english, french = (set(area[language]) for language in LANGUAGES)
        assert english == french, f"{path.name}: {sorted(english ^ french)}"
        assert all(area[lang][key].strip() for lang in LANGUAGES for key in english), path.name


def test_every_key_the_pages_name_is_in_the_catalogs() -> None:
    named = named_keys()
    assert len(named) > 100  # the scan found the pages' words
    # A key cut off at "." or "_" is the start of keys built from a value: some must exist.
    prefixes = {key for key in named if key.endswith((".", "_"))}
    for language in LANGUAGES:
        words = set(catalogs()[language])
        assert named - prefixes - words == set(), language
        assert {p for p in prefixes if not any(w.startswith(p) for w in words)} == set()


def test_the_page_speaks_the_readers_language(db_url: str) -> None:
    french, english = catalogs()["fr"]["nav.skip"], catalogs()["en"]["nav.skip"]
    with api_server(settings_for(db_url)) as api:
        with httpx.Client(base_url=api.url) as client:
            browser_fr = client.get("/login", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
            browser_de = client.get("/login", headers={"Accept-Language": "de-DE, en;q=0.5"})
        with httpx.Client(base_url=api.url, cookies={"inboxsync_lang": "en"}) as client:
            chosen = client.get("/login", headers={"Accept-Language": "fr"})
    assert french in browser_fr.text and '<html lang="fr">' in browser_fr.text
    assert english in browser_de.text and '<html lang="en">' in browser_de.text
    assert english in chosen.text
