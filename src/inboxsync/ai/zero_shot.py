"""Zero-shot filing from folder descriptions: the text a conversation is embedded as, and its
similarity to each folder (a description scored phrase by phrase, and the pull every folder
has on all of a company's mail taken away)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise
from typing import TYPE_CHECKING

from inboxsync.ai.types import FolderDef

if TYPE_CHECKING:
    from inboxsync.ai.embeddings import Embedder, Matrix

# Characters of subject + text embedded. With USE (the default) 300 beats 150 by 2-3 points on
# the long-mail sets and 450-600 gain nothing more, at 2.5 (150), 1 (300) and 0.6 (600) times
# 300's speed; e5 scores the same at 150 and 300 but is 8x slower than USE at either.
ITEM_CHARS = 300
# The recommended abstain margin on `similarities`' scale: abstaining costs more accuracy than
# it saves precision, and no single margin reaches 0.80 precision on every set.
ABSTAIN_MARGIN = 0.0
# Rows of background that count as much as no background: a small batch is a poor estimate of
# a company's mail, and a single conversation must not be centred on itself.
_PRIOR_ROWS = 16

# A description's phrases: split at commas, semicolons, slashes, brackets and "or"/"and" (in
# the languages a company writes its descriptions in).
_SEPARATOR = re.compile(
    r"\s*(?:[,;/()]|\s(?:or|and|ou|et|oder|und|y|o|e|u|od\.)\s)\s*", re.IGNORECASE
)
_LEADING_CONJUNCTION = re.compile(r"^(?:or|and|ou|et|oder|und|y|o|e|u)\s+", re.IGNORECASE)
_GREETING_WORD = re.compile(
    r"(?:dear|hi|hello|hey|good (?:morning|afternoon|evening)|greetings|to whom it may concern"
    r"|bonjour|bonsoir|salut|madame|monsieur|cher|chère|hallo|guten (?:tag|morgen)"
    r"|sehr geehrte[rn]?|liebe[rn]?|hola|estimad[oa]s?|buen[oa]s (?:días|tardes)|olá|ola"
    r"|prezad[oa]s?|car[oa]s?|bom dia|boa tarde|ciao|buongiorno|gentile)\b",
    re.IGNORECASE,
)
# A salutation: a short clause without a sentence's end, closed by a comma, colon or "!".
_SALUTATION = re.compile(r"^[^.?!,:;]{1,60}[,:!]\s+")
# Where a forwarded or quoted message starts in cleaned (single-line) text.
_FORWARD = re.compile(
    r"-{5,}|\b(?:wrote|a écrit|escribió|escreveu|schrieb)\s?:|\b(?:from|de|von):\s",
    re.IGNORECASE,
)
_MIN_OWN_CHARS = 20


def item_text(subject: str, text: str) -> str:
    """What a conversation is embedded as: its subject and the start of its own words (no
    salutation, no forwarded message after them), at most `ITEM_CHARS` characters."""
    body = " ".join(text.split())
    salutation = _SALUTATION.match(body)
    if salutation and (
        _GREETING_WORD.match(body) or body[salutation.end() : salutation.end() + 1].isupper()
    ):
        body = body[salutation.end() :]
    forward = _FORWARD.search(body)
    if forward and forward.start() >= _MIN_OWN_CHARS:  # else a bare forward: its text is all
        body = body[: forward.start()].rstrip()
    subject = " ".join(subject.split())
    return (f"{subject}\n{body}" if subject else body)[:ITEM_CHARS]


def phrases(description: str) -> list[str]:
    """The phrases a description lists ("invoices, charges or refunds": three)."""
    parts = (_LEADING_CONJUNCTION.sub("", p.strip(" .:-")) for p in _SEPARATOR.split(description))
    return [p for p in parts if len(p) >= 3]


def folder_texts(folder: FolderDef) -> list[str]:
    """The query texts of a folder: its name with its whole description, then its name with
    each phrase of the description."""
    name = folder.name.replace("_", " ").strip()
    description = " ".join(folder.description.split())
    if not description:
        return [name]
    parts = phrases(description)
    return [f"{name}: {description}", *(f"{name}: {p}" for p in parts if len(parts) > 1)]


def prototypes(embedder: Embedder, folders: Sequence[FolderDef]) -> Matrix:
    """One vector per folder, the mean of its texts' query embeddings (memoized), so that a
    dot product with it is the mean cosine over the folder's texts."""
    import numpy as np

    from inboxsync.ai.embeddings import query_vectors

    texts = [folder_texts(f) for f in folders]
    vectors = query_vectors(embedder, [t for ts in texts for t in ts])
    bounds = np.cumsum([0, *(len(ts) for ts in texts)])
    return np.stack([vectors[a:b].mean(axis=0) for a, b in pairwise(bounds)])


def similarities(
    embedder: Embedder,
    folders: Sequence[FolderDef],
    vectors: Matrix,
    *,
    background: Matrix | None = None,
) -> Matrix:
    """Scores (conversations x folders, higher is better): each conversation's mean cosine
    with a folder's texts, less that folder's mean score over `background` (the company's
    conversations; the batch itself when not given; an empty one centres nothing), shrunk
    for a small background."""
    import numpy as np

    if not folders:
        return np.zeros((len(vectors), 0), dtype=np.float32)
    base = vectors if background is None else background
    weight = len(base) / (len(base) + _PRIOR_ROWS)
    centre = weight * base.mean(axis=0) if len(base) else np.zeros(vectors.shape[1])
    scores: Matrix = ((vectors - centre) @ prototypes(embedder, folders).T).astype(np.float32)
    return scores
