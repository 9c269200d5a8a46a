"""The web page in a real browser: Debian's Chromium driven by Playwright (never a browser
Playwright downloads), one browser per run, a fresh context per test that records every
request the page makes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

CHROMIUM = Path(os.environ.get("INBOXSYNC_TEST_CHROMIUM", "/usr/bin/chromium"))
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium for the whole run."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make services` installs Debian's chromium")
    with sync_playwright() as playwright:
        # Root (as in CI) cannot use Chromium's sandbox; the pages are our own.
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"]
        )
        yield launched
        launched.close()


@dataclass
class RequestLog:
    """Every URL the page asked for, in order."""

    urls: list[str] = field(default_factory=list)

    def record(self, route: Route) -> None:
        self.urls.append(route.request.url)
        route.continue_()

    def outside(self, origin: str) -> list[str]:
        """The requests that went anywhere but `origin` (data: URLs are not requests)."""
        return [url for url in self.urls if not url.startswith((origin + "/", "data:"))]


@pytest.fixture
def requests_made() -> RequestLog:
    return RequestLog()


@pytest.fixture
def page(browser: Browser, requests_made: RequestLog) -> Iterator[Page]:
    """A page in a fresh context (no cookies), 1280 px wide, every request recorded."""
    context = browser.new_context(viewport=DESKTOP)  # type: ignore[arg-type]
    context.route("**/*", requests_made.record)
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    yield opened
    context.close()


def sign_in(page: Page, base_url: str, email: str, password: str) -> None:
    """Sign in through the sign-in form and wait for the inbox."""
    page.goto(f"{base_url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/inbox**")
