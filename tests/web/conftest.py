"""The web page in a real browser: Debian's Chromium driven by Playwright (never a browser
Playwright downloads), one browser per run, a fresh context per test that records every
request the page makes."""

from __future__ import annotations

import os
import re
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

from inboxsync import Inbox
from inboxsync.demo import SAMPLE_COMPANIES
from inboxsync.demo.run import run_demo
from inboxsync.jobs import close_queues
from tests.server.conftest import settings_for
from tests.support.http import api_server
from tests.support.postgres import TEST_SERVER

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


def form_token(page: httpx.Response) -> str:
    """The CSRF token of a page's forms."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def post_sign_in(
    client: httpx.Client, email: str, password: str, next_path: str = "/inbox"
) -> httpx.Response:
    """Sign `client` in through the sign-in form (without a browser)."""
    token = form_token(client.get("/login"))
    form = {"email": email, "password": password, "csrf_token": token, "next": next_path}
    return client.post("/login", data=form)


PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class WebWorld:
    """The demo's two companies served on loopback, with an admin and an agent in the first
    and an admin in the second (every password is PASSWORD)."""

    url: str
    inbox: Inbox
    companies: tuple[str, str]  # the first is "ours", the second "theirs"
    admin: str  # the first company's admin
    agent: str  # the first company's agent
    their_admin: str  # the second company's admin


class DemoTemplates:
    """The demo imported once per database kind, with the users added; each test gets a copy
    (a file copy on SQLite, CREATE DATABASE … TEMPLATE on PostgreSQL)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.templates: dict[str, str] = {}

    def copy(self, kind: str) -> str:
        """The URL of a fresh copy of the `kind` template (built on first use)."""
        if kind not in self.templates:
            self.templates[kind] = self._build(kind)
        if kind == "sqlite":
            path = self.root / f"test-{uuid.uuid4().hex[:8]}.db"
            with sqlite3.connect(self.templates[kind]) as source, sqlite3.connect(path) as copy:
                source.backup(copy)
            return f"sqlite:///{path}"
        return TEST_SERVER.url(TEST_SERVER.create("inboxsync_t", template=self.templates[kind]))

    def drop(self) -> None:
        """Drop the PostgreSQL template."""
        if "postgresql" in self.templates:
            TEST_SERVER.drop(self.templates["postgresql"])

    def _build(self, kind: str) -> str:
        if kind == "sqlite":
            made = str(self.root / "demo-template.db")
            url = f"sqlite:///{made}"
        else:
            made = TEST_SERVER.create("inboxsync_demo_tpl")
            url = TEST_SERVER.url(made)
        run_demo(self.root / f"demo-{kind}", settings_for(url))
        inbox = Inbox(settings_for(url))
        ours, theirs = (company.name for company in SAMPLE_COMPANIES)
        inbox.add_user(ours, "admin@ours.example", PASSWORD, admin=True)
        inbox.add_user(ours, "agent@ours.example", PASSWORD)
        inbox.add_user(theirs, "admin@theirs.example", PASSWORD, admin=True)
        close_queues()
        inbox.close()
        return made


@pytest.fixture(scope="session")
def demo_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoTemplates]:
    templates = DemoTemplates(tmp_path_factory.mktemp("web-demo"))
    yield templates
    templates.drop()


@pytest.fixture(params=["sqlite", "postgresql"])
def demo_db_url(request: pytest.FixtureRequest, demo_templates: DemoTemplates) -> Iterator[str]:
    """A fresh copy of the demo's database with the users: once on SQLite, once on
    PostgreSQL."""
    url = demo_templates.copy(request.param)
    yield url
    if request.param == "postgresql":
        TEST_SERVER.drop(url.rsplit("/", 1)[1])


@pytest.fixture
def web_world(demo_db_url: str) -> Iterator[WebWorld]:
    """The demo's database with its users, served on loopback."""
    settings = settings_for(demo_db_url)
    inbox = Inbox(settings)
    ours, theirs = (company.name for company in SAMPLE_COMPANIES)
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
