"""The sentence and article vectors of one store, kept as a cache: read as they are written (by any
process), encoded in committed batches when missing, so nothing waits for them and nothing is lost to a kill."""
from __future__ import annotations

import sqlite3
import threading
from typing import Callable

import numpy as np

from index.dense import BATCH as EMBED_BATCH
from index.dense import Encoder, EncoderUnavailable, article_passage_text, passage_text
from index.store import ARTICLE_VECTORS, SENTENCE_VECTORS, Store
from index.vectors import VectorTable, quantize


class VectorCache:
    """One store's vectors: in the store (the system of record) and in tables in memory, one of
    sentences and one of articles (by their first sentence's id)."""

    def __init__(self, store: Callable[[], Store], encoder: Encoder, lock: threading.RLock) -> None:
        self._store, self.encoder, self._lock = store, encoder, lock
        self.reset()

    def reset(self) -> None:
        """Forget what was read (a rebuild renumbered the sentences)."""
        with self._lock:
            self._tables = {SENTENCE_VECTORS: VectorTable(), ARTICLE_VECTORS: VectorTable()}
            self._seen = dict.fromkeys(self._tables, 0)  # the store's vector seq up to which each table holds them

    def refresh(self) -> VectorTable:
        """The sentence vectors written so far, read since the last look (the article vectors too)."""
        with self._lock:
            for table, held in self._tables.items():
                self._seen[table], ids, rows = self._store().vectors_since(self._seen[table], table)
                if len(ids):
                    held.add(ids, rows)
            return self._tables[SENTENCE_VECTORS]

    @property
    def articles(self) -> VectorTable:
        """The article vectors read by the last refresh, by the id of each article's first sentence."""
        return self._tables[ARTICLE_VECTORS]

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
        except EncoderUnavailable:
            return
        self._encode_into(SENTENCE_VECTORS, ids, texts, batch)

    def encode_articles(self, firsts: list[int], batch: int = EMBED_BATCH) -> None:
        """Encode the articles these sentences open ("title. first words") and keep their vectors."""
        with self._lock:
            texts = [article_passage_text(title, sentences) for title, sentences in self._store().article_openings(firsts)]
        self._encode_into(ARTICLE_VECTORS, firsts, texts, batch)

    def _encode_into(self, table: str, ids: list[int], texts: list[str], batch: int) -> None:
        try:
            rows = quantize(self.encoder.passages(texts, batch))
        except EncoderUnavailable:
            return
        with self._lock:
            try:
                self._store().write_vectors(ids, rows, table)
            except sqlite3.OperationalError as error:
                if "readonly" not in str(error):
                    raise
                # A read-only index still answers: the vectors serve this process only.
            self._tables[table].add(np.asarray(ids, dtype=np.int64), rows)

    def embed(self, stop: threading.Event, progress: Callable[[int], None] | None = None,
              batch: int = EMBED_BATCH) -> int:
        """Encode every article and then every sentence without a vector (an article's tells a
        question which stories are about it, and there are fewer), each batch committed as it finishes
        (a killed run loses at most the batch in flight); how many were encoded."""
        done = 0
        for lacking, encode in ((Store.articles_without_vectors, self.encode_articles),
                                (Store.sentences_without_vectors, self.encode)):
            after = 0
            while not stop.is_set() and self.encoder.available:
                with self._lock:
                    ids = lacking(self._store(), batch, after)
                if not ids:
                    break
                encode(ids, batch=batch)
                done, after = done + len(ids), ids[-1]
                if progress:
                    progress(len(ids))
        return done

    def missing(self) -> int:
        """Sentences and articles that have no vector yet."""
        with self._lock:
            store = self._store()
            counts = store.counts()
            articles = store.articles_with_sentences()
        return counts["sentences"] - counts["vectors"] + articles - counts["article_vectors"]


def within_tokens(ids: list[int], texts: list[str], tokens: list[int], budget: int) -> tuple[list[int], list[str]]:
    """The longest first run of passages holding at most `budget` tokens together, and never none."""
    total, keep = 0, 0
    for count in tokens:
        if keep and total + count > budget:
            break
        total, keep = total + count, keep + 1
    return ids[:keep], texts[:keep]
