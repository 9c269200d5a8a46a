"""The labeled examples a company has, as the local model learns from them: conversations
people filed (by hand, or in a mapped IMAP folder), conversations the OpenAI provider filed
with a confidence of at least `ai.example_min_confidence`, and its folders' example messages.
Never the local model's own answers: it would only confirm itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from inboxsync.ai.conversation_text import load_items
from inboxsync.ai.types import ConversationItem
from inboxsync.ai.vectors import conversation_vectors
from inboxsync.config import Settings
from inboxsync.db.ai_models import AiEmbedding
from inboxsync.db.label_models import HUMAN_SOURCES, FolderExample
from inboxsync.db.models import Conversation

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from inboxsync.ai.local_provider import LocalProvider

    Vector = npt.NDArray[np.float32]

# Labeled conversations learnt from per folder, at most: people's first, then the AI's, newest
# first (a prototype is a mean: more would cost reading, not change it).
MAX_PER_FOLDER = 500
# Labeled conversations without an embedding that one round embeds, at most (the rest next).
MAX_NEW_EXAMPLES = 64


def labeled_examples(
    sessions: sessionmaker[Session],
    local: LocalProvider,
    settings: Settings,
    company_id: int,
    folder_ids: set[int],
) -> dict[int, list[Vector]]:
    """The embeddings of the company's labeled examples by folder id (of `folder_ids`), in a
    fixed number of queries whatever their number; missing embeddings are computed and
    stored (conversations: at most MAX_NEW_EXAMPLES per call)."""
    examples: dict[int, list[Vector]] = {}
    if not folder_ids:
        return examples
    labeled = _conversations(sessions, local, settings, company_id, folder_ids)
    for folder_id, vector in [*labeled, *_folder_examples(sessions, local, company_id, folder_ids)]:
        examples.setdefault(folder_id, []).append(vector)
    return examples


def _conversations(
    sessions: sessionmaker[Session],
    local: LocalProvider,
    settings: Settings,
    company_id: int,
    folder_ids: set[int],
) -> list[tuple[int, Vector]]:
    from inboxsync.ai.embeddings import from_bytes  # numpy: only when classifying

    c = Conversation
    human = c.folder_source.in_(HUMAN_SOURCES)
    confident = and_(
        c.folder_source == "ai", c.folder_confidence >= settings.ai.example_min_confidence
    )
    rank = func.row_number().over(
        partition_by=c.folder_id, order_by=(case((human, 0), else_=1), c.id.desc())
    )
    chosen = (
        select(c.id, c.folder_id, rank.label("rank"))
        .where(
            c.company_id == company_id, c.folder_id.in_(sorted(folder_ids)), or_(human, confident)
        )
        .subquery()
    )
    with sessions() as session:
        rows = session.execute(
            select(chosen.c.id, chosen.c.folder_id, AiEmbedding.vector)
            .outerjoin(
                AiEmbedding,
                and_(AiEmbedding.conversation_id == chosen.c.id, AiEmbedding.model == local.model),
            )
            .where(chosen.c.rank <= MAX_PER_FOLDER)
        ).all()
        lacking = [r.id for r in rows if r.vector is None]
        if local.embedder.cacheable:
            lacking = lacking[:MAX_NEW_EXAMPLES]
        items = load_items(session, lacking, 600) if lacking else {}
    fresh = conversation_vectors(sessions, local, company_id, list(items.values())) if items else {}
    out = []
    for r in rows:
        vector = from_bytes(r.vector) if r.vector is not None else fresh.get(r.id)
        if vector is not None:
            out.append((int(r.folder_id), vector))
    return out


def _folder_examples(
    sessions: sessionmaker[Session], local: LocalProvider, company_id: int, folder_ids: set[int]
) -> list[tuple[int, Vector]]:
    """The folders' example messages' embeddings, those of another model (or none yet)
    computed now and stored when the model is worth caching."""
    from inboxsync.ai.embeddings import from_bytes, to_bytes  # numpy: only when classifying

    model = local.model
    e = FolderExample
    with sessions() as session:
        rows = session.execute(
            select(e.id, e.folder_id, e.subject, e.text, e.embedding_model, e.embedding).where(
                e.company_id == company_id, e.folder_id.in_(sorted(folder_ids))
            )
        ).all()
    stored = {r.id: from_bytes(r.embedding) for r in rows if r.embedding_model == model}
    lacking = [r for r in rows if r.id not in stored]
    if lacking:
        vectors = local.embed([ConversationItem(r.id, r.subject, r.text) for r in lacking])
        fresh = {r.id: vectors[i] for i, r in enumerate(lacking)}
        if local.embedder.cacheable:
            with sessions.begin() as session:
                session.execute(
                    update(FolderExample),
                    [
                        {"id": i, "embedding_model": model, "embedding": to_bytes(v)}
                        for i, v in fresh.items()
                    ],
                )
        stored.update(fresh)
    return [(int(r.folder_id), stored[r.id]) for r in rows]
