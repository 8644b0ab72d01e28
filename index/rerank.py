"""Re-rank BM25's candidate sentences with what surrounds them: an answer sentence often shares
few words with the question while its paragraph shares them all, and "what did X say?" wants X's
own statements first."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from index.tokens import normalize

NUMBER_QUESTION = re.compile(
    r"(?:^|[\s\-–(])(?:كم|بكم|متى|في\s+اي\s+(?:عام|سنة|يوم|شهر)|ما\s+(?:عدد|نسبة|قيمة|حجم|مساحة|طول))(?=[\s؟?،,]|$)"
    r"|\b(?:how\s+(?:many|much|far|long|old)|when|what\s+year|in\s+which\s+year)\b",
    re.IGNORECASE,
)


def wants_number(question: str) -> bool:
    """Whether a question asks how many, how much or when: its answer holds a number."""
    return bool(NUMBER_QUESTION.search(normalize(question)))


# A question concept: the ways to express it (a token, a Latin name's Arabic spellings, a
# translation of several words, all of which must appear), and its weight.
Concept = tuple[frozenset[frozenset[str]], float]


@dataclass(frozen=True)
class Candidate:
    key: int
    paragraph: tuple[int, int]
    tokens: frozenset[str]
    lexical: float  # BM25 above the no-match base, divided by the best candidate's
    speaker_match: bool = False
    dense: float = 0.0  # cosine of the sentence's vector with the question's
    has_number: bool = False
    paragraph_lexical: float = 0.0  # the paragraph's own BM25, scaled to 0..1 over the candidates' paragraphs


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
    answer_type: float = 0.3
    paragraph_bm25: float = 0.5


def coverage(tokens: frozenset[str] | set[str], concepts: list[Concept]) -> float:
    """Share of the question's weight whose concepts these tokens express."""
    total = sum(weight for _, weight in concepts)
    found = sum(weight for options, weight in concepts if any(option <= tokens for option in options))
    return found / total if total else 0.0


# A paragraph is scored as one document; its length is normalized fully (b=1) because long paragraphs
# match many questions by chance (measured on ARCD/XQuAD: k1 1.5, b 1.0 best of those tried).
PARAGRAPH_K1 = 1.5
PARAGRAPH_B = 1.0


def paragraph_bm25(tokens: list[str], idf: dict[str, float], average_length: float) -> float:
    """BM25 of a whole paragraph (its sentences' tokens together) for the question's terms."""
    counts = Counter(tokens)
    norm = PARAGRAPH_K1 * (1 - PARAGRAPH_B + PARAGRAPH_B * len(tokens) / (average_length or 1.0))
    return sum(w * counts[t] * (PARAGRAPH_K1 + 1) / (norm + counts[t]) for t, w in idf.items() if counts[t])


def rerank(candidates: list[Candidate], concepts: list[Concept], mix: RerankWeights, wants_number: bool = False) -> list[Ranked]:
    """Candidates ordered by their own BM25, their paragraph's coverage of the question, the asked
    speaker, meaning, and — for how many / when questions — whether they hold a number."""
    paragraph_tokens: dict[tuple[int, int], set[str]] = {}
    for c in candidates:
        paragraph_tokens.setdefault(c.paragraph, set()).update(c.tokens)
    paragraph_cover = {p: coverage(tokens, concepts) for p, tokens in paragraph_tokens.items()}
    ranked = []
    for c in candidates:
        whole = paragraph_cover[c.paragraph]
        score = c.lexical + mix.paragraph * whole + mix.speaker * c.speaker_match + mix.dense * c.dense
        score += mix.paragraph_bm25 * c.paragraph_lexical
        score += mix.answer_type * (wants_number and c.has_number)
        ranked.append(Ranked(c.key, score, coverage(c.tokens, concepts), whole, c.dense))
    ranked.sort(key=lambda r: (-r.score, r.key))
    return ranked
