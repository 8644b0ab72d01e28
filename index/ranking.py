"""BM25Plus over sentence token lists in segments, scored only where a query term occurs.

Scores are rank_bm25.BM25Plus's exactly: that class adds idf·delta for every query term to every
document, so a document's score is that shared base plus the weights of the terms it contains.
An index is a list of immutable segments (one big one from a full build, small ones from each
incremental add) with an alive mask per segment for sentences deleted since; IDF, document count
and average length are always over the alive sentences of all segments, as if rebuilt.
"""
from __future__ import annotations

import math
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

TIE_TOLERANCE = 1e-9
# Postings whose BM25 weights stay cached per index: 4M (about 64 MB) covers the common terms of a
# 250k-sentence archive several times over.
CACHED_POSTINGS = 4_000_000
ARRAYS = ("bounds", "docs", "tfs", "lengths", "keys")


class EmptyIndexError(ValueError):
    """Raised when a ranking index is asked to search nothing."""


@dataclass(frozen=True)
class Hit:
    doc: int
    key: int
    score: float


@dataclass(frozen=True)
class BM25Params:
    """BM25Plus's parameters (the [ranking] settings)."""

    k1: float
    b: float
    delta: float


@dataclass
class Segment:
    """Postings of a batch of documents: for term t, docs[bounds[t]:bounds[t+1]] and their tfs."""

    terms: list[str]
    bounds: np.ndarray
    docs: np.ndarray
    tfs: np.ndarray
    lengths: np.ndarray
    keys: np.ndarray
    vocabulary: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.vocabulary:
            self.vocabulary = {t: i for i, t in enumerate(self.terms)}

    @property
    def size(self) -> int:
        return len(self.lengths)


def build_segment(docs: Sequence[Sequence[str]], keys: Sequence[int] | np.ndarray | None = None) -> Segment:
    """Postings for documents given as token lists; keys name them (sentence ids), default 0..n-1."""
    size = len(docs)
    vocabulary: dict[str, int] = {}
    term_ids = np.fromiter((vocabulary.setdefault(t, len(vocabulary)) for d in docs for t in d), dtype=np.int64)
    lengths = np.fromiter((len(d) for d in docs), dtype=np.int32, count=size)
    doc_ids = np.repeat(np.arange(size, dtype=np.int64), lengths)
    pairs, tfs = np.unique(term_ids * max(size, 1) + doc_ids, return_counts=True)
    terms_of_pairs = pairs // max(size, 1)
    bounds = np.searchsorted(terms_of_pairs, np.arange(len(vocabulary) + 1)).astype(np.int64)
    keys = np.arange(size, dtype=np.int64) if keys is None else np.asarray(keys, dtype=np.int64)
    return Segment(list(vocabulary), bounds, (pairs % max(size, 1)).astype(np.int32), tfs.astype(np.int32),
                   lengths, keys, vocabulary)


