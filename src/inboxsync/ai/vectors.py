"""Conversations' embeddings for the local model: read from `ai_embeddings`, the missing ones
computed once and stored."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from inboxsync.ai import caches
from inboxsync.ai.types import ConversationItem
from inboxsync.ai.zero_shot import item_text

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from inboxsync.ai.local_provider import LocalProvider


def text_hash(item: ConversationItem) -> str:
    """The hash of what the local model embeds of an item: a stored vector of another text
    is stale."""
    return hashlib.sha256(item_text(item.subject, item.text).encode("utf-8")).hexdigest()


def conversation_vectors(
    sessions: sessionmaker[Session],
    local: LocalProvider,
    company_id: int,
    items: list[ConversationItem],
) -> dict[int, npt.NDArray[np.float32]]:
    """Embeddings of the items by key: cached ones read, the others computed once and stored
    (a model not worth caching embeds them all)."""
    model = local.model
    if not local.embedder.cacheable:
        return dict(zip([it.key for it in items], local.embed(items), strict=True))
    with sessions() as session:
        known = caches.embeddings(session, model, [it.key for it in items])
    out: dict[int, npt.NDArray[np.float32]] = {}
    missing: list[ConversationItem] = []
    for it in items:
        hit = known.get(it.key)
        if hit is not None and hit[0] == text_hash(it):
            out[it.key] = hit[1]
        else:
            missing.append(it)
    if missing:
        fresh = local.embed(missing)
        new = {it.key: (text_hash(it), fresh[i]) for i, it in enumerate(missing)}
        with sessions.begin() as session:
            caches.store_embeddings(session, company_id, model, new)
        out.update({k: v[1] for k, v in new.items()})
    return out
