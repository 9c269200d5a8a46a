"""Filing pending conversations into the company's folders: claim, cache, ask in micro-
batches, validate, fall back, write. `pending` → `classifying` → `classified` |
`unclassified` | `failed`; a conversation the AI could not reach stays `pending`."""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from sqlalchemy import Float, bindparam, delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.ai import caches, claims
from inboxsync.ai.caches import CachedDecision
from inboxsync.ai.claims import CONV
from inboxsync.ai.conversation_text import load_items
from inboxsync.ai.examples import labeled_examples
from inboxsync.ai.factory import ProviderKind, cache_sources, provider_kind
from inboxsync.ai.folders import folder_version, load_folders
from inboxsync.ai.ledger import over_cap, record_calls, usage_of
from inboxsync.ai.mapped_folders import MAILBOX_SOURCE, mapped_filings
from inboxsync.ai.provider import AiProvider
from inboxsync.ai.text import content_hash
from inboxsync.ai.types import CallRecord, ConversationItem, FolderAnswer, FolderDef
from inboxsync.ai.vectors import conversation_vectors
from inboxsync.config import Settings
from inboxsync.db.ai_models import AiClaim
from inboxsync.db.events import NewEvent, record_events
from inboxsync.db.label_models import HUMAN_SOURCES
from inboxsync.db.models import utcnow
from inboxsync.usage import AiUsage

if TYPE_CHECKING:
    from inboxsync.ai.embeddings import Matrix
    from inboxsync.ai.local_provider import LocalProvider

log = logging.getLogger(__name__)

# Stored embeddings the zero-shot scores are centred on besides the batch: enough for a stable
# mean (the centring is shrunk by n / (n + 16)), few enough to read in one short query.
BACKGROUND_ROWS = 256

# A person's decision is never overwritten (separate comparisons: an IN list cannot be
# expanded in the executemany UPDATE).
_NOT_BY_A_PERSON = tuple(CONV.c.folder_source != source for source in HUMAN_SOURCES)


@dataclass
class _Outcome:
    """What to write for one conversation."""

    status: str
    folder_id: int | None = None
    confidence: float | None = None
    source: str = ""
    reason: str = ""


@dataclass
class _Round:
    """One claimed chunk: its items, hashes and the outcomes decided so far."""

    items: dict[int, ConversationItem]
    hashes: dict[int, str]
    attempts: dict[int, int]
    outcomes: dict[int, _Outcome] = field(default_factory=dict)
    decisions: dict[str, CachedDecision] = field(default_factory=dict)
    calls: list[CallRecord] = field(default_factory=list)
    # Why the AI's answer about a conversation was not used (shown with the fallback's).
    notes: dict[int, str] = field(default_factory=dict)
    # Each conversation's share of the round's paid calls (USD).
    costs: dict[int, float] = field(default_factory=dict)


def classify_pending(
    sessions: sessionmaker[Session],
    settings: Settings,
    company_id: int,
    *,
    conversation_ids: Sequence[int] | None = None,
    provider: AiProvider | None = None,
) -> AiUsage:
    """Classify the company's pending conversations (or only `conversation_ids`), in chunks
    claimed atomically. Never raises because of the AI, never overwrites a user's decision.
    Returns the AI usage recorded in the ledger."""
    usage = AiUsage()
    with sessions.begin() as session:
        released = claims.release_stale(session, company_id, settings.ai.claim_timeout_seconds)
        folders = load_folders(session, company_id)
    if released:
        log.info("company %d: %d stale claims released", company_id, released)
    if not folders:
        log.info("company %d has no folders: nothing to classify", company_id)
        return usage
    version = folder_version(folders)
    kind = provider_kind(settings) if provider is None else _kind_of(provider)
    only = list(conversation_ids) if conversation_ids is not None else None
    after = 0
    while True:
        with sessions.begin() as session:
            attempts = claims.claim(
                session, company_id, after_id=after, limit=settings.ai.chunk_size, only=only
            )
        if not attempts:
            break
        after = max(attempts)
        try:
            calls = _classify_round(
                sessions, settings, company_id, folders, version, kind, provider, attempts
            )
        except Exception:
            # A bug, the local model or a database hiccup: give the claims back rather than
            # strand them, and end this run quietly; the sync that called us must not fail.
            log.exception("company %d: classification round failed", company_id)
            with sessions.begin() as session:
                session.execute(
                    update(CONV)
                    .where(CONV.c.id.in_(list(attempts)), CONV.c.status == "classifying")
                    .values(status="pending", status_reason="classifier error")
                )
            break
        usage += usage_of(calls)
    return usage


def _kind_of(provider: AiProvider) -> ProviderKind:
    return "local" if provider.name == "local" else "openai"


