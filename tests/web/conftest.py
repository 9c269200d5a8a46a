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

from inboxsync import Inbox
from inboxsync.demo import SAMPLE_COMPANIES
from inboxsync.demo.run import run_demo
from inboxsync.jobs import close_queues
from tests.server.conftest import settings_for
from tests.support.http import api_server

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
    page.click("form[action='/login'] button[type=submit]")  # not the language form's
    page.wait_for_url(f"{base_url}/inbox**")


PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class WebWorld:
    """The demo's two companies in the test's database, served on loopback, with an admin and
    an agent in each (every password is PASSWORD)."""

    url: str
    inbox: Inbox
    companies: tuple[str, str]  # the first is "ours", the second "theirs"
    admin: str  # the first company's admin
    agent: str  # the first company's agent
    their_admin: str  # the second company's admin


@pytest.fixture
def web_world(db_url: str, tmp_path: Path) -> Iterator[WebWorld]:
    """The demo imported into the test's database, users added, the server started."""
    settings = settings_for(db_url)
    run_demo(tmp_path / "demo", settings)
    ours, theirs = (company.name for company in SAMPLE_COMPANIES)
    inbox = Inbox(settings)
    inbox.add_user(ours, "admin@ours.example", PASSWORD, admin=True)
    inbox.add_user(ours, "agent@ours.example", PASSWORD)
    inbox.add_user(theirs, "admin@theirs.example", PASSWORD, admin=True)
    try:
        with api_server(settings) as api:
            yield WebWorld(
                api.url,
                inbox,
                (ours, theirs),
                "admin@ours.example",
                "agent@ours.example",
                "admin@theirs.example",
            )
    finally:
        close_queues()
        inbox.close()
