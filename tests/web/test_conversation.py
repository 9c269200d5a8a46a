"""The conversation page in a real browser on a real server, on both databases: open it, move
it to another folder (seen through the API), merge, split and undo, reply, mark it as a
notification; and the statements one page costs, whatever the thread's length."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, expect
from sqlalchemy import event, update
from sqlalchemy.engine import Engine

from inboxsync import Inbox
from inboxsync.db.counters import counting
from inboxsync.db.models import Conversation
from inboxsync.jobs import close_queues
from tests.factories import make_message, write_files
from tests.server.conftest import settings_for
from tests.support.smtp_server import SmtpServer
from tests.web.conftest import PASSWORD, PHONE, WebWorld, sign_in

# The view's statements: the company, the conversation, its messages, their attachments,
# its outbox rows, the folders, the client's other conversations.
VIEW_STATEMENTS = 7
# A page: the session's user, the view, the read mark (company, user, conversation, upsert;
# SQLite's BEGIN IMMEDIATE too), the thread's overrides (company, conversation, overrides).
PAGE_STATEMENTS = 1 + VIEW_STATEMENTS + 4 + 3


def thread(count: int, tag: str) -> dict[str, bytes]:
    """`count` messages of one thread (each a reply to the one before), each with a file."""
    mail: dict[str, bytes] = {}
    for i in range(count):
        message = EmailMessage()
        message["Message-ID"] = f"<{tag}-{i}@client.example>"
        if i:
            message["In-Reply-To"] = f"<{tag}-{i - 1}@client.example>"
        message["From"] = "Claire Client <claire@client.example>"
        message["To"] = "contact@atelier-lumiere.example"
        message["Subject"] = f"{'Re: ' if i else ''}Thread {tag}"
        message["Date"] = f"Mon, 1 Jun 2026 10:{i:02d}:00 +0000"
        message.set_content(f"Message {i} of {tag}.\n\nOn Sunday, Ann wrote:\n> earlier words\n")
        message.add_attachment(b"%PDF-1.4 " + tag.encode(), maintype="application",
                               subtype="pdf", filename=f"{tag}-{i}.pdf")  # fmt: skip
        mail[f"{tag}-{i}.eml"] = message.as_bytes()
    return mail


def conversation_of(inbox: Inbox, company: str, subject: str) -> int:
    """The id of the company's conversation with this subject."""
    [found] = [c.id for c in inbox.conversations(company) if c.subject == subject]
    return found


def test_the_view_costs_the_same_statements_for_one_message_or_twelve(
    db_url: str, tmp_path: Path
) -> None:
    inbox = Inbox.initialise(settings_for(db_url))
    try:
        inbox.add_company("Acme", ["contact@atelier-lumiere.example"])
        inbox.add_folder("Acme", "Devis", "Demandes de devis")
        inbox.import_path("Acme", write_files(tmp_path / "short", thread(1, "short")))
        inbox.import_path("Acme", write_files(tmp_path / "long", thread(12, "long")))
        counts, sizes = [], []
        for subject in ("Thread short", "Thread long"):
            conversation_id = conversation_of(inbox, "Acme", subject)
            with counting() as counter:
                view = inbox.conversation_view("Acme", conversation_id)
            counts.append(counter.round_trips)
            sizes.append([len(m.attachments) for m in view.messages])
            assert [f.name for f in view.folders] == ["Devis"]
    finally:
        close_queues()
        inbox.close()
    assert sizes == [[1], [1] * 12]
    assert counts == [VIEW_STATEMENTS, VIEW_STATEMENTS]


@contextmanager
def statements() -> Iterator[list[str]]:
    """Every statement any engine of this process sends inside the block (the server's too:
    it runs in this process)."""
    sent: list[str] = []

    def record(*args: Any) -> None:
        sent.append(str(args[2]))

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(Engine, "before_cursor_execute", record)


def session_cookies(page: Page) -> dict[str, str]:
    """The browser's cookies, for httpx."""
    return {c["name"]: c["value"] for c in page.context.cookies()}


