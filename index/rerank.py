"""Re-rank BM25's candidate sentences with the paragraph around them: an answer sentence often
shares few words with the question while its paragraph shares them all."""
from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    key: int
    paragraph: tuple[int, int]
    tokens: frozenset[str]
    lexical: float  # BM25 above the no-match base, divided by the best candidate's


@dataclass(frozen=True)
class Ranked:
    key: int
    score: float
    sentence_coverage: float
    paragraph_coverage: float


@dataclass(frozen=True)
class RerankWeights:
    paragraph: float = float(os.environ.get("ISNAD_W_PARAGRAPH", 1.0))
    sentence: float = float(os.environ.get("ISNAD_W_SENTENCE", 0.0))


def coverage(tokens: frozenset[str] | set[str], weights: dict[str, float]) -> float:
    """Share of the question's IDF weight that these tokens carry."""
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in tokens) / total if total else 0.0


def rerank(candidates: list[Candidate], weights: dict[str, float], mix: RerankWeights = RerankWeights()) -> list[Ranked]:
    """Candidates ordered by their own BM25 plus how much of the question their paragraph covers."""
    paragraph_tokens: dict[tuple[int, int], set[str]] = {}
    for c in candidates:
        paragraph_tokens.setdefault(c.paragraph, set()).update(c.tokens)
    paragraph_cover = {p: coverage(tokens, weights) for p, tokens in paragraph_tokens.items()}
    ranked = []
    for c in candidates:
        own = coverage(c.tokens, weights)
        whole = paragraph_cover[c.paragraph]
        ranked.append(Ranked(c.key, c.lexical + mix.paragraph * whole + mix.sentence * own, own, whole))
    ranked.sort(key=lambda r: (-r.score, r.key))
    return ranked
