"""The copy of a sent reply in the Sent folder of a company's mailbox on the real Dovecot
(configured with `company set-smtp --sent-mailbox --sent-folder`), and the `reply` command."""

from __future__ import annotations

import email
from pathlib import Path

import pytest
from imapclient import IMAPClient
from sqlalchemy.orm import Session, sessionmaker

from inboxsync import Inbox
from inboxsync.config import Settings
from tests.support.cli import invoke, ok
from tests.support.dovecot import DovecotServer
from tests.support.imap import IMAP_PASSWORD, IMAP_PASSWORD_ENV, add_imap_mailbox
from tests.support.smtp_server import SmtpServer


def copying_to(
    sessions: sessionmaker[Session],
    inbox: Inbox,
    dovecot: DovecotServer,
    smtp: SmtpServer,
    folder: str,
) -> IMAPClient:
    """Acme's SMTP settings, set by the CLI, copying replies to `folder` of a new mailbox
    (whose account has a Sent folder); the IMAP client of that account."""
    mailbox_id, user = add_imap_mailbox(sessions, dovecot, inbox.company_id("Acme"))
    dovecot.append(user, [], "Sent")
    ok(
        invoke(
            "company", "set-smtp", "Acme", "--host", "127.0.0.1", "--port", str(smtp.port),
            "--tls", "none", "--sent-mailbox", str(mailbox_id), "--sent-folder", folder,
            db=inbox.settings.db,
        )
    )  # fmt: skip
    return dovecot.client(user)


@pytest.fixture(autouse=True)
def imap_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(IMAP_PASSWORD_ENV, IMAP_PASSWORD)


def test_a_sent_reply_is_copied_to_the_sent_folder_seen(
    inbox: Inbox,
    sessions: sessionmaker[Session],
    smtp: SmtpServer,
    dovecot: DovecotServer,
    question: int,
) -> None:
    with copying_to(sessions, inbox, dovecot, smtp, "Sent") as client:
        receipt = inbox.reply("Acme", question, text="Copied.", wait=True)
        assert inbox.reply_status("Acme", receipt.reply_id).sent_copy == "appended"
        client.select_folder("Sent")
        [uid] = client.search("ALL")
        fetched = client.fetch([uid], ["FLAGS", "BODY.PEEK[]"])[uid]
    assert b"\\Seen" in fetched[b"FLAGS"]
    copy = email.message_from_bytes(fetched[b"BODY[]"])
    assert copy["Message-ID"] == f"<{receipt.message_id}>"
    assert copy.get_payload(decode=True).strip() == b"Copied."


def test_a_failed_copy_is_noted_and_the_reply_stays_sent_once(
    inbox: Inbox,
    sessions: sessionmaker[Session],
    smtp: SmtpServer,
    dovecot: DovecotServer,
    question: int,
) -> None:
    with copying_to(sessions, inbox, dovecot, smtp, "No such folder"):
        receipt = inbox.reply("Acme", question, text="Not copied.", wait=True)
    status = inbox.reply_status("Acme", receipt.reply_id)
    assert status.status == "sent" and status.sent_copy.startswith("failed: ")
    inbox.reply("Acme", question, text="Not copied.", wait=True)
    assert len(smtp.received) == 2  # one each: the failed copy never made a send repeat


def test_the_reply_command_sends_text_html_and_files(
    inbox: Inbox,
    settings: Settings,
    smtp: SmtpServer,
    tmp_path: Path,
    question: int,
) -> None:
    (tmp_path / "answer.html").write_text("<p>See <b>attached</b>.</p>")
    (tmp_path / "log.csv").write_bytes(b"a,b\n1,2\n")
    out = ok(
        invoke(
            "reply", str(question), "--company", "Acme",
            "--html-file", str(tmp_path / "answer.html"),
            "--attach", str(tmp_path / "log.csv"), "--idempotency-key", "cli-1",
            db=settings.db,
        )
    )  # fmt: skip
    assert out.startswith("reply 1 sent: <reply.") and out.rstrip().endswith("@acme.example>")
    [part] = list(smtp.received[0].message.iter_attachments())
    assert (part.get_filename(), part.get_content_type()) == ("log.csv", "text/csv")
    refused = invoke("reply", str(question), "--company", "Acme", "--text", "other",
                     "--idempotency-key", "cli-1", db=settings.db)  # fmt: skip
    assert refused.exit_code == 2 and "another reply" in refused.output
    assert len(refused.output.strip().splitlines()) == 1
