"""Fixtures of the mail tests: where the shared corpus of real messages lives."""

from __future__ import annotations

from pathlib import Path

import pytest

CORPUS_DIR = Path(__file__).parents[2].parent / "shared" / "corpus"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The shared corpus (`../shared/corpus` beside the repository); skips when it is absent."""
    if not CORPUS_DIR.is_dir():
        pytest.skip(f"shared mail corpus not found at {CORPUS_DIR}")
    return CORPUS_DIR
