"""Every `Inbox` method that takes an id, given another company's id, is `NotFound` with the
message an unknown id gets. The methods are found by their parameters, so a new one cannot be
left out: it fails here until it has a call below."""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from inboxsync import Inbox, NotFound, Settings
from inboxsync.jobs import close_queues
from tests.factories import make_message, write_files
from tests.operations.test_messages import html_message
from tests.support.databases import DB_KINDS, NewDatabase
from tests.support.smtp_server import free_port

# Parameters that name a thing by id: `*_id`, `*_ids`, and the folder (a name or an id).
FOLDER_PARAMETER = "folder"


def id_parameters() -> set[tuple[str, str]]:
    """(method, parameter) for every id parameter of a public `Inbox` method."""
    return {
        (name, parameter)
        for name, method in inspect.getmembers(Inbox, callable)
        if not name.startswith("_")
        for parameter in inspect.signature(method).parameters
        if parameter.endswith(("_id", "_ids")) or parameter == FOLDER_PARAMETER
    }


@dataclass(frozen=True)
class Theirs:
    """Globex's things, and the Acme conversation that calls needing one of ours use."""

    conversation: int
    folder: int
    quarantine_entry: int
    mailbox: int
    our_conversation: int
    webhook: int
    message: int
    attachment: int
    our_message: int
    our_attachment: int
    api_key: int
    sync_run: int
    client: int
    reply: int
    our_reply: int
    user: int
    override: int
    our_user: int
    our_mailbox: int
    example: int


# Each id parameter, called by Acme with an id: Globex's, or one that exists nowhere.
CALLS: dict[tuple[str, str], Callable[[Inbox, Theirs, int], object]] = {
    ("conversation", "conversation_id"): lambda inbox, t, i: inbox.conversation("Acme", i),
    ("set_folder", "conversation_id"): lambda inbox, t, i: inbox.set_folder("Acme", i, "none"),
    ("set_folder", "folder"): lambda inbox, t, i: inbox.set_folder("Acme", t.our_conversation, i),
    ("edit_folder", "folder"): lambda inbox, t, i: inbox.edit_folder("Acme", i, description="x"),
    ("quarantine_entry", "entry_id"): lambda inbox, t, i: inbox.quarantine_entry("Acme", i),
    ("quarantine_raw", "entry_id"): lambda inbox, t, i: inbox.quarantine_raw("Acme", i),
    ("retry_quarantine", "entry_ids"): lambda inbox, t, i: inbox.retry_quarantine("Acme", [i]),
    ("sync", "mailbox_id"): lambda inbox, t, i: inbox.sync("Acme", i),
    # `stop` is set: were the id found, the watch would end at once instead of raising.
    ("watch", "mailbox_id"): lambda inbox, t, i: inbox.watch(stopped(), "Acme", i),
    ("webhook_deliveries", "endpoint_id"): lambda inbox, t, i: inbox.webhook_deliveries("Acme", i),
    ("redeliver", "endpoint_id"): lambda inbox, t, i: inbox.redeliver("Acme", i, from_seq=1),
    ("remove_webhook", "endpoint_id"): lambda inbox, t, i: inbox.remove_webhook("Acme", i),
    ("deliver_webhooks", "endpoint_id"): lambda inbox, t, i: inbox.deliver_webhooks("Acme", i),
    ("revoke_api_key", "key_id"): lambda inbox, t, i: inbox.revoke_api_key("Acme", i),
    ("message", "message_id"): lambda inbox, t, i: inbox.message("Acme", i),
    ("attachment", "message_id"): lambda inbox, t, i: inbox.attachment("Acme", i, t.our_attachment),
    ("attachment", "attachment_id"): lambda inbox, t, i: inbox.attachment("Acme", t.our_message, i),
    ("mailbox", "mailbox_id"): lambda inbox, t, i: inbox.mailbox("Acme", i),
    ("mailbox_status", "mailbox_id"): lambda inbox, t, i: inbox.mailbox_status("Acme", i),
    ("edit_mailbox", "mailbox_id"): lambda inbox, t, i: inbox.edit_mailbox(
        "Acme", i, host="x.example"
    ),
    ("pause_mailbox", "mailbox_id"): lambda inbox, t, i: inbox.pause_mailbox("Acme", i),
    ("resume_mailbox", "mailbox_id"): lambda inbox, t, i: inbox.resume_mailbox("Acme", i),
    ("remove_mailbox", "mailbox_id"): lambda inbox, t, i: inbox.remove_mailbox("Acme", i),
    ("queue_sync", "mailbox_id"): lambda inbox, t, i: inbox.queue_sync("Acme", i),
    ("sync_run_page", "mailbox_id"): lambda inbox, t, i: inbox.sync_run_page("Acme", mailbox_id=i),
    ("sync_run", "run_id"): lambda inbox, t, i: inbox.sync_run("Acme", i),
    ("client", "client_id"): lambda inbox, t, i: inbox.client("Acme", i),
    ("folder", "folder"): lambda inbox, t, i: inbox.folder("Acme", i),
    ("remove_folder", "folder"): lambda inbox, t, i: inbox.remove_folder("Acme", i),
    ("reply", "conversation_id"): lambda inbox, t, i: inbox.reply("Acme", i, text="Hello"),
    ("reply_status", "reply_id"): lambda inbox, t, i: inbox.reply_status("Acme", i),
    ("remove_user", "user_id"): lambda inbox, t, i: inbox.remove_user("Acme", i),
    ("set_password", "user_id"): lambda inbox, t, i: inbox.set_password("Acme", i, "new password"),
    ("reply_status", "conversation_id"): lambda inbox, t, i: inbox.reply_status(
        "Acme", t.our_reply, conversation_id=i
    ),
    ("split_message", "message_id"): lambda inbox, t, i: inbox.split_message("Acme", i),
    ("undo_override", "override_id"): lambda inbox, t, i: inbox.undo_override("Acme", i),
    ("thread_overrides", "conversation_id"): lambda inbox, t, i: inbox.thread_overrides("Acme", i),
    ("set_notification", "conversation_id"): lambda inbox, t, i: inbox.set_notification(
        "Acme", i, True
    ),
    ("inbox_page", "user_id"): lambda inbox, t, i: inbox.inbox_page("Acme", i),
    ("mark_read", "user_id"): lambda inbox, t, i: inbox.mark_read("Acme", i, t.our_conversation),
    ("mark_read", "conversation_id"): lambda inbox, t, i: inbox.mark_read("Acme", t.our_user, i),
    ("conversation_view", "conversation_id"): lambda inbox, t, i: inbox.conversation_view(
        "Acme", i
    ),
    ("inline_images", "message_id"): lambda inbox, t, i: inbox.inline_images("Acme", i),
    ("preview_conversations", "folder"): lambda inbox, t, i: inbox.preview_conversations("Acme", i),
    ("preview_auto_reply", "conversation_id"): lambda inbox, t, i: inbox.preview_auto_reply(
        "Acme", i, subject="", body=""
    ),
    ("map_folder", "mailbox_id"): lambda inbox, t, i: inbox.map_folder("Acme", i, "INBOX", 1),
    ("map_folder", "folder"): lambda inbox, t, i: inbox.map_folder(
        "Acme", t.our_mailbox, "INBOX", i
    ),
    ("unmap_folder", "mailbox_id"): lambda inbox, t, i: inbox.unmap_folder("Acme", i, "INBOX"),
    ("mailbox_folders", "mailbox_id"): lambda inbox, t, i: inbox.mailbox_folders("Acme", i),
    ("add_folder_example", "folder"): lambda inbox, t, i: inbox.add_folder_example(
        "Acme", i, subject="x"
    ),
    ("add_folder_example", "conversation_id"): lambda inbox, t, i: inbox.add_folder_example(
        "Acme", "Billing", conversation_id=i
    ),
    ("folder_examples", "folder"): lambda inbox, t, i: inbox.folder_examples("Acme", i),
    ("remove_folder_example", "example_id"): lambda inbox, t, i: inbox.remove_folder_example(
        "Acme", i
    ),
    ("set_smtp", "sent_mailbox_id"): lambda inbox, t, i: inbox.set_smtp(
        "Acme", host="127.0.0.1", port=1, tls="none", sent_mailbox_id=i, sent_folder="Sent"
    ),
}

