"""Ids in the page's URLs and forms are checked before any lookup: one out of the ids' range
is a 422 page, never a database error."""

from __future__ import annotations

import httpx

from tests.web.conftest import PASSWORD, WebWorld, form_token, post_sign_in

TOO_LARGE = 2**40
ASKED = (
    "/conversations/{n}",
    "/messages/{n}/body",
    "/messages/1/attachments/{n}",
    "/admin/folders/{n}",
    "/admin/folders/1/preview?conversation={n}",
    "/admin/quarantine/{n}/raw",
    "/admin/webhooks/{n}",
)
POSTED = (
    "/conversations/{n}/folder",
    "/admin/mailboxes/{n}/pause",
    "/admin/quarantine/{n}/retry",
    "/admin/folders/{n}/remove",
)


def test_an_id_out_of_range_is_refused_as_invalid(web_world: WebWorld) -> None:
    with httpx.Client(base_url=web_world.url) as client:
        assert post_sign_in(client, web_world.admin, PASSWORD).status_code == 303
        token = form_token(client.get("/inbox"))
        answers = {path: client.get(path.format(n=TOO_LARGE)) for path in ASKED}
        answers |= {
            path: client.post(path.format(n=TOO_LARGE), data={"csrf_token": token, "folder": "1"})
            for path in POSTED
        }
    for path, answer in answers.items():
        assert answer.status_code == 422, (path, answer.status_code)
        assert answer.headers["content-type"].startswith("text/html"), path
