"""Threading a batch of new messages into conversations (pure: no database access).

Order of evidence, as in the design: In-Reply-To, then References right to left, matched
against the batch and the stored messages; only when nothing matched, the normalized subject
with a shared external participant inside a time window. A parent that arrives after its
replies pulls their conversation into its own (a merge).

People's decisions win: two conversations a person split apart are never joined again, and
a conversation a person marked (not) a notification keeps the mark whatever arrives.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from inboxsync.mail.participants import client_address, external_participants
from inboxsync.mail.subject import is_generic_subject
from inboxsync.mail.types import ParsedMessage
from inboxsync.pipeline.resolve import PersonDecisions, StoredConversation

MAX_PARTICIPANTS = 50
MAX_REFERENCES = 10
NOBODY_DECIDED = PersonDecisions()


@dataclass(eq=False)
class Thread:
    """A conversation as the batch sees it: stored (with an id) or new."""

    stored_id: int | None
    root_key: str
    subject: str
    subject_norm: str
    started_at: datetime
    last_message_at: datetime
    participants: set[str]
    is_notification: bool
    client_id: int | None = None
    client_email: str | None = None
    status: str = "pending"
    parent: Thread | None = None
    changed: bool = False
    # The stored conversations this thread is or absorbed, and whether a person set
    # `is_notification`.
    members: set[int] = field(default_factory=set)
    pinned: bool = False

    def root(self) -> Thread:
        thread = self
        while thread.parent is not None:
            thread = thread.parent
        return thread


@dataclass
class ThreadResult:
    """Which thread each new message joins, the new threads, and stored threads merged away."""

    thread_of: dict[str, Thread]
    new_threads: list[Thread]
    touched: list[Thread]
    merged: list[tuple[int, Thread]]


def referenced_keys(message: ParsedMessage) -> list[str]:
    """The keys a message points at, most telling first: In-Reply-To, then References
    right to left (the root is kept, long middles are cut)."""
    refs = list(message.references)
    if len(refs) > MAX_REFERENCES:
        refs = refs[:1] + refs[-(MAX_REFERENCES - 1) :]
    ordered = [message.in_reply_to] if message.in_reply_to else []
    ordered.extend(reversed(refs))
    return list(dict.fromkeys(k for k in ordered if k != message.message_key))


class _Threader:
    def __init__(
        self,
        own: frozenset[str],
        stored_by_key: dict[str, int],
        stored: dict[int, StoredConversation],
        window: timedelta,
        decisions: PersonDecisions,
    ) -> None:
        self.own = own
        self.stored_by_key = stored_by_key
        self.window = window
        self.apart = decisions.apart
        self.threads: dict[int, Thread] = {
            sid: _from_stored(c, sid in decisions.pinned) for sid, c in stored.items()
        }
        self.by_subject: dict[str, list[Thread]] = {}
        for thread in self.threads.values():
            self.by_subject.setdefault(thread.subject_norm, []).append(thread)
        self.thread_of: dict[str, Thread] = {}
        self.new_threads: list[Thread] = []
        self.merged: list[tuple[int, Thread]] = []

    def place(self, message: ParsedMessage, children: Iterable[int]) -> None:
        thread = self._by_reference(message) or self._by_subject(message)
        if thread is None:
            thread = self._new_thread(message)
        self._add(thread, message)
        for child_id in children:
            child = self.threads.get(child_id)
            if child is not None:
                self.union(thread, child)

    def union(self, a: Thread, b: Thread) -> None:
        a, b = a.root(), b.root()
        if a is b or any(frozenset((x, y)) in self.apart for x in a.members for y in b.members):
            return
        winner, loser = (
            (a, b) if _rank(a, self.new_threads) <= _rank(b, self.new_threads) else (b, a)
        )
        loser.parent = winner
        winner.changed = True
        winner.started_at = min(winner.started_at, loser.started_at)
        winner.last_message_at = max(winner.last_message_at, loser.last_message_at)
        _add_participants(winner, loser.participants)
        winner.members |= loser.members
        if loser.pinned and not winner.pinned:
            winner.is_notification, winner.pinned = loser.is_notification, True
        elif not winner.pinned:
            winner.is_notification = winner.is_notification and loser.is_notification
        winner.client_id = winner.client_id or loser.client_id
        winner.client_email = winner.client_email or loser.client_email
        if loser.stored_id is not None:
            self.merged.append((loser.stored_id, winner))

    def _by_reference(self, message: ParsedMessage) -> Thread | None:
        for key in referenced_keys(message):
            if key in self.thread_of:
                return self.thread_of[key].root()
            stored_id = self.stored_by_key.get(key)
            if stored_id is not None and stored_id in self.threads:
                return self.threads[stored_id].root()
        return None

    def _by_subject(self, message: ParsedMessage) -> Thread | None:
        if message.verdict.kind == "notification" or is_generic_subject(message.subject_norm):
            return None
        people = external_participants(message, self.own)
        best: Thread | None = None
        for candidate in self.by_subject.get(message.subject_norm, ()):
            thread = candidate.root()
            if (
                thread.subject_norm == message.subject_norm
                and not thread.is_notification
                and thread.participants & people
                and thread.last_message_at >= message.date_naive - self.window
                and thread.started_at <= message.date_naive + self.window
                and (best is None or thread.last_message_at > best.last_message_at)
            ):
                best = thread
        return best

    def _new_thread(self, message: ParsedMessage) -> Thread:
        notification = message.verdict.kind == "notification"
        thread = Thread(
            stored_id=None,
            root_key=message.message_key,
            subject=message.subject,
            subject_norm=message.subject_norm,
            started_at=message.date_naive,
            last_message_at=message.date_naive,
            participants=set(),
            is_notification=notification,
            status="skipped" if notification else "pending",
        )
        self.new_threads.append(thread)
        self.by_subject.setdefault(thread.subject_norm, []).append(thread)
        return thread

    def _add(self, thread: Thread, message: ParsedMessage) -> None:
        thread = thread.root()
        self.thread_of[message.message_key] = thread
        thread.changed = True
        thread.started_at = min(thread.started_at, message.date_naive)
        thread.last_message_at = max(thread.last_message_at, message.date_naive)
        _add_participants(thread, external_participants(message, self.own))
        if message.verdict.kind != "notification" and thread.is_notification and not thread.pinned:
            thread.is_notification = False
            if thread.status == "skipped":
                thread.status = "pending"
        if thread.client_id is None and thread.client_email is None:
            thread.client_email = client_address(message, self.own)


def thread_batch(
    messages: list[ParsedMessage],
    own: frozenset[str],
    stored_by_key: dict[str, int],
    children: dict[str, set[int]],
    stored: dict[int, StoredConversation],
    window: timedelta,
    decisions: PersonDecisions = NOBODY_DECIDED,
) -> ThreadResult:
    """Assign each message (new, unique keys) to a thread; see the module docstring."""
    threader = _Threader(own, stored_by_key, stored, window, decisions)
    for message in sorted(messages, key=lambda m: (m.date_naive, m.message_key)):
        threader.place(message, children.get(message.message_key, ()))
    # A parent placed after its reply in the same batch: join them now.
    for message in messages:
        parent = threader.thread_of.get(message.in_reply_to or "")
        if parent is not None:
            threader.union(parent, threader.thread_of[message.message_key])
    thread_of = {key: thread.root() for key, thread in threader.thread_of.items()}
    roots = {id(t): t for t in thread_of.values()}
    new_threads = [t for t in threader.new_threads if t.parent is None and id(t) in roots]
    touched = [t for t in roots.values() if t.stored_id is not None]
    return ThreadResult(thread_of, new_threads, touched, threader.merged)


def _from_stored(c: StoredConversation, pinned: bool) -> Thread:
    return Thread(
        stored_id=c.id,
        root_key="",
        subject="",
        subject_norm=c.subject_norm,
        started_at=c.started_at,
        last_message_at=c.last_message_at,
        participants=set(c.participants),
        is_notification=c.is_notification,
        client_id=c.client_id,
        status=c.status,
        members={c.id},
        pinned=pinned,
    )


def _rank(thread: Thread, new_threads: list[Thread]) -> tuple[int, int]:
    """Stored threads win over new ones, older (smaller id / created first) over younger."""
    if thread.stored_id is not None:
        return (0, thread.stored_id)
    return (1, new_threads.index(thread))


def _add_participants(thread: Thread, people: set[str]) -> None:
    room = MAX_PARTICIPANTS - len(thread.participants)
    if room > 0:
        thread.participants.update(sorted(people - thread.participants)[:room])
