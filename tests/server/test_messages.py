"""One message over HTTP: its HTML sanitized, its attachment downloaded as stored."""

from __future__ import annotations

from tests.server.conftest import INVOICE, World, error_of


def test_a_message_comes_with_its_html_sanitized(world: World) -> None:
    [ours] = world.inbox.conversations("Acme")
    [message] = world.inbox.conversation("Acme", ours.id).messages
    with world.client(world.acme_read) as client:
        detail = client.get(f"/v1/messages/{message.id}").json()
    assert "<b>there</b>" in detail["html"] and "script" not in detail["html"]
    [attachment] = detail["attachments"]
    assert (attachment["filename"], attachment["size"]) == ("invoice.pdf", len(INVOICE))


def test_an_attachment_downloads_with_its_type_and_a_safe_disposition(world: World) -> None:
    [ours] = world.inbox.conversations("Acme")
    [message] = world.inbox.conversation("Acme", ours.id).messages
    [attachment] = world.inbox.message("Acme", message.id).attachments
    path = f"/v1/messages/{message.id}/attachments/{attachment.id}"
    with world.client(world.acme_read) as client:
        answer = client.get(path)
        wrong = client.get(f"/v1/messages/{message.id}/attachments/{attachment.id + 1000}")
    assert answer.content == INVOICE
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"].startswith('attachment; filename="invoice.pdf"')
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert wrong.status_code == 404 and error_of(wrong)["code"] == "not_found"
