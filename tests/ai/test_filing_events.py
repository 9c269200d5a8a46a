"""Filing is in the event feed: `conversation.classified` for what a classifier filed (not for
what a user filed meanwhile), `conversation.folder_set` for a user's correction; both bump the
conversation's `updated_at`."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.ai import classify_pending, set_folder
from inboxsync.config import Settings
from inboxsync.db.events import read_events
from inboxsync.db.models import Conversation
from tests.ai.conftest import BASE, add_conversations, make_company
from tests.support.fake_openai import FakeOpenAI

TEXTS = [
    ("Billing error", "My billing is wrong."),
    ("Delivery late", "The Delivery did not arrive."),
    ("Crash on login", "The Support app shows an error."),
]


def test_each_filed_conversation_is_one_classified_event(
    sessions: sessionmaker[Session], ai_settings: Settings, fake_openai: FakeOpenAI
) -> None:
    company = make_company(sessions)
    ids = add_conversations(sessions, company.id, TEXTS)
    with sessions.begin() as session:  # a user files the third first: the classifier skips it
        session.execute(update(Conversation).where(Conversation.id == ids[2]).values(
            folder_source="user", status="classified", folder_id=company.folders["Support"]
        ))  # fmt: skip
    classify_pending(sessions, ai_settings, company.id)

    with sessions() as session:
        events = read_events(session, company.id)
        updated = dict(session.execute(select(Conversation.id, Conversation.updated_at)).all())
    assert [(e.type, e.conversation_id) for e in events] == [
        ("conversation.classified", ids[0]),
        ("conversation.classified", ids[1]),
    ]
    assert [e.data["folder_id"] for e in events] == [
        company.folders["Billing"],
        company.folders["Delivery"],
    ]
    assert {e.data["status"] for e in events} == {"classified"}
    assert updated[ids[0]] > BASE and updated[ids[1]] > BASE


def test_a_users_correction_is_a_folder_set_event(
    sessions: sessionmaker[Session], ai_settings: Settings
) -> None:
    company = make_company(sessions)
    [cid] = add_conversations(sessions, company.id, TEXTS[:1], status="classified")
    set_folder(sessions, cid, "Delivery", company_id=company.id)
    set_folder(sessions, cid, "none", company_id=company.id)
    with sessions() as session:
        events = read_events(session, company.id)
    assert [(e.seq, e.type, e.conversation_id) for e in events] == [
        (1, "conversation.folder_set", cid),
        (2, "conversation.folder_set", cid),
    ]
    assert events[0].data == {
        "folder_id": company.folders["Delivery"],
        "folder": "Delivery",
        "previous_folder_id": None,
    }
    assert events[1].data["previous_folder_id"] == company.folders["Delivery"]
    assert events[1].data["folder_id"] is None
