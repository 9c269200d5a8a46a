"""The operator pages in a real browser against a real server, on both databases: an admin
opens each, an agent is refused, another company's ids are not found; the quarantine's raw
download and retry, pausing a mailbox, the auto-reply's live preview, the spend chart."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import update

from inboxsync.ai.ledger import record_calls
from inboxsync.ai.types import CallRecord
from inboxsync.db.ai_models import AiCall
from inboxsync.db.mailbox_status import MailboxDetail, MailboxStatus
from inboxsync.db.models import utcnow
from inboxsync.web.routes.mailboxes import STALE_AFTER, health
from tests.factories import write_files
from tests.support.smtp_server import free_port
from tests.web.conftest import DESKTOP, PASSWORD, WebWorld, sign_in

PAGES = {
    "/admin/mailboxes": "support@ours.example",
    "/admin/quarantine": "/raw",
    "/admin/folders": "<form",
    "/admin/outbox": "<h1",
    "/admin/webhooks": "https://hooks.ours.example/in",
    "/admin/spend": "<svg",
}


@pytest.fixture
def world(web_world: WebWorld, tmp_path: Path) -> WebWorld:
    """The web world with, in our company, an IMAP mailbox (never synced), a quarantined
    message (bytes no parser takes), a webhook endpoint and an agent's reply in the outbox."""
    ours = web_world.companies[0]
    inbox = web_world.inbox
    inbox.add_mailbox(ours, host="imap.ours.example", user="support@ours.example",
                      password_env="OURS_IMAP_PW")  # fmt: skip
    inbox.import_path(ours, write_files(tmp_path / "junk", {"junk.eml": b"\x00 junk"}))
    hook = inbox.add_webhook(ours, "https://hooks.ours.example/in").webhook
    # Sent the demo's events again, to a name that does not resolve: a failed delivery.
    inbox.redeliver(ours, hook.id, from_seq=1)
    inbox.deliver_webhooks(ours, hook.id)
    # Nothing listens there: the reply waits in the outbox for a retry.
    inbox.set_smtp(ours, host="127.0.0.1", port=free_port(), tls="none")
    inbox.reply(ours, inbox.preview_conversations(ours, inbox.folders(ours)[0].id)[0].id,
                text="We are on it.")  # fmt: skip
    return web_world


@contextmanager
def signed_in(browser: Browser, world: WebWorld, email: str) -> Iterator[Page]:
    """A page of a fresh context signed in as `email`."""
    context = browser.new_context(viewport=DESKTOP)  # type: ignore[arg-type]
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        sign_in(page, world.url, email, PASSWORD)
        yield page
    finally:
        context.close()


def test_admins_open_every_page_agents_are_refused_other_companies_ids_are_not_found(
    browser: Browser, world: WebWorld
) -> None:
    ours, theirs = world.companies
    spend = record_spend(world, {0: 0.25, 3: 1.5, 12: 0.75})
    with signed_in(browser, world, world.admin) as admin_page:
        for path, content in PAGES.items():
            answer = admin_page.goto(world.url + path)
            assert answer is not None and answer.status == 200, path
            assert content in admin_page.content(), path
        # The spend page (the last one): one bar per day with spend, the figures in a table.
        expect(admin_page.locator("svg.chart rect.bar")).to_have_count(len(spend))
        expect(admin_page.locator("table")).to_contain_text(utcnow().date().isoformat())
        expect(admin_page.locator("table")).to_contain_text("$1.5000")
        [reply] = world.inbox.outbox_page(ours).items
        admin_page.goto(world.url + "/admin/outbox")
        link = admin_page.locator(
            f"#outbox-{reply.id} a[href='/conversations/{reply.conversation_id}']"
        )
        expect(link).to_have_count(1)
        expect(admin_page.locator(f"#outbox-{reply.id}")).to_contain_text(reply.recipient)
        [hook] = world.inbox.webhooks(ours)
        admin_page.get_by_role("link", name="Webhooks").first.click()
        admin_page.get_by_role("link", name=hook.url).click()
        expect(admin_page.locator("h1")).to_have_text(hook.url)
        [failed] = world.inbox.webhook_deliveries(ours, hook.id)
        assert failed.status_code is None and failed.error
        expect(admin_page.locator("tbody tr.stopped")).to_have_count(1)
        expect(admin_page.locator("tbody tr.stopped")).to_contain_text("no answer")
        # A phone's width: the page itself never scrolls sideways, the tables do.
        admin_page.set_viewport_size({"width": 390, "height": 844})
        admin_page.goto(world.url + "/admin/mailboxes")
        assert admin_page.evaluate("document.documentElement.scrollWidth") <= 390
    with signed_in(browser, world, world.agent) as agent_page:
        for path in PAGES:
            answer = agent_page.goto(world.url + path)
            assert answer is not None and answer.status == 403, path
    box = world.inbox.mailboxes(ours)[0].id
    [entry] = world.inbox.quarantine(ours)
    folder = world.inbox.folders(ours)[0].id
    conversation = world.inbox.preview_conversations(ours, folder)[0].id
    their_folder = world.inbox.folders(theirs)[0].id
    with signed_in(browser, world, world.their_admin) as their_page:
        for path in (
            f"/admin/folders/{folder}",
            f"/admin/folders/{folder}/preview?conversation=1",
            f"/admin/folders/{their_folder}/preview?conversation={conversation}",
            f"/admin/quarantine/{entry.id}/raw",
            f"/admin/quarantine?entry={entry.id}",
            f"/admin/webhooks/{hook.id}",
        ):
            answer = their_page.goto(world.url + path)
            assert answer is not None and answer.status == 404, path
        # Their admin's forms carry their own token: the action still finds no such mailbox.
        their_page.goto(world.url + "/admin/mailboxes")
        token = their_page.locator("input[name=csrf_token]").first.get_attribute("value")
        answer = their_page.request.post(
            f"{world.url}/admin/mailboxes/{box}/pause", form={"csrf_token": token or ""},
            max_redirects=0,
        )  # fmt: skip
        assert answer.status == 404
    assert not world.inbox.mailbox_status(ours, box).paused


