"""The local model's learnt layer: a multinomial logistic regression over embeddings, fitted to
a company's labeled examples with the zero-shot similarities as its fixed offset. With no
examples it adds nothing; the more examples, the further it moves the zero-shot's scores."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from inboxsync.ai.embeddings import Matrix

# Chosen on the shared labeled sets (docs/ai.md, "Learning from corrections"): how strongly the
# zero-shot similarities hold in the regression (their temperature, in spreads: the typical
# standard deviation of an example's similarities across folders, which differs by model,
# 0.01 for e5 and 0.05-0.09 for USE), the L2 penalty on its weights, and the full-batch
# gradient steps (the fit has converged by then at these sizes).
PRIOR_SPREADS = 1.5
L2 = 3e-3
STEPS = 150


@dataclass(frozen=True)
class LearntLayer:
    """Per-folder weights over centred embeddings (zero for folders without examples)."""

    weights: Matrix
    centre: npt.NDArray[np.float32]
    temperature: float
    examples: int

    def scores(self, zero_shot: Matrix, vectors: Matrix) -> Matrix:
        """The zero-shot similarities moved by what was learnt, in the same units."""
        moved = zero_shot + self.temperature * (_centred(vectors, self.centre) @ self.weights)
        return moved.astype(np.float32)


def fit(
    zero_shot: Matrix,
    vectors: Matrix,
    labels: npt.NDArray[np.intp],
    n_folders: int,
    centre: npt.NDArray[np.float32],
) -> LearntLayer:
    """Fit the layer to examples (`vectors`, their folder indexes `labels`, their zero-shot
    similarities `zero_shot`); `centre` is subtracted from every embedding first (the common
    direction all e5 vectors share would otherwise dominate the weights)."""
    x = _centred(vectors, centre).astype(np.float64)
    n, dim = x.shape
    target = np.eye(n_folders)[labels]
    temperature = PRIOR_SPREADS * max(float(zero_shot.std(axis=1).mean()), 1e-6)
    offset = zero_shot.astype(np.float64) / temperature
    learnt = np.bincount(labels, minlength=n_folders) > 0
    # Softmax cross-entropy is (max eigenvalue of x'x/n)/2-smooth: the step that converges.
    # x'x and xx' share it; the smaller of the two is the cheap one.
    gram = x @ x.T if n <= dim else x.T @ x
    step = 1.0 / (0.5 * float(np.linalg.eigvalsh(gram / n)[-1]) + L2)
    weights = previous = np.zeros((dim, n_folders))
    for t in range(STEPS):
        ahead = weights + t / (t + 3) * (weights - previous)  # Nesterov momentum
        grad = x.T @ (_softmax(offset + x @ ahead) - target) / n + L2 * ahead
        grad[:, ~learnt] = 0.0  # a folder without examples keeps its description alone
        previous, weights = weights, ahead - step * grad
    return LearntLayer(weights.astype(np.float32), centre, temperature, n)


def _centred(vectors: Matrix, centre: npt.NDArray[np.float32]) -> Matrix:
    moved = vectors - centre
    norms = np.linalg.norm(moved, axis=1, keepdims=True)
    return np.asarray(moved / np.maximum(norms, 1e-9), dtype=np.float32)


def _softmax(z: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return np.asarray(e / e.sum(axis=1, keepdims=True), dtype=np.float64)