def _classify_round(
    sessions: sessionmaker[Session],
    settings: Settings,
    company_id: int,
    folders: list[FolderDef],
    version: str,
    kind: ProviderKind,
    provider: AiProvider | None,
    attempts: dict[int, int],
) -> list[CallRecord]:
    with sessions() as session:
        items = load_items(session, list(attempts), settings.ai.text_chars)
        rnd = _Round(
            items=items,
            hashes={cid: content_hash(it.subject, it.text) for cid, it in items.items()},
            attempts=attempts,
        )
        # The company's own filing first: mail in a mapped IMAP folder is a person's decision.
        for cid, filing in mapped_filings(session, company_id, list(attempts)).items():
            rnd.outcomes[cid] = _Outcome(
                "classified", filing.folder_id, 1.0, MAILBOX_SOURCE, filing.reason
            )
        cached = caches.folder_decisions(
            session, company_id, version, set(rnd.hashes.values()), cache_sources(kind)
        )
        if kind == "openai" and over_cap(session, settings, company_id):
            log.warning("company %d reached its monthly AI cap: local classifier", company_id)
            kind = "local"
    for cid, h in rnd.hashes.items():
        d = cached.get(h)
        if d is not None and cid not in rnd.outcomes:
            rnd.outcomes[cid] = _from_decision(d, f"cache ({d.source})")
    # Conversations with the same content are asked about once.
    todo: dict[str, int] = {}
    members: defaultdict[int, list[int]] = defaultdict(list)
    for cid in sorted(items):
        if cid not in rnd.outcomes:
            members[todo.setdefault(rnd.hashes[cid], cid)].append(cid)
    asked = [items[cid] for cid in todo.values()]
    answers: dict[int, FolderAnswer] = {}
    if asked and kind == "openai":
        answers = _ask_ai(settings, provider, company_id, version, folders, asked, rnd)
    remaining = [it for it in asked if it.key not in answers and it.key not in rnd.outcomes]
    if remaining:
        answers |= _ask_local(sessions, settings, company_id, folders, remaining, rnd, provider)
    decided: dict[str, CachedDecision] = {}
    for cid, answer in answers.items():
        src = "ai" if answer.reason.startswith("ai") else "local"
        reason = "; ".join(filter(None, [rnd.notes.get(cid, ""), answer.reason]))
        decided[rnd.hashes[cid]] = CachedDecision(answer.folder_id, answer.confidence, src, reason)
    # Only the AI's decisions are worth caching: the local model's change as it learns.
    rnd.decisions = {h: d for h, d in decided.items() if d.source == "ai"}
    for cid in items:
        if cid in rnd.outcomes:
            continue
        rep = todo[rnd.hashes[cid]]
        if rep in answers:
            rnd.outcomes[cid] = _from_decision(decided[rnd.hashes[cid]], "")
        elif rep in rnd.outcomes:
            rnd.outcomes[cid] = rnd.outcomes[rep]
    for cid in attempts:
        rnd.outcomes.setdefault(cid, _Outcome("failed", reason="conversation has no text"))
    rnd.costs = _shares(rnd.calls, members)
    _write(sessions, company_id, version, rnd, settings.ai.max_attempts)
    return rnd.calls


def _shares(calls: list[CallRecord], members: dict[int, list[int]]) -> dict[int, float]:
    """Each conversation's share of the paid calls: a call's cost split evenly among the items
    it asked about, an item's among the conversations of the same content it stood for."""
    shares: defaultdict[int, float] = defaultdict(float)
    for call in calls:
        if call.provider == "local" or not call.keys:
            continue
        for key in cast(tuple[int, ...], call.keys):
            group = members.get(key, [key])
            for cid in group:
                shares[cid] += call.cost_usd / len(call.keys) / len(group)
    return shares


def _from_decision(d: CachedDecision, via: str) -> _Outcome:
    reason = f"{d.reason} [{via}]" if via else d.reason
    if d.folder_id is None:
        return _Outcome("unclassified", None, d.confidence, d.source, reason)
    return _Outcome("classified", d.folder_id, d.confidence, d.source, reason)


def _ask_ai(
    settings: Settings,
    provider: AiProvider | None,
    company_id: int,
    version: str,
    folders: list[FolderDef],
    asked: list[ConversationItem],
    rnd: _Round,
) -> dict[int, FolderAnswer]:
    """The AI's valid answers. Unreachable AI: the conversation goes back to `pending`;
    invalid answers are left for the local model."""
    from inboxsync.ai.openai_provider import shared_provider  # with an API key only

    ai = provider or shared_provider(settings)
    res = ai.classify(asked, folders, cache_key=f"inboxsync:{company_id}:{version}")
    rnd.calls.extend(res.calls)
    for key in res.transient:
        rnd.outcomes[key] = _Outcome("pending", reason=res.failed.get(key, "ai unavailable"))
    for key, reason in res.failed.items():
        if key not in res.transient:
            log.info("conversation %d: %s; trying the local model", key, reason)
            rnd.notes[key] = f"ai: {reason}"
    return res.answers