# Which of Globex's things each parameter is given.
THEIR_ID: dict[str, Callable[[Theirs], int]] = {
    "conversation_id": lambda t: t.conversation,
    "folder": lambda t: t.folder,
    "entry_id": lambda t: t.quarantine_entry,
    "entry_ids": lambda t: t.quarantine_entry,
    "mailbox_id": lambda t: t.mailbox,
    "endpoint_id": lambda t: t.webhook,
    "message_id": lambda t: t.message,
    "attachment_id": lambda t: t.attachment,
    "key_id": lambda t: t.api_key,
    "sent_mailbox_id": lambda t: t.mailbox,
    "run_id": lambda t: t.sync_run,
    "client_id": lambda t: t.client,
    "reply_id": lambda t: t.reply,
    "user_id": lambda t: t.user,
    "override_id": lambda t: t.override,
    "example_id": lambda t: t.example,
}


def stopped() -> threading.Event:
    stop = threading.Event()
    stop.set()
    return stop


def open_inbox(db_url: str) -> Inbox:
    return Inbox(Settings(db=db_url, ai={"provider": "local", "local_model": "hashing"}))


@pytest.fixture(scope="module", params=DB_KINDS)
def world(
    request: pytest.FixtureRequest,
    module_database: Callable[[str], str],
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[str, str, Theirs]:
    """(kind, URL, ids) of the two companies, built once per kind for this module's tests."""
    url = module_database(request.param)
    inbox = open_inbox(url)
    try:
        theirs = build(inbox, tmp_path_factory.mktemp("mail"))
    finally:
        close_queues()  # the replies' retries: their rows are what counts
        inbox.close()
    return request.param, url, theirs


@pytest.fixture
def db_url(world: tuple[str, str, Theirs], new_database: NewDatabase) -> str:
    """A copy of the world's database: each test starts from the world as built."""
    kind, url, _ = world
    return new_database(kind, template=url)


@pytest.fixture
def theirs(world: tuple[str, str, Theirs]) -> Theirs:
    return world[2]


@pytest.fixture
def inbox(db_url: str) -> Iterator[Inbox]:
    inbox = open_inbox(db_url)
    yield inbox
    close_queues()  # the replies' retries, which would outlive the database
    inbox.close()


def build(inbox: Inbox, tmp_path: Path) -> Theirs:
    """Acme with a conversation and a message with an attachment; Globex with the same, a
    folder, a quarantined message, an IMAP mailbox (never connected to) and a webhook."""
    for company in ("Acme", "Globex"):
        inbox.add_company(company, [f"support@{company.lower()}.example"])
        inbox.add_folder(company, "Billing", "invoices")
        mail = {
            "1.eml": html_message(f"<1@{company}.example>", [("a.pdf", "application/pdf", b"%")]),
            "junk.eml": b"\x00 junk",
        }
        inbox.import_path(company, write_files(tmp_path / company, mail))
    [ours] = inbox.conversations("Acme")
    [conversation] = inbox.conversations("Globex")
    [our_message] = inbox.conversation("Acme", ours.id).messages
    [message] = inbox.conversation("Globex", conversation.id).messages
    our_attachment = inbox.message("Acme", our_message.id).attachments[0].id
    attachment = inbox.message("Globex", message.id).attachments[0].id
    [entry] = inbox.quarantine("Globex")
    mailbox = inbox.add_mailbox(
        "Globex", host="127.0.0.1", port=1, tls="none", user="g", password_env="GLOBEX_PW"
    )
    folder = inbox.add_folder("Globex", "Sales", "orders")
    webhook = inbox.add_webhook("Globex", "https://globex.example/hooks").webhook
    key = inbox.create_api_key("Globex")
    # Nothing listens there: the replies wait for a retry, their rows are what counts.
    for company in ("Acme", "Globex"):
        inbox.set_smtp(company, host="127.0.0.1", port=free_port(), tls="none")
    reply = inbox.reply("Globex", conversation.id, text="We are on it.")
    our_reply = inbox.reply("Acme", ours.id, text="On it too.")
    [run] = inbox.sync_run_page("Globex").items
    [client] = inbox.client_page("Globex").items
    user = inbox.add_user("Globex", "agent@globex.example", "agent password")
    our_user = inbox.add_user("Acme", "agent@acme.example", "agent password")
    pair = [make_message(msgid=f"<o{i}@globex.example>", subject=f"Pair {i}") for i in (1, 2)]
    override = inbox.merge_conversations(
        "Globex", *(r.conversation_id or 0 for r in inbox.receive("Globex", pair))
    )
    our_mailbox = inbox.add_mailbox(
        "Acme", host="127.0.0.1", port=1, tls="none", user="a", password_env="ACME_PW"
    )
    example = inbox.add_folder_example("Globex", folder, subject="An order", text="Two chairs")
    return Theirs(conversation.id, folder, entry.id, mailbox.id, ours.id, webhook.id,
                  message.id, attachment, our_message.id, our_attachment, key.id, run.id,
                  client.id, reply.reply_id, our_reply.reply_id, user.id, override.id,
                  our_user.id, our_mailbox.id, example.id)  # fmt: skip


def test_every_id_parameter_has_a_call_here() -> None:
    assert id_parameters() == set(CALLS)


@pytest.mark.parametrize(("method", "parameter"), sorted(CALLS))
def test_another_companys_id_is_not_found_as_an_unknown_one(
    inbox: Inbox, theirs: Theirs, method: str, parameter: str
) -> None:
    call = CALLS[method, parameter]
    their_id = THEIR_ID[parameter](theirs)
    unknown = their_id + 10_000
    with pytest.raises(NotFound) as other:
        call(inbox, theirs, their_id)
    with pytest.raises(NotFound) as missing:
        call(inbox, theirs, unknown)
    assert str(other.value) == str(missing.value).replace(str(unknown), str(their_id))
    assert str(their_id) in str(other.value)


def test_globex_still_reaches_its_own(inbox: Inbox, theirs: Theirs) -> None:
    """The same calls in Globex's name find what Acme's did not (the ids are real)."""
    assert inbox.conversation("Globex", theirs.conversation).id == theirs.conversation
    assert inbox.quarantine_entry("Globex", theirs.quarantine_entry).id == theirs.quarantine_entry
    assert inbox.edit_folder("Globex", theirs.folder, description="x").folder_id == theirs.folder
    filed = inbox.set_folder("Globex", theirs.conversation, theirs.folder)
    assert (filed.folder_id, filed.folder_name) == (theirs.folder, "Sales")
    [box] = inbox.mailboxes("Globex")
    assert box.id == theirs.mailbox
    assert [b.id for b in inbox.mailboxes("Acme")] == [theirs.our_mailbox]
    [example] = inbox.folder_examples("Globex", theirs.folder)
    assert example.id == theirs.example
