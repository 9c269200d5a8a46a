"""Screenshots of every page of the web page, for docs/web.md: the demo's data, served by
`inboxsync serve`, photographed by Debian's Chromium (through Playwright) at 1280 px and, for
the agents' pages, at 390 px.

    .venv/bin/python scripts/screenshots.py            # writes docs/screenshots/*.png
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
USER, PASSWORD = "demo@atelier-lumiere.example", "inboxsync-demo"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
# (file name, path, also at phone width)
PAGES = [
    ("inbox", "/inbox", True),
    ("conversation", "{conversation}", True),
    ("mailboxes", "/admin/mailboxes", False),
    ("quarantine", "/admin/quarantine", False),
    ("folders", "/admin/folders", False),
    ("folder-edit", "{folder}", False),
    ("outbox", "/admin/outbox", False),
    ("webhooks", "/admin/webhooks", False),
    ("spend", "/admin/spend", False),
]


def main() -> None:
    inboxsync = Path(sys.executable).with_name("inboxsync")
    with tempfile.TemporaryDirectory(prefix="inboxsync-shots-") as work:
        db = f"sqlite:///{work}/demo.db"
        subprocess.run([inboxsync, "demo", "--dir", work], check=True, stdout=subprocess.DEVNULL)
        # An IMAP mailbox that never synced (the demo imports Maildirs): the health page's row.
        subprocess.run(
            [inboxsync, "--db", db, "mailbox", "add", "--company", "Atelier Lumière",
             "--imap-host", "imap.atelier-lumiere.example",
             "--user", "contact@atelier-lumiere.example", "--password-env", "ATELIER_IMAP_PW"],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        port = _free_port()
        server = subprocess.Popen(
            [inboxsync, "--db", db, "serve", "--port", str(port)],
            env={**os.environ, "INBOXSYNC_DB": db},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_for(url)
            _photograph(url)
        finally:
            server.terminate()
            server.wait(timeout=20)
    print(f"screenshots written to {OUT.relative_to(ROOT)}/")


def _photograph(url: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        page = browser.new_context(viewport=DESKTOP).new_page()  # type: ignore[arg-type]
        page.goto(f"{url}/login")
        page.screenshot(path=OUT / "login.png")
        page.fill("input[name=email]", USER)
        page.fill("input[name=password]", PASSWORD)
        page.locator("form[action='/login'] button[type=submit]").click()
        page.wait_for_url(f"{url}/inbox**")
        paths = {
            "conversation": _first_link(page, f"{url}/inbox", "a[href^='/conversations/']"),
            "folder": _first_link(page, f"{url}/admin/folders", "a[href^='/admin/folders/']"),
        }
        for name, path, phone in PAGES:
            target = path.format(**paths)
            for size, suffix in ((DESKTOP, ""), (PHONE, "-phone")) if phone else ((DESKTOP, ""),):
                page.set_viewport_size(size)  # type: ignore[arg-type]
                page.goto(url + target)
                page.wait_for_load_state("load")
                page.screenshot(path=OUT / f"{name}{suffix}.png")
        browser.close()


def _first_link(page: Page, where: str, selector: str) -> str:
    page.goto(where)
    href = page.locator(selector).first.get_attribute("href")
    if not href:
        raise RuntimeError(f"no link {selector} on {where}")
    return href


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=2).is_success:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server did not start on {url}")


if __name__ == "__main__":
    main()
