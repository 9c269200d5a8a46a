"""The notification detector the pipeline calls for senders its header rules left `unknown`:
caches first (sender, then domain where several senders agree, then content hash), then
batched AI for the rest. A failure of the AI never fails the sync."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.ai import caches
from inboxsync.ai.caches import CachedVerdict
from inboxsync.ai.factory import ProviderKind, cache_sources, provider_kind
from inboxsync.ai.ledger import over_cap, record_calls, usage_of
from inboxsync.ai.text import clean, content_hash, domain_of
from inboxsync.ai.types import CallRecord, SenderAnswer, SenderItem
from inboxsync.config import Settings
from inboxsync.db.engine import sqlite_reader_sessions
from inboxsync.mail.types import Verdict
from inboxsync.pipeline.detect import SenderSample
from inboxsync.usage import AiUsage

if TYPE_CHECKING:
    from inboxsync.ai.local_provider import LocalProvider

log = logging.getLogger(__name__)

DETECT_TEXT_CHARS = 300
# Below this many normalized characters a text says too little to share a verdict by hash.
MIN_HASHED_CHARS = 40


class CachedDetector:
    """Implements the pipeline's NotificationDetector over the caches and a provider."""

    def __init__(self, sessions: sessionmaker[Session], settings: Settings) -> None:
        self._sessions = sessions
        self._reads = sessions
        self._settings = settings
        self._kind: ProviderKind = provider_kind(settings)
        self._local: LocalProvider | None = None
        self._usage = AiUsage()
        self._lock = threading.Lock()
        # What this detector learnt, by (company, sender) and (company, content hash): later
        # batches of the run see it before it reaches the database.
        self._senders: dict[tuple[int, str], CachedVerdict] = {}
        self._contents: dict[tuple[int, str], CachedVerdict] = {}
        self._unsaved: list[tuple[int, dict[str, CachedVerdict], dict[str, CachedVerdict]]] = []
        self._unrecorded: list[tuple[int, list[CallRecord]]] = []
        engine = sessions.kw.get("bind")
        # The pipeline calls `detect` inside its batch transaction, which on SQLite holds the
        # database's write lock (BEGIN IMMEDIATE): reads go through a plain connection (WAL
        # readers never wait for a writer) and writes wait for `usage()`, called after the
        # batches. PostgreSQL has no such lock: there, each `detect` writes at once.
        self._defer_writes = isinstance(engine, Engine) and engine.dialect.name == "sqlite"
        if self._defer_writes:
            assert isinstance(engine, Engine)
            self._reads = sqlite_reader_sessions(engine)

    def usage(self) -> AiUsage:
        """AI usage of this detector so far, after writing what it learnt to the caches and
        its calls to the ledger."""
        self.flush()
        with self._lock:
            return self._usage

    def flush(self) -> None:
        """Write learnt verdicts and call records not written yet (one transaction)."""
        with self._lock:
            unsaved, self._unsaved = self._unsaved, []
            unrecorded, self._unrecorded = self._unrecorded, []
        if not unsaved and not unrecorded:
            return
        try:
            with self._sessions.begin() as session:
                for company_id, senders, contents in unsaved:
                    caches.store_verdicts(session, company_id, senders, contents)
                for company_id, calls in unrecorded:
                    record_calls(session, company_id, calls)
        except SQLAlchemyError:
            log.exception("notification verdicts could not be saved; they will be asked again")
            with self._lock:
                self._unrecorded = unrecorded + self._unrecorded

    def detect(self, company_id: int, samples: list[SenderSample]) -> dict[str, Verdict]:
        """A verdict for each sample's sender (senders left out count as persons)."""
        by_email: dict[str, SenderSample] = {}
        for s in samples:
            by_email.setdefault(s.email.lower(), s)
        if not by_email:
            return {}
        sources = cache_sources(self._kind)
        hashes = {e: self._hash(s) for e, s in by_email.items()}
        verdicts: dict[str, Verdict] = {}
        for email in by_email:
            known = self._senders.get((company_id, email))
            if known is not None:
                verdicts[email] = Verdict(known.kind, "ai-cache:sender", known.reason)  # type: ignore[arg-type]
        with self._reads() as session:
            hits = caches.sender_verdicts(
                session, company_id, [e for e in by_email if e not in verdicts], sources
            )
            for email, v in hits.items():
                verdicts[email] = Verdict(v.kind, "ai-cache:sender", v.reason)  # type: ignore[arg-type]
            rest = [e for e in by_email if e not in verdicts]
            domains = caches.domain_verdicts(
                session,
                company_id,
                {domain_of(e) for e in rest},
                sources,
                self._settings.ai.domain_min_senders,
            )
            for email in rest:
                dv = domains.get(domain_of(email))
                if dv is not None:
                    verdicts[email] = Verdict(dv.kind, "ai-cache:domain", dv.reason)  # type: ignore[arg-type]
            rest = [e for e in rest if e not in verdicts]
            content = caches.content_verdicts(
                session, company_id, {hashes[e] for e in rest if hashes[e]}, sources
            )
            for email in rest:
                cv = self._contents.get((company_id, hashes[email])) or content.get(hashes[email])
                cv = cv if hashes[email] else None
                if cv is not None:
                    verdicts[email] = Verdict(cv.kind, "ai-cache:content", cv.reason)  # type: ignore[arg-type]
            rest = [e for e in rest if e not in verdicts]
            use_local = self._kind == "local" or over_cap(session, self._settings, company_id)
        if not rest:
            return verdicts
        answers, calls, source = self._ask(company_id, [by_email[e] for e in rest], use_local)
        learned_sender: dict[str, CachedVerdict] = {}
        learned_content: dict[str, CachedVerdict] = {}
        for email in rest:
            answer = answers[email]
            verdicts[email] = Verdict(answer.kind, source.get(email, "ai"), answer.reason)
            src = source.get(email, "ai")
            if src in ("ai", "local"):
                cached = CachedVerdict(answer.kind, answer.reason, src)
                learned_sender[email] = cached
                if hashes[email]:
                    learned_content[hashes[email]] = cached
        with self._lock:
            self._usage += usage_of(calls)
            for email, v in learned_sender.items():
                self._senders[(company_id, email)] = v
            for h, v in learned_content.items():
                self._contents[(company_id, h)] = v
            self._unsaved.append((company_id, learned_sender, learned_content))
            self._unrecorded.append((company_id, list(calls)))
        if not self._defer_writes:
            self.flush()
        return verdicts

    def _hash(self, sample: SenderSample) -> str:
        return content_hash(sample.subject, clean(sample.text, 1000), MIN_HASHED_CHARS)

    def _ask(
        self, company_id: int, samples: list[SenderSample], use_local: bool
    ) -> tuple[dict[str, SenderAnswer], list[CallRecord], dict[str, str]]:
        """Answers for every sample, the provider's call records, and each answer's source
        (`ai`, `local`, or `local-fallback` when the AI could not answer: not cached)."""
        items = [
            SenderItem(
                key=s.email.lower(),
                email=s.email.lower(),
                name=clean(s.name, 100),
                subject=clean(s.subject, 200),
                text=clean(s.text, DETECT_TEXT_CHARS),
            )
            for s in samples
        ]
        local = self._local_provider()
        if use_local:
            res = local.detect_notifications(items)
            return res.answers, res.calls, dict.fromkeys(res.answers, "local")
        from inboxsync.ai.openai_provider import shared_provider  # with an API key only

        res = shared_provider(self._settings).detect_notifications(items)
        source = dict.fromkeys(res.answers, "ai")
        missing = [it for it in items if it.key not in res.answers]
        if missing:
            log.warning("notification detection: %d senders left to the local rules", len(missing))
            fallback = local.detect_notifications(missing)
            for it in missing:
                a = fallback.answers[it.key]
                why = res.failed.get(it.key, "no answer")
                res.answers[it.key] = SenderAnswer(a.kind, f"{why}; {a.reason}")
                source[it.key] = "local-fallback"
        return res.answers, res.calls, source

    def _local_provider(self) -> LocalProvider:
        if self._local is None:
            from inboxsync.ai.local_provider import LocalProvider  # numpy: only when used

            self._local = LocalProvider(self._settings)
        return self._local


def make_detector(sessions: sessionmaker[Session], settings: Settings) -> CachedDetector:
    """The NotificationDetector the pipeline uses: caches, then the configured provider."""
    return CachedDetector(sessions, settings)
