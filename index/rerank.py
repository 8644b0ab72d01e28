"""Re-rank BM25's candidate sentences with what surrounds them: an answer sentence often shares
few words with the question while its paragraph shares them all, and "what did X say?" wants X's
own statements first."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from statistics import median

from index.query import Concept


@dataclass(frozen=True, kw_only=True)
class Candidate:
    key: int
    paragraph: tuple[int, int]
    tokens: frozenset[str]
    lexical: float  # BM25 above the no-match base, divided by the best candidate's
    speaker_match: float = 0.0  # 1: the asked speaker's own statement; 0.5: said jointly with others
    dense: float = 0.0  # cosine of the sentence's vector with the question's
    encoded: bool = False  # the cosine is the sentence's own, not the mean lent to one without a vector
    kind_match: bool = False  # holds the kind of answer the question asks for (a number, a date, a cause…)
    paragraph_lexical: float = 0.0  # the paragraph's own BM25, scaled to 0..1 over the candidates' paragraphs
    lead: bool = False  # the article's first sentence, which repeats the story's words
    focus_lexical: float | None = None  # BM25 of the question's focus alone, scaled as lexical; None: no clause
    article_dense: float = 0.0  # cosine of the sentence's article's vector (title and opening) with the question's
    # BM25 of the previous sentence's and its own tokens together, scaled as lexical, for a sentence that
    # points back at the one before (index.sentences.refers_back); None otherwise.
    back_lexical: float | None = None


@dataclass(frozen=True)
class Ranked:
    key: int
    score: float
    paragraph_coverage: float
    dense: float = 0.0
    names: float = 0.0  # the share of the question's names its article holds
    speaker: float = 0.0
    encoded: bool = False  # Candidate.encoded
    article: int = 0  # the sentence's article, whose other sentences the margin leaves out


@dataclass(frozen=True)
class RerankWeights:
    """How much each signal adds to a candidate's normalized BM25 (which is 1 for the best)."""

    paragraph: float
    speaker: float
    dense: float
    answer_type: float
    paragraph_bm25: float
    article: float = 0.0  # the article's coverage of the question (title and every sentence together)
    lead: float = 0.0
    names: float = 0.0  # the share of the question's rarest words (its names) the article holds
    # The best BM25 among the article's candidates, shared by all its sentences: within an article that
    # is about the question, its sentences then compete on what they hold, not on repeating its words.
    article_lexical: float = 0.0
    # How much more the sentence matches the question's focus than the whole question (0 without a
    # circumstantial clause): the story's setting is the article's to match, the asked fact the sentence's.
    focus: float = 0.0
    # The cosine of the sentence's article (its title and opening words) with the question: which story
    # is about the question by meaning, as the paragraph and article coverages say it by words.
    article_dense: float = 0.0
    # How much more the question's words match a sentence read with the one it points back at ("هذا
    # الحوض" is the basin the sentence before names) than the sentence alone.
    back_reference: float = 0.0


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
    norm = PARAGRAPH_K1 * (1 - PARAGRAPH_B + PARAGRAPH_B * len(tokens) / (average_length or 1.0))
    counts = Counter(t for t in tokens if t in idf)  # only the question's terms: cheaper than counting every word
    return sum(w * counts[t] * (PARAGRAPH_K1 + 1) / (norm + counts[t]) for t, w in idf.items() if t in counts)


def paragraph_scores(paragraphs: dict[tuple[int, int], list[str]], idf: dict[str, float],
                     average_length: float) -> dict[tuple[int, int], float]:
    """Each paragraph's BM25 as one document, scaled to 0..1 between the lowest and the best."""
    scores = {p: paragraph_bm25(tokens, idf, average_length) for p, tokens in paragraphs.items()}
    low, high = min(scores.values(), default=0.0), max(scores.values(), default=0.0)
    return {p: (score - low) / ((high - low) or 1.0) for p, score in scores.items()}


