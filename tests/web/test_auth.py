"""Signing in to the web page against a live server on both databases: the cookies' flags and
signatures, CSRF on every form, `next` never leaving the site, throttling, the language, and
one browser signing in and out through the forms."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie

import httpx
import pytest
from fastapi.responses import PlainTextResponse
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.encoding import base64_decode, base64_encode
from playwright.sync_api import Page

from inboxsync import Inbox, Settings
from inboxsync.web.session import AdminUser, CurrentUser
from tests.server.conftest import settings_for
from tests.support.http import api_server
from tests.web.conftest import PASSWORD, form_token, post_sign_in, sign_in

WHOAMI = "/test/whoami"
ADMIN_ONLY = "/test/admin-only"


@dataclass(frozen=True)
class Site:
    """Two companies with a user each (Acme's an admin, Globex's an agent), served with two
    routes of the test's own: who the session is, and one for admins."""

    url: str
    inbox: Inbox

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)


def _whoami(user: CurrentUser) -> PlainTextResponse:
    return PlainTextResponse(f"{user.email} {user.company} {user.role}")


def _admin_only(user: AdminUser) -> PlainTextResponse:
    return PlainTextResponse(f"admin {user.email}")


def serve(settings: Settings) -> Iterator[Site]:
    inbox = Inbox(settings)
    for company in ("Acme", "Globex"):
        inbox.add_company(company, [f"support@{company.lower()}.example"])
    inbox.add_user("Acme", "ann@acme.example", PASSWORD, admin=True)
    inbox.add_user("Globex", "gil@globex.example", PASSWORD)
    try:
        with api_server(settings) as api:
            api.app.add_api_route(WHOAMI, _whoami)
            api.app.add_api_route(ADMIN_ONLY, _admin_only)
            yield Site(api.url, inbox)
    finally:
        inbox.close()


@pytest.fixture
def site(db_url: str) -> Iterator[Site]:
    settings = settings_for(db_url)
    yield from serve(
        settings.replace(web=settings.web.model_copy(update={"login_max_failures": 2}))
    )


def set_cookie(response: httpx.Response, name: str) -> str:
    """The Set-Cookie header of `name` in `response`."""
    [header] = [h for h in response.headers.get_list("set-cookie") if h.startswith(name + "=")]
    return header


def test_signing_in_sets_a_signed_http_only_lax_cookie(site: Site) -> None:
    with site.client() as client:
        answer = post_sign_in(client, "ANN@acme.example", PASSWORD)
        assert (answer.status_code, answer.headers["location"]) == (303, "/inbox")
        header = set_cookie(answer, "inboxsync_session")
        [morsel] = SimpleCookie(header).values()
        assert morsel["httponly"] and morsel["samesite"].lower() == "lax"
        assert morsel["path"] == "/" and not morsel["secure"]
        assert client.get(WHOAMI).text == "ann@acme.example Acme admin"


def test_the_cookies_are_secure_when_the_settings_say_so(db_url: str) -> None:
    settings = settings_for(db_url)
    secure = settings.replace(web=settings.web.model_copy(update={"cookie_secure": True}))
    for site in serve(secure):
        with site.client() as client:
            form = client.get("/login")
            [before] = SimpleCookie(set_cookie(form, "inboxsync_csrf")).values()
            assert before["secure"] and before["httponly"]
            # Over plain HTTP the client keeps a Secure cookie to itself: send it by hand.
            fields = {"email": "ann@acme.example", "password": PASSWORD}
            answer = client.post(
                "/login",
                data={**fields, "csrf_token": form_token(form)},
                headers={"Cookie": f"inboxsync_csrf={before.value}"},
            )
            [morsel] = SimpleCookie(set_cookie(answer, "inboxsync_session")).values()
            assert morsel["secure"] and morsel["httponly"]


def test_a_user_sees_only_their_company(site: Site) -> None:
    with site.client() as client:
        post_sign_in(client, "gil@globex.example", PASSWORD)
        assert client.get(WHOAMI).text == "gil@globex.example Globex agent"
        refused = client.get(ADMIN_ONLY)  # an agent is no admin
        assert refused.status_code == 403 and "administrators" in refused.text


def test_a_tampered_or_foreign_cookie_sends_back_to_sign_in(site: Site) -> None:
    [ann] = site.inbox.users("Acme")
    with site.client() as client:
        post_sign_in(client, "gil@globex.example", PASSWORD)
        value = client.cookies["inboxsync_session"]
        _, stamp, signature = value.split(".")
        csrf = json.loads(base64_decode(value.split(".")[0]))[2]
        ann_payload = base64_encode(json.dumps([ann.id, 1, csrf]).encode()).decode()
        forged = [
            # The signature's first character changed (its last one may only carry padding bits).
            f"{value.rsplit('.', 1)[0]}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}",
            f"{ann_payload}.{stamp}.{signature}",  # Ann's id under Gil's signature
            URLSafeTimedSerializer(b"another key", salt="inboxsync.inboxsync_session").dumps(
                [ann.id, 1, csrf]
            ),
        ]
        for cookie in forged:
            client.cookies.clear()
            client.cookies.set("inboxsync_session", cookie)
            answer = client.get(WHOAMI)
            assert answer.status_code == 303
            assert answer.headers["location"] == "/login?next=%2Ftest%2Fwhoami"
        client.cookies.clear()
        client.cookies.set("inboxsync_session", value)
        assert client.get(WHOAMI).text.startswith("gil@globex.example")


