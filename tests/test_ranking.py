"""The fast BM25 path against rank_bm25.BM25Plus, the scoring reference."""
from __future__ import annotations

import random

import numpy as np
import pytest
from rank_bm25 import BM25Okapi, BM25Plus

from index.ranking import BM25Index, BM25Params, EmptyIndexError
from index.rerank import PARAGRAPH_B, PARAGRAPH_K1, paragraph_bm25

PARAMS = BM25Params(k1=0.9, b=0.4, delta=1.0)  # the shipped [ranking] values, as rank_bm25 gets them below


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
    index = BM25Index.from_docs(corpus, params)
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
    index, reference = BM25Index.from_docs(corpus, PARAMS), BM25Plus(corpus, k1=0.9, b=0.4, delta=1.0)
    query = ["t5", "t5", "t40"]
    hits = index.search(query, 5)
    assert np.allclose([h.score for h in hits], reference.get_scores(query)[[h.doc for h in hits]])


def test_one_documents_score_from_its_tokens_is_rank_bm25s(corpus: list[list[str]]) -> None:
    """Sentences the search did not return (the rest of an article) are scored from their tokens."""
    index, reference = BM25Index.from_docs(corpus, PARAMS), BM25Plus(corpus, k1=0.9, b=0.4, delta=1.0)
    rng = random.Random(5)
    for _ in range(40):
        query = [f"t{rng.randint(0, 900)}" for _ in range(rng.randint(1, 6))] + ["t3", "t3"]
        expected = reference.get_scores(query)
        docs = rng.sample(range(len(corpus)), 25)
        assert np.allclose(index.document_scores(query, [corpus[d] for d in docs]), expected[docs], rtol=1e-12, atol=1e-12)


def test_query_sharing_no_term_finds_nothing(corpus: list[list[str]]) -> None:
    assert BM25Index.from_docs(corpus, PARAMS).search(["absent"], 10) == []


def test_empty_index_is_refused_clearly() -> None:
    with pytest.raises(EmptyIndexError, match="index some articles"):
        BM25Index.from_docs([], PARAMS)


def test_segments_with_deletions_score_like_a_fresh_rank_bm25(corpus: list[list[str]]) -> None:
    """Three segments, some documents deleted: same top-10 and scores as rank_bm25 over the rest."""
    from index.ranking import build_segment

    parts = [corpus[:2500], corpus[2500:3500], corpus[3500:]]
    segments = [build_segment(p, np.arange(len(p)) + start) for p, start in zip(parts, (0, 2500, 3500))]
    rng = np.random.default_rng(3)
    alive = [rng.random(s.size) > 0.2 for s in segments]
    index = BM25Index(segments, alive, PARAMS)
    kept = [doc for s, mask, part in zip(segments, alive, parts) for doc, keep in zip(part, mask) if keep]
    kept_keys = [int(k) for s, mask in zip(segments, alive) for k, keep in zip(s.keys, mask) if keep]
    reference = BM25Plus(kept, k1=0.9, b=0.4, delta=1.0)
    rng_q = random.Random(5)
    for _ in range(100):
        query = [f"t{rng_q.randint(0, 900)}" for _ in range(rng_q.randint(1, 5))]
        expected = reference.get_scores(query)
        hits = index.search(query, 10)
        assert [h.key for h in hits] == [kept_keys[i] for i in reference_top(expected, 10)][: len(hits)]
        assert np.allclose([h.score for h in hits], sorted(expected, reverse=True)[: len(hits)], rtol=1e-12)


def test_saved_segments_load_back_identically(corpus: list[list[str]], tmp_path) -> None:
    from index.ranking import build_segment
    from index.segments import load_segment, save_segment

    segment = build_segment(corpus[:500], np.arange(500) * 3)
    save_segment(segment, tmp_path / "seg")
    loaded = load_segment(tmp_path / "seg")
    query = ["t1", "t7", "t30"]
    assert BM25Index([loaded], None, PARAMS).search(query, 10) == BM25Index([segment], None, PARAMS).search(query, 10)


def test_paragraph_bm25_is_okapi_bm25_over_whole_paragraphs(corpus: list[list[str]]) -> None:
    paragraphs = [sum(corpus[i : i + 5], []) for i in range(0, 400, 5)]
    reference = BM25Okapi(paragraphs, k1=PARAGRAPH_K1, b=PARAGRAPH_B)
    query = ["t0", "t3", "t40", "t399"]
    idf = {t: reference.idf[t] for t in query if t in reference.idf}
    ours = [paragraph_bm25(p, idf, reference.avgdl) for p in paragraphs]
    assert np.allclose(ours, reference.get_scores(query))
    assert paragraph_bm25(["t1", "t2"], idf, reference.avgdl) == 0.0
