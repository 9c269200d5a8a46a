"""The inbox page in a real browser against a real server, on both databases: a user sees their
company's conversations only, unread until read, new mail without a reload; the filters narrow
the list; the page fits a phone and asks nothing of another origin."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from inboxsync.db.listing import ConversationFilter
from tests.factories import make_message
from tests.web.conftest import PASSWORD, PHONE, RequestLog, WebWorld, sign_in

LIVE_SECONDS = 2
CONVERSATIONS = ConversationFilter(notification=False)  # the page's default view


def user_id(world: WebWorld, company: str, email: str) -> int:
    return next(u.id for u in world.inbox.users(company) if u.email == email)


def subjects(page: Page) -> list[str]:
    return page.locator(".inbox-row .subject").all_inner_texts()


def test_our_conversations_unread_until_read_and_new_mail_live(
    web_world: WebWorld, page: Page, requests_made: RequestLog
) -> None:
    ours, theirs = web_world.companies
    agent = user_id(web_world, ours, web_world.agent)
    their_admin = user_id(web_world, theirs, web_world.their_admin)
    mine = web_world.inbox.inbox_page(ours, agent, CONVERSATIONS).rows
    theirs_only = {
        r.conversation.subject for r in web_world.inbox.inbox_page(theirs, their_admin).rows
    }
    theirs_only -= {r.conversation.subject for r in web_world.inbox.inbox_page(ours, agent).rows}
    sign_in(page, web_world.url, web_world.agent, PASSWORD)

    shown = subjects(page)
    assert shown == [r.conversation.subject or "(no subject)" for r in mine]
    assert theirs_only and not set(shown) & theirs_only
    first = page.locator(".inbox-row").first
    expect(first.locator(".unread-badge")).to_have_text("Unread")
    expect(first.locator(".last .preview")).not_to_be_empty()
    expect(first.locator(".subject")).to_have_attribute(
        "href", f"/conversations/{mine[0].conversation.id}"
    )

    web_world.inbox.mark_read(ours, agent, mine[0].conversation.id)
    page.reload()
    expect(page.locator(".inbox-row").first.locator(".unread-badge")).to_have_count(0)
    expect(page.locator(".inbox-row").nth(1).locator(".unread-badge")).to_have_count(1)

    search = page.get_by_label("Search")  # the search box has its label
    search.focus()  # and keeps the focus through the swap below
    raw = make_message(
        msgid="<live-1@late.example>",
        sender="Late Client <late@late.example>",
        subject="Arrived <b>while</b> the page was open",
        body="Hello from the live test.",
    )
    web_world.inbox.receive(ours, [raw])
    newest = page.locator(".inbox-row").first
    expect(newest.locator(".subject")).to_have_text(
        "Arrived <b>while</b> the page was open", timeout=LIVE_SECONDS * 1000
    )
    expect(newest.locator(".unread-badge")).to_have_count(1)
    expect(newest.locator(".subject b")).to_have_count(0)  # the sender's markup is text
    expect(search).to_be_focused()
    assert requests_made.outside(web_world.url) == []


def test_the_filters_narrow_the_list_and_the_page_fits_a_phone(
    web_world: WebWorld, page: Page, requests_made: RequestLog
) -> None:
    ours, _ = web_world.companies
    admin = user_id(web_world, ours, web_world.admin)
    everything = web_world.inbox.inbox_page(ours, admin, CONVERSATIONS).rows
    sign_in(page, web_world.url, web_world.admin, PASSWORD)
    expect(page.locator(".inbox-row")).to_have_count(len(everything))
    page.get_by_label("Search").focus()
    for control in ("#inbox-status", "#inbox-client", ".inbox-filters button", ".inbox-row a"):
        page.keyboard.press("Tab")  # the filters in reading order, then the first row
        expect(page.locator(control).first).to_be_focused()

    folder = next(r.conversation.folder for r in everything if r.conversation.folder)
    page.locator(".inbox-folders a", has_text=folder).click()
    page.wait_for_url(re.compile(r"folder="))
    filed = sum(r.conversation.folder == folder for r in everything)
    assert 0 < filed < len(everything)
    expect(page.locator(".inbox-row .folder")).to_have_text([folder] * filed)

    page.goto(f"{web_world.url}/inbox")
    page.select_option("#inbox-status", "pending")
    page.click(".inbox-filters button[type=submit]")
    page.wait_for_url(re.compile(r"status=pending"))
    pending = web_world.inbox.inbox_page(
        ours, admin, ConversationFilter(status="pending", notification=False)
    ).rows
    expect(page.locator(".inbox-row")).to_have_count(len(pending))

    word, found = next(
        (word, n)
        for r in everything
        for word in r.conversation.subject.split()
        if 0 < (n := len(web_world.inbox.inbox_page(
            ours, admin, ConversationFilter(q=word, notification=False)).rows)) < len(everything)
    )  # fmt: skip
    page.goto(f"{web_world.url}/inbox")
    page.get_by_label("Search").fill(word)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q="))
    expect(page.locator(".inbox-row")).to_have_count(found)

    page.goto(f"{web_world.url}/inbox")
    page.get_by_role("link", name="Notifications").click()
    page.wait_for_url(re.compile(r"view=notifications"))
    notes = web_world.inbox.inbox_page(ours, admin, ConversationFilter(notification=True)).rows
    expect(page.locator(".inbox-row")).to_have_count(len(notes))
    assert set(subjects(page)).isdisjoint({r.conversation.subject for r in everything})

    answer = page.goto(f"{web_world.url}/inbox?status=sleeping")
    assert answer is not None and answer.status == 422
    expect(page.locator("h1")).to_have_text("Invalid request")

    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    page.goto(f"{web_world.url}/inbox")
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= PHONE["width"]
    assert requests_made.outside(web_world.url) == []
