"""Web page benchmark (issue 11): the inbox and conversation pages' server time at 100,000
conversations, and the size of the page's own JS and CSS.

    .venv/bin/python bench/web.py                       # the issue's size, both databases
    .venv/bin/python bench/web.py --db sqlite --conversations 10000 --requests 50   # quick

Per database: the API benchmark's store (bench/_api_store.py, bulk-filled straight into the
tables) with the search index rebuilt, a signed-in admin, then `inboxsync serve` in a
subprocess on loopback, and from this process one client asking for each page in turn —
the inbox (first page, pages further on by their "next" links, a folder, the notifications,
a search) and random conversations. Server time is what each answer's `Server-Timing: app`
header says (the app's time to the response's start, measured by the server itself); the
client's wall time is printed beside it. Every answer must be a 200 page. Nothing printed is
hard-coded: every figure is of this run.
"""

from __future__ import annotations

import argparse
import gzip
import html
import random
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from _api_load import percentile
from _common import fresh_database
from api import ADDRESSES, COMPANY, Bench

STATIC = Path(__file__).resolve().parents[1] / "src" / "inboxsync" / "web" / "static"
USER, PASSWORD = "bench@acme.example", "bench-password-1"
TARGET_PAGE_P95_MS = 100.0
TARGET_ASSETS_KB = 100.0
INBOX_VARIANTS = ("first page", "next pages", "folder", "notifications", "search")
SEARCH_WORDS = ("facture", "livraison", "invoice", "delivery", "password")
NEXT_PAGES = 40  # "next" links walked to collect pages further on
_SERVER_TIMING = re.compile(r"app;dur=([0-9.]+)")
_NEXT_LINK = re.compile(r'href="(/inbox\?[^"]*cursor=[^"]*)"')
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
COLUMNS = ["page", "requests", "server p50 ms", "server p95 ms", "server p99 ms",
           "client p95 ms", "target"]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--messages", type=int, help="messages in the store (3 × conversations)")
    parser.add_argument("--requests", type=int, default=200, help="requests per page variant")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args()
    # What the API benchmark's plumbing reads: one worker, no load sections.
    args.workers, args.skip, args.save = 1, set(), None
    args.messages = args.messages or 3 * args.conversations
    WebBench(args).run()