def test_quarantine_download_and_retry_then_pause_and_resume_a_mailbox(
    page: Page, world: WebWorld
) -> None:
    ours = world.companies[0]
    [entry] = world.inbox.quarantine(ours)
    sign_in(page, world.url, world.admin, PASSWORD)
    page.goto(world.url + "/admin/quarantine")
    row = page.locator(f"#entry-{entry.id}")
    expect(row).to_contain_text(entry.reason[:30])

    with page.expect_download() as download:
        row.get_by_role("link", name="Download raw").click()
    saved = download.value.path()
    assert Path(saved).read_bytes() == world.inbox.quarantine_raw(ours, entry.id) == b"\x00 junk"
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    raw = httpx.get(f"{world.url}/admin/quarantine/{entry.id}/raw", cookies=cookies)
    assert raw.headers["content-type"] == "message/rfc822"
    assert raw.headers["content-disposition"].startswith("attachment;")

    row.get_by_role("button", name="Retry").click()
    page.wait_for_url("**/admin/quarantine?notice=retry_failed*")
    expect(page.locator("#retry-outcome")).to_contain_text(f"Entry {entry.id} still fails")
    expect(page.locator("#retry-outcome")).to_contain_text(
        world.inbox.quarantine_entry(ours, entry.id).reason
    )

    [box] = world.inbox.mailboxes(ours)
    page.goto(world.url + "/admin/mailboxes")
    row = page.locator(f"#mailbox-{box.id}")
    expect(row).to_have_attribute("data-state", "ok")
    expect(page.get_by_role("alert")).to_have_count(0)
    # A sync that fails (its password's variable is not set): the mailbox stands out.
    [error] = world.inbox.sync(ours, box.id).errors
    assert "OURS_IMAP_PW" in error
    page.reload()
    expect(row).to_have_attribute("data-state", "error")
    expect(row).to_have_class("stopped")
    expect(row).to_contain_text("OURS_IMAP_PW")
    expect(page.get_by_role("alert")).to_contain_text("1 mailbox(es) stopped")

    row.get_by_role("button", name="Pause").click()
    expect(page.locator(".notice").first).to_contain_text("Mailbox paused")
    expect(row).to_have_attribute("data-state", "paused")
    expect(page.get_by_role("alert")).to_have_count(0)  # paused on purpose: not stopped
    assert world.inbox.mailbox_status(ours, box.id).paused
    expect(row.get_by_role("button", name="Sync now")).to_have_count(0)

    row.get_by_role("button", name="Resume").focus()
    page.keyboard.press("Enter")  # by keyboard too
    expect(page.locator(".notice").first).to_contain_text("Mailbox resumed")
    expect(row).to_have_attribute("data-state", "error")
    assert not world.inbox.mailbox_status(ours, box.id).paused


