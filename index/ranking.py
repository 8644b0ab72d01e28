"""BM25Plus over sentence token lists, scored only where a query term occurs.

Scores are rank_bm25.BM25Plus's exactly: that class adds idf·delta for every query term to every
document, so a document's score is that shared base plus the weights of the terms it contains.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np


TIE_TOLERANCE = 1e-9


class EmptyIndexError(ValueError):
    """Raised when a ranking index is asked to search nothing."""


@dataclass(frozen=True)
class Hit:
    doc: int
    score: float


@dataclass(frozen=True)
class BM25Params:
    k1: float = 0.9
    b: float = 0.4
    delta: float = 1.0


class BM25Index:
    """An inverted index: for each term, the documents holding it and their BM25 term weights."""

    def __init__(self, docs: Sequence[Sequence[str]], params: BM25Params = BM25Params()) -> None:
        if not docs:
            raise EmptyIndexError("cannot build a ranking index over no sentences; index some articles first")
        self.params = params
        self.size = len(docs)
        self.vocabulary: dict[str, int] = {}
        term_ids, doc_ids = self._flatten(docs)
        lengths = np.bincount(doc_ids, minlength=self.size).astype(np.float64)
        self.avgdl = float(lengths.sum() / self.size)
        self._build_postings(term_ids, doc_ids, lengths)

    def _flatten(self, docs: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
        vocabulary = self.vocabulary
        term_ids = [vocabulary.setdefault(t, len(vocabulary)) for doc in docs for t in doc]
        doc_ids = np.repeat(np.arange(self.size, dtype=np.int64), [len(d) for d in docs])
        return np.asarray(term_ids, dtype=np.int64), doc_ids

    def _build_postings(self, term_ids: np.ndarray, doc_ids: np.ndarray, lengths: np.ndarray) -> None:
        """Group (term, doc) pairs into postings with each pair's term frequency and weight."""
        pairs, tf = np.unique(term_ids * self.size + doc_ids, return_counts=True)
        terms, docs = pairs // self.size, (pairs % self.size).astype(np.int32)
        k1, b = self.params.k1, self.params.b
        norm = k1 * (1 - b + b * lengths[docs] / self.avgdl)
        weights = (tf * (k1 + 1)) / (norm + tf)
        bounds = np.searchsorted(terms, np.arange(len(self.vocabulary) + 1))
        df = np.diff(bounds)
        self.idf = np.log((self.size + 1) / df)
        self._docs, self._weights, self._bounds = docs, weights, bounds

    def idf_of(self, term: str) -> float | None:
        """The term's IDF, or None when no document holds it."""
        tid = self.vocabulary.get(term)
        return None if tid is None else float(self.idf[tid])

    def unseen_idf(self) -> float:
        """The IDF a term would have if one document held it: the rarest possible."""
        return math.log(self.size + 1)

    def scores(self, query: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Candidate documents (those sharing a query term) and their full BM25Plus scores."""
        known = [self.vocabulary[t] for t in query if t in self.vocabulary]
        base = self.params.delta * sum(float(self.idf[t]) for t in known)
        if not known:
            return np.empty(0, dtype=np.int32), np.empty(0)
        slices = [slice(self._bounds[t], self._bounds[t + 1]) for t in known]
        if len(slices) == 1:
            s = slices[0]
            return self._docs[s], base + self.idf[known[0]] * self._weights[s]
        docs = np.concatenate([self._docs[s] for s in slices])
        contributions = np.concatenate([self.idf[t] * self._weights[s] for t, s in zip(known, slices)])
        candidates, where = np.unique(docs, return_inverse=True)
        return candidates, base + np.bincount(where, weights=contributions, minlength=len(candidates))

    def search(self, query: Sequence[str], k: int = 10) -> list[Hit]:
        """The k best documents sharing a query term, best first (ties: lower document first)."""
        candidates, scores = self.scores(query)
        if len(candidates) == 0 or k <= 0:
            return []
        top = np.arange(len(candidates))
        if len(candidates) > k:
            # argpartition on -scores: numpy 2.x is far slower partitioning for the largest (see REFERENCE).
            kth = -np.partition(-scores, k - 1)[k - 1]
            top = np.flatnonzero(scores >= kth - TIE_TOLERANCE)  # every tie at the cut, so ties break by doc
        order = sorted(top, key=lambda i: (-round(scores[i], 9), candidates[i]))[:k]
        return [Hit(int(candidates[i]), float(scores[i])) for i in order]