def paragraph_coverages(candidates: list[Candidate], concepts: list[Concept]) -> dict[tuple[int, int], float]:
    """How much of the question each candidate paragraph covers (its candidates' tokens together)."""
    paragraph_tokens: dict[tuple[int, int], set[str]] = {}
    for c in candidates:
        paragraph_tokens.setdefault(c.paragraph, set()).update(c.tokens)
    return {p: coverage(tokens, concepts) for p, tokens in paragraph_tokens.items()}


def article_coverages(candidates: list[Candidate], concepts: list[Concept]) -> dict[int, float]:
    """How much of the question each candidate article covers (its candidates' tokens together)."""
    article_tokens: dict[int, set[str]] = {}
    for c in candidates:
        article_tokens.setdefault(c.paragraph[0], set()).update(c.tokens)
    return {a: coverage(tokens, concepts) for a, tokens in article_tokens.items()}


DISTINCTIVE = 0.75


def distinctive(concepts: list[Concept]) -> list[Concept]:
    """The question's rarest concepts (within DISTINCTIVE of the rarest's weight): in a news archive
    its names, which the answering article must hold whatever else matches."""
    top = max((weight for _, weight in concepts), default=0.0)
    return [(options, weight) for options, weight in concepts if weight >= DISTINCTIVE * top]


def features(candidates: list[Candidate], concepts: list[Concept]) -> list[tuple[float, ...]]:
    """Each candidate's signals in the order of `FEATURES`, unweighted."""
    paragraph_cover = paragraph_coverages(candidates, concepts)
    article_cover = article_coverages(candidates, concepts)
    names_found = article_coverages(candidates, distinctive(concepts))
    article_best: dict[int, float] = {}
    for c in candidates:
        article_best[c.paragraph[0]] = max(article_best.get(c.paragraph[0], 0.0), c.lexical)
    return [(c.lexical, paragraph_cover[c.paragraph], c.speaker_match, c.dense, float(c.kind_match),
             c.paragraph_lexical, article_cover[c.paragraph[0]], float(c.lead), names_found[c.paragraph[0]],
             article_best[c.paragraph[0]], 0.0 if c.focus_lexical is None else c.focus_lexical - c.lexical,
             c.article_dense, 0.0 if c.back_lexical is None else max(0.0, c.back_lexical - c.lexical))
            for c in candidates]


FEATURES = ("lexical", "paragraph", "speaker", "dense", "answer_type", "paragraph_bm25", "article", "lead", "names",
            "article_lexical", "focus", "article_dense", "back_reference")


PARAGRAPH, NAMES = FEATURES.index("paragraph"), FEATURES.index("names")


def weight_vector(mix: RerankWeights) -> tuple[float, ...]:
    return (1.0, mix.paragraph, mix.speaker, mix.dense, mix.answer_type, mix.paragraph_bm25, mix.article, mix.lead,
            mix.names, mix.article_lexical, mix.focus, mix.article_dense, mix.back_reference)


def rerank(candidates: list[Candidate], concepts: list[Concept], mix: RerankWeights) -> list[Ranked]:
    """Candidates ordered by their own BM25, their paragraph's and article's coverage of the
    question, the asked speaker, meaning, and whether they hold the kind of answer asked for."""
    weights = weight_vector(mix)
    ranked = []
    for c, signals in zip(candidates, features(candidates, concepts)):
        score = sum(w * x for w, x in zip(weights, signals))
        ranked.append(Ranked(c.key, score, signals[PARAGRAPH], c.dense,
                             signals[NAMES], c.speaker_match, c.encoded, c.paragraph[0]))
    ranked.sort(key=lambda r: (-r.score, r.key))
    return ranked


@dataclass(frozen=True)
class Evidence:
    """What the abstention rule weighs: the best candidate's paragraph coverage of the question, the
    closest cosine of any candidate, the largest share of the question's names an article of the
    best few holds, and, for "what did X say?", whether X says anything among the candidates."""

    coverage: float
    closest: float
    english: bool
    with_vectors: bool
    names: float = 1.0
    speaker_missing: bool = False
    speaker_topic: float = 1.0  # "what did X say about Y?": how much of Y the best paragraph where X speaks covers
    # How far the closest cosine stands above the median of its own and other articles' candidates'
    # own cosines; None when too few have their own vector to tell (a fresh archive's question that
    # could encode one or two).
    margin: float | None = 0.0
    # The question's weight the best passage's paragraph covers, in rarest-word units (coverage ×
    # Query.specificity): one common word found is less evidence than two names.
    distinctive: float = 0.0