def test_the_auto_reply_preview_follows_what_is_typed_with_or_without_script(
    browser: Browser, page: Page, world: WebWorld
) -> None:
    ours = world.companies[0]
    folder = world.inbox.folders(ours)[0]
    sign_in(page, world.url, world.admin, PASSWORD)
    page.goto(f"{world.url}/admin/folders/{folder.id}")
    chosen = int(page.locator("#conversation").input_value())
    trigger = world.inbox.conversation(ours, chosen).messages[0].subject

    page.fill("#subject", "Got it: {subject}")
    page.fill("#body", "Hello {client_name}, <b>{company_name}</b> answers soon. {nope}")
    expect(page.locator("#preview .preview-subject")).to_have_text(f"Got it: {trigger}")
    body = page.locator("#preview .preview-body")
    expect(body).to_contain_text(f"<b>{ours}</b> answers soon. {{nope}}")  # as text, escaped
    expect(page.locator("#preview")).to_contain_text("{nope}")

    page.fill("#body", "Thanks, {client_name}.")
    page.check("input[name=auto_reply]")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**notice=folder_saved")
    saved = world.inbox.folder(ours, folder.id)
    assert (saved.auto_reply, saved.auto_reply_subject, saved.auto_reply_body) == (
        True, "Got it: {subject}", "Thanks, {client_name}.",
    )  # fmt: skip

    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)  # type: ignore[arg-type]
    plain = context.new_page()
    try:
        sign_in(plain, world.url, world.admin, PASSWORD)
        plain.goto(f"{world.url}/admin/folders/{folder.id}")
        plain.fill("#subject", "About {subject}")
        plain.get_by_role("button", name="Preview").click()
        expect(plain.locator("#preview .preview-subject")).to_have_text(f"About {trigger}")
        expect(plain.locator("#subject")).to_have_value("About {subject}")
        assert world.inbox.folder(ours, folder.id).auto_reply_subject == "Got it: {subject}"
        # Adding and removing a folder are plain forms too.
        plain.goto(f"{world.url}/admin/folders")
        plain.fill("#new-name", "Press")
        plain.fill("#new-description", "journalists' questions")
        plain.get_by_role("button", name="Add a folder").click()
        expect(plain.locator(".notice")).to_have_text("Folder added.")
        press = world.inbox.folder(ours, "Press")
        assert press.description == "journalists' questions"
        # Removing asks for the box to be ticked, in the browser and on the server.
        token = plain.locator("input[name=csrf_token]").first.get_attribute("value") or ""
        unticked = plain.request.post(
            f"{world.url}/admin/folders/{press.id}/remove", form={"csrf_token": token}
        )
        assert unticked.ok and "Tick the box" in unticked.text()
        assert world.inbox.folder(ours, press.id).name == "Press"
        plain.check("#confirm-removal")
        plain.get_by_role("button", name="Remove this folder").click()
        expect(plain.locator(".notice")).to_contain_text("Folder removed")
        assert "Press" not in {f.name for f in world.inbox.folders(ours)}
    finally:
        context.close()


def record_spend(world: WebWorld, spend: dict[int, float]) -> dict[int, float]:
    """AI calls of our company written by the ledger, each moved back `days_ago` days."""
    company_id = world.inbox.company_id(world.companies[0])
    with world.inbox.sessions.begin() as session:
        for days_ago, cost in spend.items():
            record_calls(session, company_id, [CallRecord("openai", "gpt-test", "classify", 1,
                                                          cost_usd=cost)])  # fmt: skip
            session.execute(
                update(AiCall)
                .where(AiCall.model == "gpt-test", AiCall.cost_usd == cost)
                .values(at=utcnow() - timedelta(days=days_ago))
            )
    return spend


def test_a_mailbox_without_a_good_sync_for_long_has_stopped_unless_paused() -> None:
    now = utcnow()
    good = MailboxStatus(False, now - timedelta(minutes=5), None, None, 0, 0, ())
    created = now - STALE_AFTER * 3

    def seen(status: MailboxStatus, at: datetime = now) -> tuple[str, bool]:
        checked = health(
            MailboxDetail(1, "imap.example", 993, "ssl", "u", "env:X", created, status), at
        )
        return checked.state, checked.stopped

    assert seen(good) == ("ok", False)
    assert seen(good, now + STALE_AFTER) == ("ok", True)
    assert seen(replace(good, last_sync_at=None)) == ("ok", True)  # never synced since created
    fixed = replace(good, last_error="refused", last_error_at=now - timedelta(minutes=9))
    assert seen(fixed) == ("ok", False)  # a good sync came after the error
    erring = replace(fixed, last_error_at=now)
    assert seen(erring) == ("error", True)
    assert seen(replace(erring, paused=True)) == ("paused", False)