def _ask_local(
    sessions: sessionmaker[Session],
    settings: Settings,
    company_id: int,
    folders: list[FolderDef],
    items: list[ConversationItem],
    rnd: _Round,
    provider: AiProvider | None,
) -> dict[int, FolderAnswer]:
    """The local model's answers, from cached embeddings where possible, learning from the
    company's labeled examples (ai/examples.py)."""
    import numpy as np  # with the local model: only when classifying

    from inboxsync.ai.local_provider import LocalProvider

    local = provider if isinstance(provider, LocalProvider) else LocalProvider(settings)
    start = time.perf_counter()
    model = local.model
    mapped = {
        cid: o.folder_id
        for cid, o in rnd.outcomes.items()
        if o.source == MAILBOX_SOURCE and o.folder_id is not None and cid in rnd.items
    }
    # Read before this batch's new embeddings are stored: the batch counts once.
    stored = _stored_sample(sessions, local, company_id)
    vectors = conversation_vectors(
        sessions, local, company_id, [*items, *(rnd.items[cid] for cid in mapped)]
    )
    examples = labeled_examples(sessions, local, settings, company_id, {f.id for f in folders})
    # This round's mapped filings teach it already: a first sync's history is one round.
    for cid, folder_id in mapped.items():
        examples.setdefault(folder_id, []).append(vectors[cid])
    keys = [it.key for it in items]
    matrix = np.stack([vectors[k] for k in keys])
    # The zero-shot scores are centred on what the company's mail looks like: this batch and
    # its newest stored embeddings (a first sync's history is all batch).
    local.learn(examples, background=np.concatenate([matrix, stored]) if len(stored) else matrix)
    res = local.classify_vectors(keys, matrix, folders)
    rnd.calls.append(
        CallRecord(
            provider="local",
            model=model,
            purpose="classify",
            items=len(items),
            latency_ms=int((time.perf_counter() - start) * 1000),
        )
    )
    return res.answers


def _stored_sample(
    sessions: sessionmaker[Session], local: LocalProvider, company_id: int
) -> Matrix:
    """The company's newest stored embeddings (none for a model whose vectors are not kept)."""
    import numpy as np

    if not local.embedder.cacheable:
        return np.zeros((0, 0), dtype=np.float32)
    with sessions() as session:
        return caches.recent_embeddings(session, company_id, local.model, BACKGROUND_ROWS)


def _write(
    sessions: sessionmaker[Session],
    company_id: int,
    version: str,
    rnd: _Round,
    max_attempts: int,
) -> None:
    """Every outcome of the round in one transaction: a conversation a person filed meanwhile
    is left alone (the WHERE clause), claims of finished ones are dropped."""
    rows = []
    done: list[int] = []
    for cid, o in rnd.outcomes.items():
        status = o.status
        if status == "pending" and rnd.attempts.get(cid, 1) >= max_attempts:
            status, o.reason = "failed", f"{o.reason} (after {rnd.attempts[cid]} attempts)"
        if status != "pending":
            done.append(cid)
        rows.append(
            {
                "cid": cid,
                "st": status,
                "fid": o.folder_id,
                "conf": o.confidence,
                "src": o.source if status in ("classified", "unclassified") else "",
                "ver": version if status in ("classified", "unclassified") else "",
                "why": o.reason[:1000],
                # A conversation left pending keeps what its last filing cost.
                "cost": None if status == "pending" else rnd.costs.get(cid, 0.0),
            }
        )
    with sessions.begin() as session:
        # The rows still ours (not filed by a user meanwhile), locked until the commit, so
        # that the events name exactly the conversations the UPDATE files.
        mine = set(
            session.scalars(
                select(CONV.c.id)
                .where(
                    CONV.c.id.in_([r["cid"] for r in rows]),
                    CONV.c.status == "classifying",
                    *_NOT_BY_A_PERSON,
                )
                .with_for_update()
            )
        )
        rows = [r for r in rows if r["cid"] in mine]
        if rows:
            session.execute(
                update(CONV)
                .where(
                    CONV.c.id == bindparam("cid"),
                    CONV.c.status == "classifying",
                    *_NOT_BY_A_PERSON,
                )
                .values(
                    status=bindparam("st"),
                    folder_id=bindparam("fid"),
                    folder_confidence=bindparam("conf"),
                    folder_source=bindparam("src"),
                    folder_version=bindparam("ver"),
                    status_reason=bindparam("why"),
                    ai_cost_usd=func.coalesce(bindparam("cost", type_=Float), CONV.c.ai_cost_usd),
                    updated_at=utcnow(),
                ),
                rows,
            )
        if done:
            session.execute(delete(AiClaim).where(AiClaim.conversation_id.in_(done)))
        caches.store_decisions(session, company_id, version, rnd.decisions)
        record_calls(session, company_id, rnd.calls)
        filed = [r for r in rows if r["st"] != "pending"]
        record_events(session, company_id, [
            NewEvent("conversation.classified", cast(int, r["cid"]), data={
                "status": r["st"], "folder_id": r["fid"], "source": r["src"],
                "confidence": r["conf"],
            })
            for r in filed
        ])  # fmt: skip
