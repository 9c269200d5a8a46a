"""The local provider, the offline default: zero-shot nearest-description filing over
embeddings, abstaining below a margin, and a learnt layer from the company's labeled examples."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from inboxsync.ai.types import (
    BatchResult,
    ConversationItem,
    FolderAnswer,
    FolderDef,
    SenderAnswer,
    SenderItem,
)
from inboxsync.ai.zero_shot import folder_texts, item_text
from inboxsync.config import Settings

# numpy and the embeddings are imported by the methods that file: detection (every import's
# unknown senders) needs neither, and loading numpy costs each command's start.
if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from inboxsync.ai.embeddings import Embedder, Matrix
    from inboxsync.ai.supervised import LearntLayer

_TEMPERATURE = 0.02

_AUTOMATED_LOCAL = re.compile(
    r"^(?:no-?reply|do-?not-?reply|ne-?pas-?repondre|notifications?|alerts?|mailer|bounces?"
    r"|automated|newsletters?|news)(?:$|[.+_-])",
    re.IGNORECASE,
)
_AUTOMATED_TEXT = re.compile(
    r"unsubscribe|se d[ée]sinscrire|d[ée]sabonner|do not reply|ne pas r[ée]pondre|automatically"
    r" generated|automated message|message automatique|view (?:it )?in (?:your )?browser"
    r"|g[ée]n[ée]r[ée] automatiquement|manage (?:your )?(?:email )?preferences",
    re.IGNORECASE,
)


class LocalProvider:
    """Files by cosine similarity to each folder's description embedding, moved by a
    supervised layer (`supervised.py`) fitted to the company's labeled examples."""

    name = "local"

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self._embedder = embedder
        self._embedder_kind = settings.ai.local_model
        self._margin = settings.ai.abstain_margin
        self._min_examples = settings.ai.learn_min_examples
        self._examples: dict[int, Matrix] = {}
        self._background: Matrix | None = None
        self._layer: tuple[tuple[tuple[object, ...], ...], LearntLayer | None] | None = None

    @property
    def embedder(self) -> Embedder:
        """The embedding model, loaded on first use (detection never needs it)."""
        if self._embedder is None:
            from inboxsync.ai.embeddings import get_embedder

            self._embedder = get_embedder(self._embedder_kind)
        return self._embedder

    @property
    def model(self) -> str:
        return self.embedder.name

    def learn(
        self,
        examples: Mapping[int, Sequence[npt.NDArray[np.float32]]],
        background: Matrix | None = None,
    ) -> None:
        """Labeled examples (embeddings) by folder id, and a sample of the company's mail
        (embeddings) the zero-shot scores are centred on (each batch itself when None);
        replaces what was learnt before. A folder with fewer than `ai_learn_min_examples`
        examples is left to its description."""
        import numpy as np

        self._background = background
        self._examples = {
            fid: np.stack(list(vecs))
            for fid, vecs in examples.items()
            if len(vecs) >= self._min_examples
        }
        self._layer = None

    def embed(self, items: Sequence[ConversationItem]) -> Matrix:
        return self.embedder.passages([item_text(it.subject, it.text) for it in items])

    def prototypes(self, folders: Sequence[FolderDef]) -> Matrix:
        """One vector per folder: the mean of its description's phrases' embeddings."""
        from inboxsync.ai import zero_shot

        return zero_shot.prototypes(self.embedder, folders)

    def zero_shot(self, vectors: Matrix, folders: Sequence[FolderDef]) -> Matrix:
        """Similarities (items x folders) of conversations to the folders' descriptions,
        centred on the company's mail (`learn`'s background)."""
        from inboxsync.ai import zero_shot

        return zero_shot.similarities(self.embedder, folders, vectors, background=self._background)

    def _learnt_layer(self, folders: Sequence[FolderDef]) -> LearntLayer | None:
        """The supervised layer fitted to the examples of these folders, None without any;
        fitted once per `learn` and folder set."""
        import numpy as np

        from inboxsync.ai.supervised import fit

        key = tuple((f.id, *folder_texts(f)) for f in folders)
        if self._layer is not None and self._layer[0] == key:
            return self._layer[1]
        index = {f.id: row for row, f in enumerate(folders)}
        known = [(index[fid], ex) for fid, ex in self._examples.items() if fid in index]
        layer = None
        if known:
            vectors = np.concatenate([ex for _, ex in known])
            labels = np.concatenate([np.full(len(ex), row, dtype=np.intp) for row, ex in known])
            centre = self.prototypes(folders).mean(axis=0)
            layer = fit(self.zero_shot(vectors, folders), vectors, labels, len(folders), centre)
        self._layer = (key, layer)
        return layer

    def classify(
        self,
        items: Sequence[ConversationItem],
        folders: Sequence[FolderDef],
        *,
        cache_key: str = "",
    ) -> BatchResult[int, FolderAnswer]:
        """A folder per conversation, or none (with the reason) when the margin is too thin."""
        return self.classify_vectors([it.key for it in items], self.embed(items), folders)

    def classify_vectors(
        self, keys: Sequence[int], vectors: Matrix, folders: Sequence[FolderDef]
    ) -> BatchResult[int, FolderAnswer]:
        """Like `classify`, for conversations whose embeddings are already known."""
        import numpy as np

        result: BatchResult[int, FolderAnswer] = BatchResult()
        if not keys:
            return result
        if not folders:
            result.answers = {k: FolderAnswer(None, 0.0, "local: no folders") for k in keys}
            return result
        zero_shot = self.zero_shot(vectors, folders)
        layer = self._learnt_layer(folders)
        sims = zero_shot if layer is None else layer.scores(zero_shot, vectors)
        order = np.argsort(-sims, axis=1)
        unlearnt = np.argmax(zero_shot, axis=1)
        decided = "local" if layer is None else f"local: learnt from {layer.examples} examples"
        for row, key in enumerate(keys):
            top = int(order[row, 0])
            margin = float(sims[row, top] - sims[row, order[row, 1]]) if len(folders) > 1 else 1.0
            z = np.exp((sims[row] - sims[row, top]) / _TEMPERATURE)
            confidence = round(float(1.0 / z.sum()), 4)
            if margin < self._margin:
                result.answers[key] = FolderAnswer(
                    None, confidence, f"local: abstained (margin {margin:.4f} < {self._margin})"
                )
            else:
                reason = "local" if top == unlearnt[row] else decided
                result.answers[key] = FolderAnswer(folders[top].id, confidence, reason)
        return result

    def detect_notifications(self, items: Sequence[SenderItem]) -> BatchResult[str, SenderAnswer]:
        """Markers of automated mail in the address or text; otherwise a person."""
        result: BatchResult[str, SenderAnswer] = BatchResult()
        for it in items:
            local_part = it.email.partition("@")[0]
            if _AUTOMATED_LOCAL.match(local_part):
                result.answers[it.key] = SenderAnswer("notification", "local: automated address")
            elif _AUTOMATED_TEXT.search(f"{it.subject}\n{it.text}"):
                result.answers[it.key] = SenderAnswer("notification", "local: automated wording")
            else:
                result.answers[it.key] = SenderAnswer("person", "local: no automated marker")
        return result
