"""The fast BM25 path against rank_bm25.BM25Plus, the scoring reference."""
from __future__ import annotations

import random

import numpy as np
import pytest
from rank_bm25 import BM25Plus

from index.ranking import BM25Index, BM25Params, EmptyIndexError


def reference_top(scores: np.ndarray, k: int) -> list[int]:
    return sorted(range(len(scores)), key=lambda i: (-round(scores[i], 9), i))[:k]


@pytest.fixture(scope="module")
def corpus() -> list[list[str]]:
    rng = random.Random(7)
    vocabulary = [f"t{i}" for i in range(800)]
    # Zipf-like: a few very common terms, a long tail, and some empty documents.
    weights = [1 / (i + 1) for i in range(len(vocabulary))]
    return [rng.choices(vocabulary, weights, k=rng.randint(0, 40)) for _ in range(4000)]


def test_top10_and_scores_match_rank_bm25(corpus: list[list[str]]) -> None:
    params = BM25Params(k1=0.9, b=0.4, delta=1.0)
    index = BM25Index(corpus, params)
    reference = BM25Plus(corpus, k1=params.k1, b=params.b, delta=params.delta)
    rng = random.Random(11)
    for _ in range(150):
        query = [f"t{rng.randint(0, 900)}" for _ in range(rng.randint(1, 6))]  # some terms unseen
        expected = reference.get_scores(query)
        hits = index.search(query, 10)
        matching = [i for i in range(len(corpus)) if set(query) & set(corpus[i])]
        assert [h.doc for h in hits] == reference_top(expected, 10)[: len(hits)]
        assert len(hits) == min(10, len(matching))
        assert np.allclose([h.score for h in hits], expected[[h.doc for h in hits]], rtol=1e-12, atol=1e-12)


def test_repeated_query_terms_count_twice_like_rank_bm25(corpus: list[list[str]]) -> None:
    index, reference = BM25Index(corpus), BM25Plus(corpus, k1=0.9, b=0.4, delta=1.0)
    query = ["t5", "t5", "t40"]
    hits = index.search(query, 5)
    assert np.allclose([h.score for h in hits], reference.get_scores(query)[[h.doc for h in hits]])


def test_query_sharing_no_term_finds_nothing(corpus: list[list[str]]) -> None:
    assert BM25Index(corpus).search(["absent"], 10) == []


def test_empty_index_is_refused_clearly() -> None:
    with pytest.raises(EmptyIndexError, match="index some articles"):
        BM25Index([])
