"""The sentence vectors of one store, kept as a cache: read as they are written (by any process),
encoded in committed batches when missing, so nothing waits for them and nothing is lost to a kill."""
from __future__ import annotations

import sqlite3
import threading
from typing import Callable

import numpy as np

from index.dense import BATCH as EMBED_BATCH
from index.dense import Encoder, EncoderUnavailable, passage_text
from index.store import Store
from index.vectors import VectorTable, quantize


class VectorCache:
    """One store's vectors: in the store (the system of record) and in a table in memory."""

    def __init__(self, store: Callable[[], Store], encoder: Encoder, lock: threading.RLock) -> None:
        self._store, self.encoder, self._lock = store, encoder, lock
        self._table = VectorTable()
        self._seen = 0  # the store's vector seq up to which the table holds them

    def reset(self) -> None:
        """Forget what was read (a rebuild renumbered the sentences)."""
        with self._lock:
            self._table, self._seen = VectorTable(), 0

    def refresh(self) -> VectorTable:
        """The vectors written so far, read since the last look."""
        with self._lock:
            self._seen, ids, rows = self._store().vectors_since(self._seen)
            if len(ids):
                self._table.add(ids, rows)
            return self._table

    def encode(self, ids: list[int], max_tokens: int = 0, batch: int = EMBED_BATCH) -> None:
        """Encode these sentences now ("title. sentence") and keep their vectors; with `max_tokens`,
        only the first ones whose passages hold at most that many e5 tokens together (always the
        first). Nothing when the encoder is unavailable. The encoder runs outside the lock:
        questions go on meanwhile."""
        if not ids:
            return
        with self._lock:
            texts = [passage_text(title, sentence) for title, sentence in self._store().passage_texts(ids)]
        try:
            if max_tokens:
                ids, texts = within_tokens(ids, texts, self.encoder.token_counts(texts), max_tokens)
            rows = quantize(self.encoder.passages(texts, batch))
        except EncoderUnavailable:
            return
        with self._lock:
            try:
                self._store().write_vectors(ids, rows)
            except sqlite3.OperationalError as error:
                if "readonly" not in str(error):
                    raise
                # A read-only index still answers: the vectors serve this process only.
            self._table.add(np.asarray(ids, dtype=np.int64), rows)

    def embed(self, stop: threading.Event, progress: Callable[[int], None] | None = None,
              batch: int = EMBED_BATCH) -> int:
        """Encode every sentence without a vector, each batch committed as it finishes (a killed run
        loses at most the batch in flight); how many were encoded."""
        done, after = 0, 0
        while not stop.is_set() and self.encoder.available:
            with self._lock:
                ids = self._store().sentences_without_vectors(batch, after)
            if not ids:
                break
            self.encode(ids, batch=batch)
            done, after = done + len(ids), ids[-1]
            if progress:
                progress(len(ids))
        return done

    def missing(self) -> int:
        """Sentences that have no vector yet."""
        with self._lock:
            counts = self._store().counts()
        return counts["sentences"] - counts["vectors"]


def within_tokens(ids: list[int], texts: list[str], tokens: list[int], budget: int) -> tuple[list[int], list[str]]:
    """The longest first run of passages holding at most `budget` tokens together, and never none."""
    total, keep = 0, 0
    for count in tokens:
        if keep and total + count > budget:
            break
        total, keep = total + count, keep + 1
    return ids[:keep], texts[:keep]