class WebBench(Bench):
    """The API benchmark's store and server, measured through the web page."""

    title = "inboxsync web page benchmark"

    def run(self) -> None:
        self.results["assets"] = assets = asset_sizes()
        sizes = [[name, f"{raw:,}", f"{packed:,}"] for name, (raw, packed) in assets.items()]
        self.show("The page's own JS and CSS", ["file", "bytes", "gzip bytes"], sizes)
        total = sum(raw for raw, _ in assets.values()) / 1024
        self.target("the page's JS and CSS", f"< {TARGET_ASSETS_KB:.0f} KB", f"{total:.1f} KB",
                    total < TARGET_ASSETS_KB)  # fmt: skip
        super().run()

    def database(self, backend: str) -> None:
        from inboxsync.api import Inbox
        from inboxsync.config import Settings

        conversations, messages = self.args.conversations, self.args.messages
        section: dict[str, Any] = {"backend": backend}
        self.results["databases"].append(section)
        with fresh_database(backend, self.workdir, COMPANY, ADDRESSES) as db:
            inbox = Inbox(Settings(db=db.url))
            try:
                store = self.fill(inbox, db.url, conversations, messages, section)
                self.rebuild_search(inbox, section["store"])
                inbox.add_user(COMPANY, USER, PASSWORD, admin=True)
                folder = inbox.folders(COMPANY)[2].id
                with self.server(db.url) as url, signed_in(url) as client:
                    rows = self.pages(backend, client, store, folder, section)
            finally:
                inbox.close()
        self.show(
            f"{backend}: {section['store']['conversations']:,} conversations, "
            f"{section['store']['messages']:,} messages; one client, {self.args.requests} "
            "requests per variant",
            COLUMNS,
            rows,
        )

    def pages(
        self, backend: str, client: httpx.Client, store: Any, folder: int, section: dict[str, Any]
    ) -> list[list[Any]]:
        rng = random.Random(11)
        further = next_links(client, NEXT_PAGES)
        asks: dict[str, Any] = {
            "first page": lambda: "/inbox",
            "next pages": lambda: rng.choice(further),
            "folder": lambda: f"/inbox?folder={folder}",
            "notifications": lambda: "/inbox?view=notifications",
            "search": lambda: f"/inbox?q={rng.choice(SEARCH_WORDS)}",
        }
        rows = []
        inbox_samples: list[tuple[float, float]] = []
        for variant in INBOX_VARIANTS:
            samples = self.sample(client, asks[variant])
            inbox_samples += samples
            rows.append(_row(f"  inbox: {variant}", samples, ""))
        verdict = self.page_target(backend, "inbox", inbox_samples)
        rows.insert(0, _row("inbox (all)", inbox_samples, verdict))
        conversation = self.sample(
            client, lambda: f"/conversations/{rng.randint(1, store.conversations)}"
        )
        rows.append(
            _row(
                "conversation",
                conversation,
                self.page_target(backend, "conversation", conversation),
            )
        )
        section["pages"] = {row[0].strip(): row[1:] for row in rows}
        return rows

    def sample(self, client: httpx.Client, path: Any) -> list[tuple[float, float]]:
        """(server ms, client ms) of `--requests` requests of the paths `path()` names."""
        samples = []
        for _ in range(self.args.requests):
            asked = path()
            started = time.perf_counter()
            answer = client.get(asked)
            wall = (time.perf_counter() - started) * 1000
            if answer.status_code != 200:
                raise RuntimeError(f"GET {asked}: {answer.status_code} {answer.text[:300]}")
            timing = _SERVER_TIMING.search(answer.headers.get("server-timing", ""))
            if timing is None:
                raise RuntimeError(f"GET {asked}: no Server-Timing header")
            samples.append((float(timing.group(1)), wall))
        return samples

    def page_target(self, backend: str, page: str, samples: list[tuple[float, float]]) -> str:
        p95 = percentile([server for server, _ in samples], 95) or 0.0
        return self.target(f"{page} page p95 server time ({backend})",
                           f"< {TARGET_PAGE_P95_MS:.0f} ms", f"{p95:.1f} ms",
                           p95 < TARGET_PAGE_P95_MS)  # fmt: skip


def asset_sizes() -> dict[str, tuple[int, int]]:
    """Each JS and CSS file the page ships: its size and its gzip size."""
    return {
        path.name: (len(data := path.read_bytes()), len(gzip.compress(data)))
        for path in sorted(STATIC.iterdir())
        if path.suffix in (".js", ".css")
    }


@contextmanager
def signed_in(url: str) -> Iterator[httpx.Client]:
    """An httpx client on `url`, signed in through the sign-in form."""
    with httpx.Client(base_url=url, timeout=60) as client:
        token = _CSRF.search(client.get("/login").text)
        if token is None:
            raise RuntimeError("the sign-in page has no csrf_token field")
        form = {"email": USER, "password": PASSWORD, "csrf_token": token.group(1)}
        answer = client.post("/login", data=form)
        if answer.status_code != 303:
            raise RuntimeError(f"sign-in failed: {answer.status_code} {answer.text[:300]}")
        yield client


def next_links(client: httpx.Client, pages: int) -> list[str]:
    """The inbox's "next" links, followed from the first page."""
    links, path = [], "/inbox"
    for _ in range(pages):
        found = _NEXT_LINK.search(client.get(path).text)
        if found is None:
            break
        path = html.unescape(found.group(1))
        links.append(path)
    if not links:
        raise RuntimeError("the inbox page has no link to a next page")
    return links


def _row(label: str, samples: list[tuple[float, float]], verdict: str) -> list[Any]:
    server = [s for s, _ in samples]
    client = [c for _, c in samples]
    return [label, len(samples), _ms(percentile(server, 50)), _ms(percentile(server, 95)),
            _ms(percentile(server, 99)), _ms(percentile(client, 95)), verdict]  # fmt: skip


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


if __name__ == "__main__":
    sys.exit(main())