@dataclass(frozen=True)
class AbstentionRule:
    min_coverage: float
    evidence_weight: float
    min_evidence: float
    english_evidence_weight: float
    english_min_evidence: float
    min_names: float = 0.0
    speaker_required: bool = False
    min_speaker_topic: float = 0.0
    margin_weight: float = 0.0  # Arabic questions: the cosine's margin counts this much beside the closest
    min_evidence_without_margin: float | None = None  # the Arabic threshold while the margin is unknown
    distinctive_weight: float = 0.0  # Arabic questions, with vectors: Evidence.distinctive counts this much
    english_distinctive_weight: float = 0.0


def cosine_margin(cosines: list[float]) -> float:
    """The closest cosine above the median one: a question the articles answer has a sentence that
    stands out in meaning from the rest of its candidates; an unanswered one is about as near to all."""
    return max(cosines) - float(median(cosines)) if cosines else 0.0


def evidence_of(ranked: list[Ranked], english: bool, with_vectors: bool, speaker_asked: bool,
                speaker_topic: float = 1.0, specificity: float = 0.0) -> Evidence:
    cosines = [r.dense for r in ranked]
    closest = max(ranked, key=lambda r: r.dense)
    # Against other articles' sentences: an article all about the question has no sentence standing
    # out from its own others, but one standing out from the rest of the archive.
    own = [r.dense for r in ranked if r.encoded and (r.article != closest.article or r is closest)]
    return Evidence(ranked[0].paragraph_coverage, max(cosines), english, with_vectors,
                    max(r.names for r in ranked[:NAMES_DEPTH]), speaker_asked and not any(r.speaker for r in ranked),
                    speaker_topic, cosine_margin(own) if len(own) >= MARGIN_VECTORS else None,
                    ranked[0].paragraph_coverage * specificity)


# The fewest candidates with their own vector whose cosines say whether the closest stands out.
MARGIN_VECTORS = 3


# Evidence.distinctive counts up to this many rarest words: beyond two, a question's words found say
# no more (chosen on the tuning halves with bench/tune.py; bench/README.md).
DISTINCTIVE_CAP = 2.0


NAMES_DEPTH = 5  # the passages a reader sees: one of their articles must hold the question's names


def answers(evidence: Evidence, rule: AbstentionRule) -> bool:
    """Whether candidates answer the question (rules measured in bench/evaluate.py and
    bench/abstention.py): the best one's paragraph covers the question's words, or some candidate
    is close in meaning; and, whatever else matches, the answering article names what the question
    names, and a "what did X say (about Y)?" finds X saying something where Y is discussed. Those
    checks are Arabic only: an English question finds its names and speakers by their Arabic
    spellings, which miss often enough that their absence is no evidence."""
    if not evidence.english and (
        evidence.names < rule.min_names
        or (evidence.speaker_missing and rule.speaker_required)
        or evidence.speaker_topic < rule.min_speaker_topic
    ):
        return False
    if evidence.with_vectors:
        # Word overlap and meaning together separate on- from off-corpus questions best; an English
        # question's words meet the Arabic text less, so meaning weighs more for it.
        distinctive = min(evidence.distinctive, DISTINCTIVE_CAP)
        if evidence.english:
            return (evidence.coverage + rule.english_evidence_weight * evidence.closest
                    + rule.english_distinctive_weight * distinctive >= rule.english_min_evidence)
        plain = evidence.coverage + rule.evidence_weight * evidence.closest + rule.distinctive_weight * distinctive
        if not rule.margin_weight:
            return plain >= rule.min_evidence
        if evidence.margin is None:  # too few vectors to tell: the rule chosen without the margin
            fallback = rule.min_evidence_without_margin
            return plain >= (rule.min_evidence if fallback is None else fallback)
        return plain + rule.margin_weight * evidence.margin >= rule.min_evidence
    return evidence.coverage >= rule.min_coverage
