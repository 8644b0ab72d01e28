"""Sentence vectors as kept: unit vectors quantized to int8, a growing in-memory table of them by
sentence id, and cosines and nearest neighbours against it."""
from __future__ import annotations

import threading

import numpy as np

DIMENSIONS = 384  # multilingual-e5-small
# int8 steps of 1/508: e5-small's unit vectors have no component past ±0.19 (measured on ARCD), so
# ±0.25 is the int8 range, four times finer than 1/127 (cosine error ~0.001 instead of ~0.004).
SCALE = 508.0
BLOCK_ROWS = 16_384
# Beyond this many vectors, nearest neighbours are first short-listed by the Hamming distance of
# their sign bits (six 64-bit words a vector, kept word by word: ~2 ms over 250k, against ~10 ms
# for the same bits kept vector by vector), then ranked by the int8 cosine.
EXACT_LIMIT = 50_000
SHORTLIST = 4_096


def quantize(vectors: np.ndarray) -> np.ndarray:
    """Unit vectors as int8 (a quarter of float32's size)."""
    return np.clip(np.rint(vectors * SCALE), -127, 127).astype(np.int8)


def sign_words(vectors: np.ndarray) -> np.ndarray:
    """The signs of each vector's components as bits, packed into 64-bit words (last axis)."""
    packed = np.packbits(np.asarray(vectors) > 0, axis=-1)
    return np.ascontiguousarray(packed).view(np.uint64)


def cosines(query: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Approximate cosine of one unit float vector with int8 rows, a block at a time (numpy would
    otherwise convert the whole matrix to float32 at once)."""
    scaled = (query * SCALE).astype(np.float32)
    out = np.empty(len(vectors), dtype=np.float32)
    for start in range(0, len(vectors), BLOCK_ROWS):
        out[start : start + BLOCK_ROWS] = vectors[start : start + BLOCK_ROWS].astype(np.float32) @ scaled
    return out / (SCALE * SCALE)


class VectorTable:
    """Sentence id → int8 vector, appended to as vectors are written; safe to read while it grows."""

    def __init__(self, dimensions: int = DIMENSIONS) -> None:
        self.dimensions = dimensions
        self._ids = np.empty(0, dtype=np.int64)
        self._rows = np.empty((0, dimensions), dtype=np.int8)
        self._bits = np.empty(((dimensions + 63) // 64, 0), dtype=np.uint64)  # [word][vector]
        self._size = 0
        self._where: dict[int, int] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return self._size

    def add(self, ids: np.ndarray, rows: np.ndarray) -> None:
        """Add (or replace) the vectors of these sentences."""
        ids, rows = np.asarray(ids, dtype=np.int64), np.asarray(rows, dtype=np.int8)
        with self._lock:
            known = np.fromiter((int(i) in self._where for i in ids), dtype=bool, count=len(ids))
            for i, r in zip(ids[known], rows[known]):
                self._rows[self._where[int(i)]] = r
                self._bits[:, self._where[int(i)]] = sign_words(r)
            ids, rows = ids[~known], rows[~known]
            ids, first = np.unique(ids, return_index=True)  # a sentence twice in one batch: once
            rows = rows[first]
            if not len(ids):
                return
            needed = self._size + len(ids)
            if needed > len(self._ids):
                self._grow(max(needed, 2 * len(self._ids), 1024))
            self._ids[self._size : needed] = ids
            self._rows[self._size : needed] = rows
            self._bits[:, self._size : needed] = sign_words(rows).T
            self._where.update(zip(ids.tolist(), range(self._size, needed)))
            self._size = needed

    def _grow(self, capacity: int) -> None:
        ids = np.zeros(capacity, dtype=np.int64)
        rows = np.zeros((capacity, self.dimensions), dtype=np.int8)
        bits = np.zeros((self._bits.shape[0], capacity), dtype=np.uint64)
        ids[: self._size], rows[: self._size], bits[:, : self._size] = (
            self._ids[: self._size], self._rows[: self._size], self._bits[:, : self._size])
        self._ids, self._rows, self._bits = ids, rows, bits

    def has(self, sentence: int) -> bool:
        return sentence in self._where

    def similarities(self, query: np.ndarray, sentences: list[int]) -> dict[int, float]:
        """Cosines with the question of those sentences that have a vector."""
        with self._lock:
            known = [(s, self._where[s]) for s in sentences if s in self._where]
            if not known:
                return {}
            rows = self._rows[[n for _, n in known]]
        return dict(zip((s for s, _ in known), cosines(query, rows).tolist()))

    def nearest(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """(sentence id, cosine) of the k vectors closest to a unit query vector, closest first."""
        with self._lock:
            size, ids, rows, bits = self._size, self._ids, self._rows, self._bits
        if size == 0 or k <= 0:
            return []
        where = np.arange(size)
        if size > EXACT_LIMIT:
            distance = np.zeros(size, dtype=np.uint16)
            for word, asked in zip(bits[:, :size], sign_words(query)):
                distance += np.bitwise_count(word ^ asked)
            where = np.argpartition(distance, SHORTLIST)[:SHORTLIST]
        scores = cosines(query, rows[where])
        top = np.argpartition(-scores, k - 1)[:k] if len(where) > k else np.arange(len(where))
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(ids[where[i]]), float(scores[i])) for i in top]