class BM25Index:
    """Segments searched as one index; `alive` masks out deleted documents of each segment."""

    def __init__(self, segments: list[Segment], alive: list[np.ndarray | None] | None, params: BM25Params) -> None:
        self.segments = segments
        self.alive = alive or [None] * len(segments)
        self.params = params
        self.offsets = np.cumsum([0] + [s.size for s in segments])
        self.size = sum(int(s.size if a is None else a.sum()) for s, a in zip(segments, self.alive))
        if self.size == 0:
            raise EmptyIndexError("cannot build a ranking index over no sentences; index some articles first")
        total_length = sum(int(s.lengths.sum() if a is None else s.lengths[a].sum()) for s, a in zip(segments, self.alive))
        self.avgdl = total_length / self.size
        self._frequencies: dict[str, int] = {}  # the index never changes, so a term's df is counted once
        # Nor do a term's BM25 weights: the most recently used terms keep theirs (common terms, whose
        # long postings are most of a query's time, come back in most questions).
        self._weights: OrderedDict[str, tuple[float, list[tuple[np.ndarray, np.ndarray]]]] = OrderedDict()
        self._weights_size = 0
        self._weights_lock = threading.Lock()

    @classmethod
    def from_docs(cls, docs: Sequence[Sequence[str]], params: BM25Params) -> "BM25Index":
        return cls([build_segment(docs)], None, params)

    def _postings(self, term: str) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """(segment number, alive docs, their tfs) for every segment holding the term."""
        found = []
        for n, (segment, alive) in enumerate(zip(self.segments, self.alive)):
            tid = segment.vocabulary.get(term)
            if tid is None:
                continue
            docs = segment.docs[segment.bounds[tid] : segment.bounds[tid + 1]]
            tfs = segment.tfs[segment.bounds[tid] : segment.bounds[tid + 1]]
            if alive is not None:
                keep = alive[docs]
                docs, tfs = docs[keep], tfs[keep]
            if len(docs):
                found.append((n, docs, tfs))
        return found

    def document_frequency(self, term: str) -> int:
        if term not in self._frequencies:
            self._frequencies[term] = sum(len(docs) for _, docs, _ in self._postings(term))
        return self._frequencies[term]

    def idf_of(self, term: str) -> float | None:
        """The term's IDF (rank_bm25's BM25Plus: log((N+1)/df)), or None when no document holds it."""
        df = self.document_frequency(term)
        return self._idf(df) if df else None

    def _idf(self, df: int) -> float:
        return math.log((self.size + 1) / df)

    def unseen_idf(self) -> float:
        """The IDF a term would have if one document held it: the rarest possible."""
        return math.log(self.size + 1)

    def base_score(self, query: Sequence[str]) -> float:
        """What every document scores for this query without containing any of its terms."""
        return sum(self.params.delta * idf for t in query if (idf := self.idf_of(t)) is not None)

    def document_scores(self, query: Sequence[str], documents: Sequence[Sequence[str]]) -> list[float]:
        """The BM25Plus scores `scores` gives documents with these tokens (sentences outside the
        hits, whose scores the search did not return)."""
        k1, b = self.params.k1, self.params.b
        asked = [(term, count * idf) for term, count in Counter(query).items() if (idf := self.idf_of(term)) is not None]
        base, terms = self.base_score(query), {t for t, _ in asked}
        scores = []
        for tokens in documents:
            norm = k1 * (1 - b + b * len(tokens) / self.avgdl)
            found = Counter(t for t in tokens if t in terms)
            scores.append(base + sum(weight * found[t] * (k1 + 1) / (norm + found[t]) for t, weight in asked if t in found))
        return scores

    def _term_weights(self, term: str) -> tuple[float, list[tuple[np.ndarray, np.ndarray]]]:
        """A term's IDF and, per segment, its documents (global numbers) with their IDF-weighted BM25
        term weights; no documents when none holds it."""
        with self._weights_lock:
            if term in self._weights:
                self._weights.move_to_end(term)
                return self._weights[term]
        k1, b = self.params.k1, self.params.b
        postings = self._postings(term)
        df = self._frequencies.setdefault(term, sum(len(docs) for _, docs, _ in postings))
        idf = self._idf(df) if df else 0.0
        parts = [
            (docs + self.offsets[n], idf * (tfs * (k1 + 1)) / (k1 * (1 - b + b * self.segments[n].lengths[docs] / self.avgdl) + tfs))
            for n, docs, tfs in postings
        ]
        with self._weights_lock:
            self._weights[term] = (idf, parts)
            self._weights_size += sum(len(docs) for docs, _ in parts) + 1
            while self._weights_size > CACHED_POSTINGS and len(self._weights) > 1:
                _, (_, old) = self._weights.popitem(last=False)
                self._weights_size -= sum(len(docs) for docs, _ in old) + 1
        return idf, parts

    def scores(self, query: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Candidate documents (global numbers, sharing a query term) and their full BM25Plus scores."""
        accumulated = np.zeros(int(self.offsets[-1]))
        touched = np.zeros(int(self.offsets[-1]), dtype=bool)
        base = 0.0
        for term, count in Counter(query).items():
            idf, parts = self._term_weights(term)
            if not parts:
                continue
            base += count * idf * self.params.delta
            for where, weights in parts:
                accumulated[where] += count * weights
                touched[where] = True
        candidates = np.flatnonzero(touched)
        return candidates, accumulated[candidates] + base

    def key_of(self, doc: int) -> int:
        n = int(np.searchsorted(self.offsets, doc, side="right") - 1)
        return int(self.segments[n].keys[doc - self.offsets[n]])

    def search(self, query: Sequence[str], k: int = 10) -> list[Hit]:
        """The k best documents sharing a query term, best first (ties: lower document first)."""
        candidates, scores = self.scores(query)
        if len(candidates) == 0 or k <= 0:
            return []
        top = np.arange(len(candidates))
        if len(candidates) > k:
            # Partition on -scores: numpy 2.x is far slower partitioning for the largest (see REFERENCE).
            kth = -np.partition(-scores, k - 1)[k - 1]
            top = np.flatnonzero(scores >= kth - TIE_TOLERANCE)  # every tie at the cut, so ties break by doc
        order = sorted(top, key=lambda i: (-round(scores[i], 9), candidates[i]))[:k]
        return [Hit(int(candidates[i]), self.key_of(int(candidates[i])), float(scores[i])) for i in order]