def test_a_password_change_or_removal_ends_the_session(site: Site) -> None:
    with site.client() as client:
        post_sign_in(client, "gil@globex.example", PASSWORD)
        assert client.get(WHOAMI).status_code == 200
        [gil] = site.inbox.users("Globex")
        site.inbox.set_password("Globex", gil.id, "another password")
        assert client.get(WHOAMI).status_code == 303
        post_sign_in(client, "gil@globex.example", "another password")
        assert client.get(WHOAMI).status_code == 200
        site.inbox.remove_user("Globex", gil.id)
        assert client.get(WHOAMI).status_code == 303


def test_a_post_without_its_csrf_token_is_refused(site: Site) -> None:
    with site.client() as client:
        fresh = client.post("/login", data={"email": "ann@acme.example", "password": PASSWORD})
        assert fresh.status_code == 403 and "inboxsync_session" not in client.cookies
        post_sign_in(client, "ann@acme.example", PASSWORD)
        for form in ({}, {"csrf_token": "forged"}):
            refused = client.post("/logout", data=form)
            assert refused.status_code == 403 and "reload the page" in refused.text
            assert client.get(WHOAMI).status_code == 200  # still signed in
        token = form_token(refused)  # the refusal's page has the session's token
        assert client.post("/logout", headers={"X-CSRF-Token": token}).status_code == 303
        assert client.get(WHOAMI).status_code == 303


@pytest.mark.parametrize(
    "target",
    ["//evil.example", "https://evil.example/", "/\\evil.example", "javascript:alert(1)",
     "evil.example", "/\t/evil.example", ""],
)  # fmt: skip
def test_next_never_leaves_the_site(site: Site, target: str) -> None:
    with site.client() as client:
        page = client.get("/login", params={"next": target})
        assert 'name="next" value="/inbox"' in page.text
        answer = post_sign_in(client, "ann@acme.example", PASSWORD, next_path=target)
        assert answer.headers["location"] == "/inbox"


def test_next_keeps_a_local_path(site: Site) -> None:
    with site.client() as client:
        answer = post_sign_in(client, "ann@acme.example", PASSWORD, "/admin/quarantine?page=2")
        assert answer.headers["location"] == "/admin/quarantine?page=2"
        # Signed in already, the sign-in page goes on (never elsewhere either).
        for target, location in (("/admin/outbox", "/admin/outbox"), ("//evil.example", "/inbox")):
            again = client.get("/login", params={"next": target})
            assert (again.status_code, again.headers["location"]) == (303, location)


def test_a_session_ends_after_its_hours(db_url: str) -> None:
    settings = settings_for(db_url)
    for site in serve(
        settings.replace(web=settings.web.model_copy(update={"session_hours": 1 / 3600}))
    ):
        with site.client() as client:
            answer = post_sign_in(client, "ann@acme.example", PASSWORD)
            [morsel] = SimpleCookie(set_cookie(answer, "inboxsync_session")).values()
            assert morsel["max-age"] == "1"
            assert client.get(WHOAMI).status_code == 200
            time.sleep(2.1)  # the signature's clock counts whole seconds
            assert client.get(WHOAMI).status_code == 303


def refusals(client: httpx.Client, email: str, passwords: list[str]) -> list[tuple[int, str]]:
    """The status and error message of each sign-in with `passwords` in turn."""
    answers = []
    for password in passwords:
        answer = post_sign_in(client, email, password)
        found = re.search(r'id="sign-in-error">([^<]*)<', answer.text)
        answers.append((answer.status_code, found.group(1) if found else ""))
        assert f'value="{email}"' in answer.text  # the address is kept
    return answers


def test_wrong_passwords_get_the_form_then_429_for_any_address(site: Site) -> None:
    tries = ["not the password", "not the password", PASSWORD]
    with site.client() as client:
        known = refusals(client, "ann@acme.example", tries)
        unknown = refusals(client, "nobody@acme.example", tries)
        assert "inboxsync_session" not in client.cookies
    assert known == unknown
    assert [status for status, _ in known] == [401, 401, 429]
    assert known[0][1] == "Wrong email address or password."
    assert known[2][1].startswith("Too many failed attempts")


def test_the_language_is_chosen_with_a_form(site: Site) -> None:
    with site.client() as client:
        token = form_token(client.get("/login"))
        chosen = client.post("/language", data={"language": "fr", "csrf_token": token,
                                                "next": "/login"})  # fmt: skip
        assert (chosen.status_code, chosen.headers["location"]) == (303, "/login")
        assert "Mot de passe" in client.get("/login").text
        refused = client.post("/language", data={"language": "de", "csrf_token": token})
        assert refused.status_code == 400


def test_the_root_is_the_inbox(site: Site) -> None:
    with site.client() as client:
        answer = client.get("/")
        assert (answer.status_code, answer.headers["location"]) == (303, "/inbox")


def test_signing_in_and_out_in_a_browser(site: Site, page: Page) -> None:
    sign_in(page, site.url, "ann@acme.example", PASSWORD)
    assert page.url == f"{site.url}/inbox"
    [cookie] = [c for c in page.context.cookies() if c["name"] == "inboxsync_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    page.click("form.who button[type=submit]")
    page.wait_for_url(f"{site.url}/login")
    assert not [c for c in page.context.cookies() if c["name"] == "inboxsync_session"]
    page.goto(f"{site.url}{WHOAMI}")
    assert page.url == f"{site.url}/login?next=%2Ftest%2Fwhoami"
