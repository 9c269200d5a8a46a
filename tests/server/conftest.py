"""Two companies on a real API server: Acme and Globex, each with mail, a folder and a
quarantined message (Globex an IMAP mailbox too), and API keys of every kind."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest

from inboxsync import Inbox, Settings
from inboxsync.jobs import close_queues
from tests.factories import make_message, write_files
from tests.support.databases import DB_KINDS, NewDatabase
from tests.support.http import ApiServer, api_server
from tests.support.imap import imap, imap_user  # noqa: F401  (fixtures: a mailbox on Dovecot)
from tests.support.smtp_server import free_port


def settings_for(db_url: str) -> Settings:
    """Settings of the tests' server and Inbox: the offline classifier."""
    return Settings(db=db_url, ai={"provider": "local", "local_model": "hashing"})


def import_conversations(inbox: Inbox, company: str, folder: Path, first: int, count: int) -> None:
    """Import `count` unrelated messages (numbered from `first`): one new conversation each."""
    mail = {
        f"{i}.eml": make_message(
            msgid=f"<{i}@{company.lower()}.client.example>",
            sender=f"Client {i} <client{i}@client{i}.example>",
            to=f"support@{company.lower()}.example",
            subject=f"Question number {i}",
            minutes=i,
        )
        for i in range(first, first + count)
    }
    inbox.import_path(company, write_files(folder / f"{company}-{first}", mail))


INVOICE = b"%PDF-1.4 invoice 42"


def with_invoice(raw: bytes) -> bytes:
    """The message with an HTML part (a script in it) and a PDF attached."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    message.add_alternative("<p>Hello <b>there</b><script>alert(1)</script></p>", subtype="html")
    message.add_attachment(INVOICE, maintype="application", subtype="pdf", filename="invoice.pdf")
    return message.as_bytes()


@dataclass(frozen=True)
class World:
    """The server, the Inbox under it, the keys, and Globex's ids that Acme must not reach."""

    api: ApiServer
    inbox: Inbox
    acme_read: str
    acme_write: str
    globex_write: str
    admin: str
    globex_conversation: int
    globex_folder: int
    globex_message: int
    globex_attachment: int
    globex_reply: int
    globex_mailbox: int
    globex_sync_run: int
    globex_client: int
    globex_quarantine: int

    def client(self, key: str | None = None) -> httpx.Client:
        """An httpx client on the server with `key` (none: no Authorization header)."""
        return self.api.client(key)


@dataclass(frozen=True)
class Built:
    """A world's database, built once per kind for a module, and what World needs of it."""

    url: str
    keys: tuple[str, str, str, str]
    globex: tuple[int, ...]


@pytest.fixture(scope="module")
def built_worlds(
    module_database: Callable[[str], str], tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], Built]:
    """The world of each db kind, built on first use, once for the module."""
    built: dict[str, Built] = {}

    def get(kind: str) -> Built:
        if kind not in built:
            url = module_database(kind)
            inbox = Inbox(settings_for(url))
            try:
                built[kind] = build(inbox, url, tmp_path_factory.mktemp("world"))
            finally:
                close_queues()  # Globex's reply's retries: its row is what counts
                inbox.close()
        return built[kind]

    return get


@pytest.fixture(params=DB_KINDS)
def db_url(
    request: pytest.FixtureRequest,
    new_database: NewDatabase,
    built_worlds: Callable[[str], Built],
) -> str:
    """A fresh database; for a test of the `world`, a copy of the module's world."""
    if "world" in request.fixturenames:
        return new_database(request.param, template=built_worlds(request.param).url)
    return new_database(request.param)


@pytest.fixture
def inbox(db_url: str) -> Iterator[Inbox]:
    inbox = Inbox(settings_for(db_url))
    yield inbox
    close_queues()  # Globex's reply's retries, which would outlive the database
    inbox.close()


def build(inbox: Inbox, url: str, tmp_path: Path) -> Built:
    """Acme and Globex with mail, a folder and a quarantined message each, Globex a reply and
    an IMAP mailbox, and API keys of every kind."""
    for company in ("Acme", "Globex"):
        inbox.add_company(company, [f"support@{company.lower()}.example"])
        inbox.add_folder(company, "Billing", "invoices and payments")
        mail = {
            "1.eml": with_invoice(make_message(msgid=f"<1@{company}.example>")),
            "junk.eml": b"\x00 junk",
        }
        inbox.import_path(company, write_files(tmp_path / company, mail))
    [theirs] = inbox.conversations("Globex")
    [message] = inbox.conversation("Globex", theirs.id).messages
    [attachment] = inbox.message("Globex", message.id).attachments
    # Nothing listens there: Globex's reply waits for a retry, its row is what counts.
    inbox.set_smtp("Globex", host="127.0.0.1", port=free_port(), tls="none")
    reply = inbox.reply("Globex", theirs.id, text="We are on it.")
    [run] = inbox.sync_run_page("Globex").items
    [client] = inbox.client_page("Globex").items
    [junk] = inbox.quarantine("Globex")
    box = inbox.add_mailbox("Globex", host="imap.globex.example", user="support@globex.example",
                            password_env="GLOBEX_IMAP_PW")  # fmt: skip
    keys = (
        inbox.create_api_key("Acme", name="crm").key,
        inbox.create_api_key("Acme", scope="write").key,
        inbox.create_api_key("Globex", scope="write").key,
        inbox.create_api_key(None).key,
    )
    folder = inbox.add_folder("Globex", "Sales", "orders")
    globex = (theirs.id, folder, message.id, attachment.id, reply.reply_id, box.id, run.id,
              client.id, junk.id)  # fmt: skip
    return Built(url, keys, globex)


@pytest.fixture
def world(
    inbox: Inbox, db_url: str, request: pytest.FixtureRequest, built_worlds: Callable[[str], Built]
) -> Iterator[World]:
    """The module's world (a copy of it in `db_url`) served on loopback."""
    built = built_worlds(request.node.callspec.params["db_url"])
    with api_server(settings_for(db_url)) as api:
        yield World(api, inbox, *built.keys, *built.globex)


def error_of(response: httpx.Response) -> dict[str, str]:
    """The `error` object of a JSON error answer (asserting its shape)."""
    assert response.headers["content-type"].startswith("application/json"), response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    return dict(body["error"])
