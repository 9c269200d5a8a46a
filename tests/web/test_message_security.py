"""Hostile mail on the conversation page, in a real browser on both databases: nothing in it
runs, nothing it names is fetched until the agent asks for its images (and then only those
images), another company's conversation, body and attachment are 404 pages, and a form
posted without its CSRF token is refused."""

from __future__ import annotations

import re
import struct
import zlib
from email.message import EmailMessage
from pathlib import Path

import httpx
from playwright.sync_api import Page, Route, expect

from inboxsync import Inbox
from tests.factories import write_files
from tests.web.conftest import PASSWORD, RequestLog, WebWorld, sign_in

REMOTE = "http://remote.example"
HOSTILE_HTML = f"""<html><head>
<style>body {{ background: url({REMOTE}/style-tag.png) }}</style>
<script>document.title = "pwned"; window.pwned = 1; fetch("{REMOTE}/script");</script>
</head><body>
<p style="background-image: url({REMOTE}/inline-style.png)">Bonjour, voici le devis.</p>
<img src="x" onerror="window.pwned = 2; fetch('{REMOTE}/onerror')">
<a href="javascript:window.pwned = 3">cliquez ici</a>
<img src="{REMOTE}/x.png" alt="logo">
<img src="cid:logo@acme" alt="inline logo">
<form action="{REMOTE}/form" method="post"><input name="card"><button>Payer</button></form>
<iframe src="{REMOTE}/frame"></iframe>
</body></html>"""


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


# A 1×1 PNG, the inline image.
PNG = (
    b"\x89PNG\r\n\x1a\n"
    + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0))
    + _png_chunk(b"IDAT", zlib.compress(b"\x00\x00\x00\x00\xff"))
    + _png_chunk(b"IEND", b"")
)


def hostile_message() -> bytes:
    """A message whose HTML tries everything, with an inline image and a PDF attached."""
    message = EmailMessage()
    message["Message-ID"] = "<hostile@client.example>"
    message["From"] = "Mallory <mallory@client.example>"
    message["To"] = "contact@atelier-lumiere.example"
    message["Subject"] = "Votre devis"
    message["Date"] = "Mon, 1 Jun 2026 10:00:00 +0000"
    message.set_content("Bonjour, voici le devis.")
    message.add_alternative(HOSTILE_HTML, subtype="html")
    html_part = message.get_payload()[1]  # type: ignore[index]
    html_part.add_related(PNG, maintype="image", subtype="png", cid="<logo@acme>")
    message.add_attachment(b"%PDF-1.4 devis", maintype="application", subtype="pdf",
                           filename="devis.pdf")  # fmt: skip
    return message.as_bytes()


def import_hostile(inbox: Inbox, company: str, folder: Path) -> tuple[int, int, int]:
    """The hostile message imported: its conversation's, its own and its PDF's ids."""
    inbox.import_path(company, write_files(folder, {"hostile.eml": hostile_message()}))
    [conversation] = [c for c in inbox.conversations(company) if c.subject == "Votre devis"]
    [message] = inbox.conversation(company, conversation.id).messages
    detail = inbox.message(company, message.id)
    [pdf] = [a for a in detail.attachments if a.filename == "devis.pdf"]
    return conversation.id, message.id, pdf.id


def test_hostile_html_runs_nothing_and_requests_nothing_until_images_are_asked_for(
    web_world: WebWorld, page: Page, requests_made: RequestLog, tmp_path: Path
) -> None:
    ours = web_world.companies[0]
    conversation_id, message_id, _ = import_hostile(web_world.inbox, ours, tmp_path)
    remote: list[str] = []

    def refuse(route: Route) -> None:
        remote.append(route.request.url)
        route.abort()

    page.context.route(f"{REMOTE}/**", refuse)
    sign_in(page, web_world.url, web_world.agent, PASSWORD)
    page.goto(f"{web_world.url}/conversations/{conversation_id}")
    body = page.frame_locator(f"iframe[name=body-{message_id}]")
    expect(body.locator("p")).to_contain_text("voici le devis")
    inline = body.locator("img[alt='inline logo']")
    expect(inline).to_have_js_property("naturalWidth", 1)  # the cid: image, from our server
    frames = [frame for frame in page.frames if frame != page.main_frame]
    assert frames and all(f.url.startswith(web_world.url) for f in frames)
    for frame in (page.main_frame, *frames):
        assert frame.evaluate("window.pwned") is None
        assert frame.evaluate("document.title") != "pwned"
    # (the document's own <style> in its head is ours)
    assert body.locator("body :is(form, iframe, script, style), [onerror], [style]").count() == 0
    assert body.locator("a[href^='javascript']").count() == 0
    assert requests_made.outside(web_world.url) == []
    assert remote == []

    page.get_by_role("link", name="Show remote images").click()
    expect(body.locator(f"img[src='{REMOTE}/x.png']")).to_have_count(1)
    page.wait_for_timeout(300)  # any other request the images' document would make
    assert remote == [f"{REMOTE}/x.png"]
    assert [frame.evaluate("window.pwned") for frame in page.frames] == [None] * len(page.frames)


def test_another_companys_conversation_body_and_attachment_are_404_pages(
    web_world: WebWorld, page: Page, tmp_path: Path
) -> None:
    ours = web_world.companies[0]
    conversation_id, message_id, pdf_id = import_hostile(web_world.inbox, ours, tmp_path)
    paths = (
        f"/conversations/{conversation_id}",
        f"/messages/{message_id}/body",
        f"/messages/{message_id}/attachments/{pdf_id}",
    )
    sign_in(page, web_world.url, web_world.agent, PASSWORD)
    for path in paths:
        assert page.request.get(f"{web_world.url}{path}", max_redirects=0).status == 200
    page.context.clear_cookies()
    sign_in(page, web_world.url, web_world.their_admin, PASSWORD)
    for path in paths:
        answer = page.goto(f"{web_world.url}{path}")
        assert answer is not None and answer.status == 404, path
        expect(page.locator("h1")).to_have_text("Not found")
        assert "devis" not in page.content().lower()


def test_a_form_posted_without_its_csrf_token_is_refused(web_world: WebWorld, page: Page) -> None:
    inbox, ours = web_world.inbox, web_world.companies[0]
    conversation = next(c for c in inbox.conversations(ours) if not c.is_notification)
    folder = next(f for f in inbox.folders(ours) if f.name != conversation.folder)
    sign_in(page, web_world.url, web_world.agent, PASSWORD)
    page.goto(f"{web_world.url}/conversations/{conversation.id}")
    token = page.locator("form[action$='/folder'] input[name=csrf_token]").get_attribute("value")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    url = f"/conversations/{conversation.id}/folder"
    with httpx.Client(base_url=web_world.url, cookies=cookies) as client:
        refused = client.post(url, data={"folder": str(folder.id)})
        assert refused.status_code == 403
        assert inbox.conversation(ours, conversation.id).folder == conversation.folder
        accepted = client.post(url, data={"folder": str(folder.id), "csrf_token": token or ""})
    assert accepted.status_code == 303
    assert re.fullmatch(rf"/conversations/{conversation.id}\?notice=moved",
                        accepted.headers["location"])  # fmt: skip
    assert inbox.conversation(ours, conversation.id).folder == folder.name
