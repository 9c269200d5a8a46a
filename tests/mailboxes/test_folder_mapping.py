"""A company's own filing as labels, against a real Dovecot: the mail of an IMAP folder mapped
onto a company folder is filed there as a person's decision from the first sync, teaches the
local model in the same run, applies to mail synced before it was mapped, loses to a user's
correction, and gives its conversations back to the classifier when it is removed."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from inboxsync import Inbox, NotFound, UsageError
from inboxsync.ai import classify_pending, set_folder
from inboxsync.config import Settings
from inboxsync.db.companies import add_folder
from inboxsync.db.models import Conversation, Folder
from inboxsync.mailboxes import sync_mailbox
from tests.factories import make_message
from tests.support.imap import Account, ImapWorld, crlf

FOLDERS = {"Kitchen": "recipes and cooking", "Garden": "plants outside"}
# Zero-shot, zucchini recipes are Kitchen's (the description's words); this company files
# them under Garden, in its IMAP folder "Potager".
TAUGHT = [(f"zucchini recipes {w}", f"zucchini harvest recipes {w}") for w in "abc"]
PROBE = ("zucchini recipes", "zucchini")


def mail(tag: str, n: int, subject: str, body: str, **kwargs: object) -> bytes:
    return crlf(
        make_message(
            msgid=f"<{tag}-{n}@client.example>",
            sender=f"Client {tag} {n} <{tag}{n}@client.example>",
            subject=subject,
            body=body + "\n",
            minutes=n,
            **kwargs,  # type: ignore[arg-type]
        )
    )


def local(imap: ImapWorld) -> Settings:
    return imap.settings(ai={"provider": "local", "local_model": "hashing"})


def company_with_folders(imap: ImapWorld, name: str, imap_folders: list[str]) -> Account:
    account = imap.account(imap.new_user(), folders=imap_folders, company=name)
    with imap.sessions.begin() as session:
        for folder, description in FOLDERS.items():
            add_folder(session, account.company_id, folder, description)
    return account


def sync_and_classify(imap: ImapWorld, account: Account) -> None:
    sync_mailbox(imap.sessions, local(imap), account.mailbox_id)
    classify_pending(imap.sessions, local(imap), account.company_id)


def test_a_mapped_folder_files_its_mail_from_the_first_sync_and_teaches_the_local_model(
    imap: ImapWorld,
) -> None:
    inbox = Inbox(local(imap))
    try:
        for company, mapped in (("Unmapped", False), ("Mapped", True)):
            account = company_with_folders(imap, company, ["INBOX", "Potager"])
            taught = [mail(company, i, s, b) for i, (s, b) in enumerate(TAUGHT)]
            imap.append(taught, folder="Potager", user=account.user)
            imap.append([mail(company, 9, *PROBE)], user=account.user)
            if mapped:
                change = inbox.map_folder(company, account.mailbox_id, "Potager", "Garden")
                assert (change.mapping.folder_name, change.filed) == ("Garden", 0)
            sync_and_classify(imap, account)
            probe = _of(imap.sessions, account.company_id, PROBE[0])
            if not mapped:
                assert probe[:2] == ("Kitchen", "local")  # the description's words alone
                continue
            for subject, _ in TAUGHT:
                folder, source, reason = _of(imap.sessions, account.company_id, subject)
                assert (folder, source) == ("Garden", "mailbox")
                assert reason == f"filed in IMAP folder 'Potager' (mailbox {account.mailbox_id})"
            # Same run, same round: the mapped mail taught the model where zucchini go.
            assert probe[:2] == ("Garden", "local")
            assert [
                (f.name, f.folder) for f in inbox.mailbox_folders(company, account.mailbox_id)
            ] == [
                ("INBOX", None),
                ("Potager", "Garden"),
            ]
    finally:
        inbox.close()


def test_mapping_files_mail_synced_before_a_user_correction_wins_and_removal_refiles(
    imap: ImapWorld,
) -> None:
    account = company_with_folders(imap, "Acme", ["INBOX", "Potager"])
    imap.append([mail("p", i, s, b) for i, (s, b) in enumerate(TAUGHT)], "Potager", account.user)
    sync_and_classify(imap, account)
    assert {_of(imap.sessions, account.company_id, s)[1] for s, _ in TAUGHT} == {"local"}
    corrected = _id(imap.sessions, account.company_id, TAUGHT[0][0])
    set_folder(imap.sessions, corrected, "Kitchen")

    inbox = Inbox(local(imap))
    try:
        change = inbox.map_folder("Acme", account.mailbox_id, "Potager", "Garden")
        assert change.filed == 2  # the mail synced before; not the one a user filed
        assert _of(imap.sessions, account.company_id, TAUGHT[0][0])[:2] == ("Kitchen", "user")
        for subject, _ in TAUGHT[1:]:
            assert _of(imap.sessions, account.company_id, subject)[:2] == ("Garden", "mailbox")
        assert inbox.map_folder("Acme", account.mailbox_id, "Potager", "Garden").filed == 0

        # A user's correction of a mapped filing wins, a new mapping included.
        set_folder(imap.sessions, _id(imap.sessions, account.company_id, TAUGHT[1][0]), "Kitchen")
        assert inbox.map_folder("Acme", account.mailbox_id, "Potager", "Kitchen").filed == 1
        assert _of(imap.sessions, account.company_id, TAUGHT[1][0])[:2] == ("Kitchen", "user")
        assert _of(imap.sessions, account.company_id, TAUGHT[2][0])[:2] == ("Kitchen", "mailbox")

        removed = inbox.unmap_folder("Acme", account.mailbox_id, "Potager")
        assert (len(removed.released), removed.filed) == (1, 0)
        assert _of(imap.sessions, account.company_id, TAUGHT[2][0])[1] == "local"  # refiled
        assert _of(imap.sessions, account.company_id, TAUGHT[1][0])[:2] == ("Kitchen", "user")
        assert [f.folder for f in inbox.mailbox_folders("Acme", account.mailbox_id)] == [None, None]
        with pytest.raises(NotFound, match="not mapped"):
            inbox.unmap_folder("Acme", account.mailbox_id, "Potager")
        with pytest.raises(UsageError, match="does not sync IMAP folder 'Archive'"):
            inbox.map_folder("Acme", account.mailbox_id, "Archive", "Garden")
    finally:
        inbox.close()


def test_the_latest_incoming_message_in_a_mapped_folder_decides(imap: ImapWorld) -> None:
    account = company_with_folders(imap, "Acme", ["Potager", "Cuisine", "Sent"])
    first = mail("c", 1, "My order", "About my order")
    reply = mail("c", 2, "Re: My order", "Still about it", in_reply_to="<c-1@client.example>")
    answer = crlf(
        make_message(
            msgid="<answer@acme.example>",
            sender="Support <support@acme.example>",
            to="c1@client.example",
            subject="Re: My order",
            minutes=5,
            in_reply_to="<c-2@client.example>",
        )
    )
    imap.append([first], "Potager", account.user)
    imap.append([reply], "Cuisine", account.user)
    imap.append([answer], "Sent", account.user)
    inbox = Inbox(local(imap))
    try:
        for imap_folder, folder in (("Potager", "Garden"), ("Cuisine", "Kitchen")):
            inbox.map_folder("Acme", account.mailbox_id, imap_folder, folder)
        inbox.map_folder("Acme", account.mailbox_id, "Sent", "Garden")  # outgoing: not first
        sync_and_classify(imap, account)
        with imap.sessions() as session:
            assert session.scalar(select(Conversation.message_count)) == 3
        folder, source, reason = _of(imap.sessions, account.company_id, "My order")
        assert (folder, source) == ("Kitchen", "mailbox") and "'Cuisine'" in reason
        inbox.unmap_folder("Acme", account.mailbox_id, "Cuisine")
        folder, source, reason = _of(imap.sessions, account.company_id, "My order")
        assert (folder, source) == ("Garden", "mailbox") and "'Potager'" in reason
    finally:
        inbox.close()


def _id(sessions: sessionmaker[Session], company_id: int, subject: str) -> int:
    with sessions() as session:
        return int(
            session.scalars(
                select(Conversation.id).where(
                    Conversation.company_id == company_id, Conversation.subject == subject
                )
            ).one()
        )


def _of(
    sessions: sessionmaker[Session], company_id: int, subject: str
) -> tuple[str | None, str, str]:
    with sessions() as session:
        row = session.execute(
            select(Folder.name, Conversation.folder_source, Conversation.status_reason)
            .outerjoin(Folder, Folder.id == Conversation.folder_id)
            .where(Conversation.company_id == company_id, Conversation.subject == subject)
        ).one()
    return row[0], row[1], row[2]
