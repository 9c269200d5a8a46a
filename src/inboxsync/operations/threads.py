"""`Inbox`'s corrections of threading by people: merges and splits that later replies obey,
and notification marks that win over the detector."""

from __future__ import annotations

from inboxsync.db import companies as company_store
from inboxsync.db import overrides
from inboxsync.db.overrides import NotificationSet, ThreadOverride
from inboxsync.jobs import follow_up
from inboxsync.operations._base import InboxBase


class ThreadOperations(InboxBase):
    """Merges, splits and their undoing; notification marks."""

    def merge_conversations(
        self, company: str | int, into: int, merged: int, *, wait: bool = False
    ) -> ThreadOverride:
        """Move every message of conversation `merged` into `into` and delete `merged` (undo
        revives it). `into` keeps its folder; its counts, dates and participants are
        recomputed. Replies to any message of either later join `into`. NotFound unless both
        are the company's."""
        company_id = self.company_id(company)
        with self.sessions.begin() as session:
            done = overrides.merge_conversations(session, company_id, into, merged)
        self._after(company_id, [], wait)
        return done

    def split_message(
        self, company: str | int, message_id: int, *, wait: bool = False
    ) -> ThreadOverride:
        """Move the message, with the messages of its conversation that reply to it (down
        the In-Reply-To chain), into a new conversation that the classifier then files (and
        its folder's auto-reply may answer, as for any new conversation). Later replies to
        them join the new conversation; threading never joins the two again. UsageError
        when every message of the conversation would move."""
        company_id = self.company_id(company)
        with self.sessions.begin() as session:
            done = overrides.split_message(session, company_id, message_id)
        self._after(company_id, [done.conversation_id], wait)
        return done

    def undo_override(
        self, company: str | int, override_id: int, *, wait: bool = False
    ) -> ThreadOverride:
        """Put a merge's or a split's messages back: an undone merge revives the merged
        conversation, an undone split moves the messages back and removes the split
        conversation. UsageError when it was undone already."""
        company_id = self.company_id(company)
        with self.sessions.begin() as session:
            done = overrides.undo_override(session, company_id, override_id)
        self._after(company_id, [], wait)
        return done

    def thread_overrides(self, company: str | int, conversation_id: int) -> list[ThreadOverride]:
        """The merges and splits into or out of the conversation, newest first; those with
        `undoable` can be undone."""
        with self.reader_sessions() as session:
            company_id = company_store.company_id_by_name(session, company)
            return overrides.overrides_of(session, company_id, conversation_id)

    def set_notification(
        self, company: str | int, conversation_id: int, is_notification: bool, *, wait: bool = False
    ) -> NotificationSet:
        """Mark the conversation as a notification or not; the mark wins over the detector
        for later messages. A conversation that stops being one goes to the classifier."""
        company_id = self.company_id(company)
        with self.sessions.begin() as session:
            done = overrides.set_notification_mark(
                session, company_id, conversation_id, is_notification
            )
        self._after(company_id, [conversation_id] if done.status == "pending" else [], wait)
        return done

    def _after(self, company_id: int, to_classify: list[int], wait: bool) -> None:
        """Queue the classification of `to_classify` and the delivery of the new events."""
        follow_up(self.sessions, self.settings, company_id, to_classify, wait=wait)