def test_open_move_and_mark_as_notification(web_world: WebWorld, page: Page) -> None:
    inbox, ours = web_world.inbox, web_world.companies[0]
    conversation = next(c for c in inbox.conversations(ours) if not c.is_notification)
    folders = inbox.folders(ours)
    target = next(f for f in folders if f.name != conversation.folder)
    with inbox.engine.begin() as db:
        db.execute(
            update(Conversation)
            .where(Conversation.id == conversation.id)
            .values(ai_cost_usd=0.0012)
        )
    sign_in(page, web_world.url, web_world.agent, PASSWORD)
    page.goto(f"{web_world.url}/conversations/{conversation.id}")
    expect(page.locator("h1")).to_have_text(conversation.subject)
    expect(page.locator("#filed-by")).not_to_be_empty()
    expect(page.locator("#cost")).to_have_text(
        "$0.0012 (its share of the paid AI requests that filed it)"
    )

    page.select_option("#move-folder", str(target.id))
    page.get_by_role("button", name="Move", exact=True).click()
    expect(page.locator("#notice")).to_contain_text("Moved")
    expect(page.locator("#conv-folder")).to_have_text(target.name)
    expect(page.locator("#filed-by")).to_have_text("Filed by a person.")
    key = inbox.create_api_key(ours)
    answer = httpx.get(
        f"{web_world.url}/v1/conversations/{conversation.id}",
        headers={"Authorization": f"Bearer {key.key}"},
    ).json()
    assert answer["folder"] == target.name

    page.click("#toggle-notification")
    expect(page.locator("#notice")).to_contain_text("Marked as a notification")
    assert inbox.conversation(ours, conversation.id).is_notification
    page.click("#toggle-notification")
    expect(page.locator("#notice")).to_contain_text("not a notification")
    assert not inbox.conversation(ours, conversation.id).is_notification

    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_merge_split_and_undo_through_the_forms(
    web_world: WebWorld, page: Page, tmp_path: Path
) -> None:
    inbox, ours = web_world.inbox, web_world.companies[0]
    mail = {
        "a.eml": make_message(msgid="<a@claire.example>", sender="claire@client.example",
                              subject="Lampe en panne", body="La lampe ne s'allume plus."),
        "b.eml": make_message(msgid="<b@claire.example>", sender="claire@client.example",
                              subject="Facture", body="Où est ma facture ?", minutes=5),
    }  # fmt: skip
    inbox.import_path(ours, write_files(tmp_path / "mail", mail))
    into, merged = (
        conversation_of(inbox, ours, "Lampe en panne"),
        conversation_of(inbox, ours, "Facture"),
    )
    sign_in(page, web_world.url, web_world.agent, PASSWORD)
    page.goto(f"{web_world.url}/conversations/{into}")
    page.fill("#merge-other", str(merged))
    page.get_by_role("button", name="Merge", exact=True).click()
    expect(page.locator("#notice")).to_contain_text("merged")
    expect(page.locator(".msg")).to_have_count(2)
    assert [m.subject for m in inbox.conversation(ours, into).messages] == [
        "Lampe en panne",
        "Facture",
    ]

    page.locator(".msg").nth(1).get_by_role("button", name="Split into a new conversation").click()
    expect(page.locator("#notice")).to_contain_text("split")
    expect(page.locator(".msg")).to_have_count(1)
    assert len(inbox.conversation(ours, into).messages) == 1

    page.locator(".conv-overrides li").first.locator("button").click()
    expect(page.locator("#notice")).to_contain_text("Undone")
    expect(page.locator(".msg")).to_have_count(2)


def test_a_reply_through_the_page_shows_its_outbox_row_and_the_answer_arrives_live(
    web_world: WebWorld, page: Page, tmp_path: Path
) -> None:
    inbox, ours = web_world.inbox, web_world.companies[0]
    smtp = SmtpServer().start()
    try:
        inbox.set_smtp(ours, host="127.0.0.1", port=smtp.port, tls="none")
        inbox.import_path(ours, write_files(tmp_path / "q", {"q.eml": make_message(
            msgid="<q@claire.example>", sender="Claire <claire@client.example>",
            subject="Horaires", body="Êtes-vous ouverts samedi ?")}))  # fmt: skip
        conversation_id = conversation_of(inbox, ours, "Horaires")
        sign_in(page, web_world.url, web_world.agent, PASSWORD)
        page.goto(f"{web_world.url}/conversations/{conversation_id}")
        page.fill("#reply-text", "Oui, de 10 h à 18 h.")
        page.get_by_role("button", name="Send reply").click()
        expect(page.locator("#notice")).to_contain_text("Reply queued")
        expect(page.locator("#sent")).to_contain_text("reply")
        [row] = [r for r in inbox.outbox(ours).rows if r.conversation_id == conversation_id
                 and r.kind == "reply"]  # fmt: skip
        assert row.recipient == "claire@client.example"
        # Sent by the outbox's job: the page's list follows without a reload.
        expect(page.locator("#sent .status-sent")).to_have_count(1, timeout=5_000)

        # The client answers while the page is open: the thread shows it without a reload.
        inbox.import_path(ours, write_files(tmp_path / "a", {"a.eml": make_message(
            msgid="<a@claire.example>", sender="Claire <claire@client.example>",
            subject="Re: Horaires", body="Merci, à samedi.", in_reply_to="<q@claire.example>",
            minutes=30)}))  # fmt: skip
        expect(page.locator(".msg", has_text="Merci, à samedi.")).to_have_count(1, timeout=2_000)
    finally:
        smtp.stop()


def test_a_page_costs_the_same_statements_for_a_long_thread(
    web_world: WebWorld, page: Page, tmp_path: Path
) -> None:
    inbox, ours = web_world.inbox, web_world.companies[0]
    inbox.import_path(ours, write_files(tmp_path / "short", thread(1, "short")))
    inbox.import_path(ours, write_files(tmp_path / "long", thread(12, "long")))
    sign_in(page, web_world.url, web_world.agent, PASSWORD)
    cookies = session_cookies(page)
    page.goto("about:blank")  # the inbox's event stream polls the database too
    counts = []
    with httpx.Client(base_url=web_world.url, cookies=cookies) as client:
        for subject in ("Thread short", "Thread long"):
            conversation_id = conversation_of(inbox, ours, subject)
            client.get(f"/conversations/{conversation_id}")  # warm: the first read of a user
            with statements() as sent:
                answer = client.get(f"/conversations/{conversation_id}")
            assert answer.status_code == 200
            counts.append(len(sent))
    expected = PAGE_STATEMENTS + (inbox.engine.dialect.name == "sqlite")
    assert counts == [expected, expected]
