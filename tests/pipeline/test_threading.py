"""Threading rules, one hand-made case each, on both databases."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from inboxsync.api import Inbox
from inboxsync.config import Settings
from inboxsync.db.models import Client, Conversation, InboxMessage
from tests.factories import make_message, write_files

ALICE = "Alice Martin <alice@client.example>"
BOB = "Bob Stone <bob@other.example>"


def inbox_for(db_url: str) -> Inbox:
    inbox = Inbox(Settings(db=db_url))
    inbox.add_company("Acme", ["support@acme.example", "sales@acme.example"])
    return inbox


def conversation_of(inbox: Inbox) -> dict[str, int]:
    with inbox.sessions() as session:
        rows = session.execute(select(InboxMessage.message_key, InboxMessage.conversation_id))
        return dict(rows.all())


def run(inbox: Inbox, tmp_path: Path, name: str, files: dict[str, bytes]) -> dict[str, int]:
    inbox.import_path("Acme", write_files(tmp_path / name, files))
    return conversation_of(inbox)


def test_reply_joins_its_parent_by_in_reply_to(db_url: str, tmp_path: Path) -> None:
    inbox = inbox_for(db_url)
    run(inbox, tmp_path, "a", {"1": make_message(msgid="<p@c.example>")})
    found = run(
        inbox,
        tmp_path,
        "b",
        {
            "2": make_message(
                msgid="<r@acme.example>",
                sender="Support <support@acme.example>",
                to=ALICE,
                subject="Totally different subject",
                in_reply_to="<p@c.example>",
                minutes=30,
            )
        },
    )
    assert found["p@c.example"] == found["r@acme.example"]


def test_references_are_matched_right_to_left(db_url: str, tmp_path: Path) -> None:
    inbox = inbox_for(db_url)
    run(
        inbox,
        tmp_path,
        "a",
        {
            "1": make_message(msgid="<one@c.example>", subject="First topic"),
            "2": make_message(msgid="<two@c.example>", subject="Second topic", sender=BOB),
        },
    )
    found = run(
        inbox,
        tmp_path,
        "b",
        {
            "3": make_message(
                msgid="<three@c.example>",
                subject="Re: Second topic",
                references="<unknown@x.example> <one@c.example> <two@c.example>",
                minutes=60,
            )
        },
    )
    assert found["three@c.example"] == found["two@c.example"] != found["one@c.example"]


def test_reply_without_references_threads_by_subject_within_window(
    db_url: str, tmp_path: Path
) -> None:
    inbox = inbox_for(db_url)
    files = {
        "1": make_message(msgid="<s1@c.example>", subject="Devis cuisine"),
        "2": make_message(
            msgid="<s2@c.example>", subject="RE: Réf : TR: Devis  cuisine", minutes=90
        ),
        "3": make_message(
            msgid="<s3@c.example>", subject="AW: Devis cuisine", minutes=60 * 24 * 45
        ),
        "4": make_message(
            msgid="<s4@c.example>", subject="Re: Devis cuisine", sender=BOB, minutes=95
        ),
    }
    found = run(inbox, tmp_path, "a", files)
    assert found["s1@c.example"] == found["s2@c.example"]
    # 45 days later is outside the 30-day window; Bob shares no participant with Alice.
    assert found["s3@c.example"] != found["s1@c.example"]
    assert found["s4@c.example"] != found["s1@c.example"]


def test_generic_subjects_never_merge_on_subject_alone(db_url: str, tmp_path: Path) -> None:
    inbox = inbox_for(db_url)
    found = run(
        inbox,
        tmp_path,
        "a",
        {
            "1": make_message(msgid="<g1@c.example>", subject="Bonjour"),
            "2": make_message(msgid="<g2@c.example>", subject="Re: Bonjour", minutes=10),
        },
    )
    assert found["g1@c.example"] != found["g2@c.example"]


def test_parent_arriving_after_its_reply_pulls_it_into_one_conversation(
    db_url: str, tmp_path: Path
) -> None:
    inbox = inbox_for(db_url)
    reply = make_message(
        msgid="<child@c.example>", subject="Re: Late parent", in_reply_to="<parent@c.example>"
    )
    run(inbox, tmp_path, "a", {"child": reply})
    found = run(
        inbox, tmp_path, "b", {"parent": make_message(msgid="<parent@c.example>", subject="Other")}
    )
    assert found["child@c.example"] == found["parent@c.example"]
    with inbox.sessions() as session:
        conversations = session.scalars(select(Conversation)).all()
    assert len(conversations) == 1
    assert conversations[0].message_count == 2


def test_outgoing_mail_threads_and_its_recipient_is_the_client(db_url: str, tmp_path: Path) -> None:
    inbox = inbox_for(db_url)
    found = run(
        inbox,
        tmp_path,
        "sent",
        {
            "1": make_message(
                msgid="<out@acme.example>",
                sender="Acme Sales <sales@acme.example>",
                to="Carla Diaz <carla@prospect.example>",
                subject="Your quote",
            ),
            "2": make_message(
                msgid="<back@prospect.example>",
                sender="Carla Diaz <carla@prospect.example>",
                to="sales@acme.example",
                subject="Re: Your quote",
                in_reply_to="<out@acme.example>",
                minutes=20,
            ),
        },
    )
    assert found["out@acme.example"] == found["back@prospect.example"]
    with inbox.sessions() as session:
        clients = session.scalars(select(Client.email)).all()
        conversation = session.get(Conversation, found["out@acme.example"])
        client = session.get(Client, conversation.client_id) if conversation else None
    assert clients == ["carla@prospect.example"]
    assert client is not None and client.email == "carla@prospect.example"


def test_notifications_are_threaded_but_create_no_client(db_url: str, tmp_path: Path) -> None:
    inbox = inbox_for(db_url)
    newsletter = make_message(
        msgid="<n1@news.example>",
        sender="News <news@news.example>",
        subject="Weekly digest",
        headers={"List-Unsubscribe": "<mailto:unsub@news.example>", "Precedence": "bulk"},
    )
    report = inbox.import_path("Acme", write_files(tmp_path / "n", {"n": newsletter}))
    assert report.notifications == 1 and report.new_clients == 0
    with inbox.sessions() as session:
        conversation = session.scalars(select(Conversation)).one()
    assert conversation.is_notification and conversation.client_id is None
    assert conversation.status == "skipped"
