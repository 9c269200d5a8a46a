"""The mailbox and folder commands over the new Inbox methods: mailbox edit|pause|resume|remove
and folder remove, each one line out, one line of error."""

from __future__ import annotations

from inboxsync import Inbox, Settings
from tests.support.cli import invoke, ok


def test_mailbox_edit_pause_resume_and_remove(db_url: str) -> None:
    ok(invoke("company", "add", "Acme", "--address", "support@acme.example", db=db_url))
    added = ok(
        invoke(
            "mailbox",
            "add",
            "--company",
            "Acme",
            "--imap-host",
            "imap.acme.example",
            "--user",
            "support@acme.example",
            "--password-env",
            "ACME_PW",
            db=db_url,
        )
    )
    mailbox_id = added.split()[1]
    edited = ok(
        invoke(
            "mailbox",
            "edit",
            mailbox_id,
            "--company",
            "Acme",
            "--tls",
            "starttls",
            "--folder",
            "INBOX",
            "--folder",
            "Archive",
            db=db_url,
        )
    )
    assert edited == (
        f"mailbox {mailbox_id}: support@acme.example@imap.acme.example:143 (starttls), "
        "INBOX, Archive\n"
    )
    paused = ok(invoke("mailbox", "pause", mailbox_id, "--company", "Acme", db=db_url))
    inbox = Inbox(Settings(db=db_url))
    try:
        assert inbox.mailbox_status("Acme", int(mailbox_id)).paused
        resumed = ok(invoke("mailbox", "resume", mailbox_id, "--company", "Acme", db=db_url))
        assert not inbox.mailbox_status("Acme", int(mailbox_id)).paused
        removed = ok(invoke("mailbox", "remove", mailbox_id, "--company", "Acme", db=db_url))
        assert inbox.mailboxes("Acme") == []
    finally:
        inbox.close()
    assert (paused, resumed) == (
        f"mailbox {mailbox_id} paused\n",
        f"mailbox {mailbox_id} resumed\n",
    )
    assert removed.startswith(f"mailbox {mailbox_id} removed; deleted 0 messages")


def test_the_commands_refuse_in_one_line(db_url: str) -> None:
    ok(invoke("company", "add", "Acme", "--address", "support@acme.example", db=db_url))
    for args in (
        ["mailbox", "pause", "99"],
        ["mailbox", "edit", "99", "--port", "0"],
        ["folder", "remove", "Nope"],
    ):
        result = invoke(*args, "--company", "Acme", db=db_url)
        assert result.exit_code == 2, result.stderr
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1


def test_folder_remove(db_url: str) -> None:
    ok(invoke("company", "add", "Acme", "--address", "support@acme.example", db=db_url))
    ok(invoke("folder", "add", "Billing", "--company", "Acme", "--description", "bills", db=db_url))
    out = ok(invoke("folder", "remove", "billing", "--company", "Acme", db=db_url))
    assert out == "folder 'billing' removed; 0 conversations unfiled\n"
