"""Re-rank BM25's candidate sentences with what surrounds them: an answer sentence often shares
few words with the question while its paragraph shares them all, and "what did X say?" wants X's
own statements first."""
from __future__ import annotations

from dataclasses import dataclass

# A question concept: the tokens that express it (a Latin name and its Arabic spellings), its weight.
Concept = tuple[frozenset[str], float]


@dataclass(frozen=True)
class Candidate:
    key: int
    paragraph: tuple[int, int]
    tokens: frozenset[str]
    lexical: float  # BM25 above the no-match base, divided by the best candidate's
    speaker_match: bool = False
    dense: float = 0.0  # cosine of the sentence's vector with the question's


@dataclass(frozen=True)
class Ranked:
    key: int
    score: float
    sentence_coverage: float
    paragraph_coverage: float
    dense: float = 0.0


@dataclass(frozen=True)
class RerankWeights:
    """How much each signal adds to a candidate's normalized BM25 (which is 1 for the best)."""

    paragraph: float = 1.0
    speaker: float = 1.0
    dense: float = 1.0


def coverage(tokens: frozenset[str] | set[str], concepts: list[Concept]) -> float:
    """Share of the question's weight whose concepts these tokens express."""
    total = sum(weight for _, weight in concepts)
    return sum(weight for options, weight in concepts if options & tokens) / total if total else 0.0


def rerank(candidates: list[Candidate], concepts: list[Concept], mix: RerankWeights) -> list[Ranked]:
    """Candidates ordered by their own BM25, their paragraph's coverage of the question and speaker."""
    paragraph_tokens: dict[tuple[int, int], set[str]] = {}
    for c in candidates:
        paragraph_tokens.setdefault(c.paragraph, set()).update(c.tokens)
    paragraph_cover = {p: coverage(tokens, concepts) for p, tokens in paragraph_tokens.items()}
    ranked = []
    for c in candidates:
        whole = paragraph_cover[c.paragraph]
        score = c.lexical + mix.paragraph * whole + mix.speaker * c.speaker_match + mix.dense * c.dense
        ranked.append(Ranked(c.key, score, coverage(c.tokens, concepts), whole, c.dense))
    ranked.sort(key=lambda r: (-r.score, r.key))
    return ranked
