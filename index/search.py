"""Question → ranked, chosen sentences: the one entry point from a question to the hits it quotes.

BM25's best sentences and the other sentences of their paragraphs are gathered, re-ranked with
paragraph context, speaker and meaning, then the abstention rule decides whether they answer at all.
Pure: the index, the sentences' rows and texts, and the question encoder come in as arguments.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Callable, Protocol

import numpy as np

from index.answer_types import asked_words, holding
from index.query import Concept, Query, Vocabulary, analyse
from index.ranking import BM25Index
from index.records import StoredSentence
from index.rerank import (
    AbstentionRule,
    Candidate,
    Evidence,
    Ranked,
    RerankWeights,
    answers,
    evidence_of,
    paragraph_coverages,
    paragraph_scores,
    rerank,
)
from index.sentences import refers_back
from index.tokens import light_tokens, tokenize, without_marks
from index.vectors import VectorTable

CANDIDATES_PER_PASSAGE = 4
RERANK_DEPTH = 50
DENSE_DEPTH = 30
JOINT_SPEAKERS = re.compile(r"\s+و(?=\S{3})|\s*[،,]\s*|\s+and\s+")  # "بوتين وبايدن", "Putin and Biden"
ARTICLES_EXPANDED = 20  # the best hits' articles, whose every sentence is a candidate


@dataclass(frozen=True)
class AnswerSettings:
    """The [answer] settings: how many passages, when to say "not found", re-ranking weights."""

    top_k: int
    min_coverage: float
    context: bool
    max_question_chars: int
    paragraph_weight: float
    speaker_weight: float
    paragraph_bm25_weight: float
    answer_type_weight: float
    article_weight: float
    lead_weight: float
    names_weight: float
    article_lexical_weight: float
    focus_weight: float
    back_reference_weight: float
    near_duplicate: float
    min_names: float
    speaker_required: bool
    min_speaker_topic: float


@dataclass(frozen=True)
class DenseSettings:
    """The [dense] settings: sentence vectors, their weight in re-ranking and in the abstention rule."""

    enabled: bool
    weight: float
    english_weight: float
    min_similarity: float
    english_min_similarity: float
    english_evidence_weight: float
    english_min_evidence: float
    evidence_weight: float
    min_evidence: float
    margin_weight: float
    min_evidence_without_margin: float
    distinctive_weight: float
    english_distinctive_weight: float
    article_share: float
    english_article_share: float
    near_articles: int
    english_near_articles: int
    encode_at_question: int
    question_tokens: int
    background: bool
    fast_engine: bool


class SentenceRows(Protocol):
    """Where candidates' rows come from (the store)."""

    def sentence_rows(self, ids: list[int]) -> dict[int, StoredSentence]: ...

    def article_outline(self, articles: set[int]) -> list[tuple[int, int, int]]: ...

    def terms_with_skeleton(self, skeleton: str) -> list[str]: ...


@dataclass(frozen=True)
class Library:
    """What a question is answered from: one generation of the ranking index and the store behind it."""

    index: BM25Index | None
    rows: SentenceRows
    text_of: Callable[[StoredSentence], str]  # a sentence's verbatim text
    translations: Callable[[str], tuple[str, ...]]
    paragraph_length: float = 0.0  # average tokens of a paragraph, for paragraph BM25
    encode: Callable[[str], np.ndarray | None] | None = None  # the question's unit vector (None: no encoder)
    vectors: VectorTable | None = None  # the sentence vectors written so far
    # Encode these now, the first of them within a token budget (0: all), and add them to `vectors`.
    encode_sentences: Callable[[list[int], int], None] | None = None
    article_vectors: VectorTable | None = None  # the article vectors written so far, by first sentence id

    def vocabulary(self) -> Vocabulary:
        index = self.index
        return Vocabulary(
            idf_of=index.idf_of if index else (lambda _term: None),
            unseen_idf=index.unseen_idf() if index else 1.0,
            terms_with_skeleton=self.rows.terms_with_skeleton,
            translations=self.translations,
        )


@dataclass(frozen=True)
class Found:
    """A chosen sentence and its re-ranked score."""

    row: StoredSentence
    score: float


@dataclass(frozen=True)
class Findings:
    query: Query
    hits: list[Found] = field(default_factory=list)  # best first, near-duplicates once; empty: not found
    evidence: Evidence | None = None  # None when nothing matched at all


def weights_for(english: bool, answer: AnswerSettings, dense: DenseSettings) -> RerankWeights:
    # English words rarely meet the Arabic text; the multilingual vectors carry the question.
    return RerankWeights(
        paragraph=answer.paragraph_weight, speaker=answer.speaker_weight, answer_type=answer.answer_type_weight,
        paragraph_bm25=answer.paragraph_bm25_weight, dense=dense.english_weight if english else dense.weight,
        article=answer.article_weight, lead=answer.lead_weight, names=answer.names_weight,
        article_lexical=answer.article_lexical_weight, focus=answer.focus_weight,
        back_reference=answer.back_reference_weight,
        article_dense=dense.english_article_share * dense.english_weight if english else dense.article_share * dense.weight,
    )


def abstention_rule(answer: AnswerSettings, dense: DenseSettings) -> AbstentionRule:
    return AbstentionRule(min_coverage=answer.min_coverage, evidence_weight=dense.evidence_weight,
                          min_evidence=dense.min_evidence, english_evidence_weight=dense.english_evidence_weight,
                          english_min_evidence=dense.english_min_evidence, min_names=answer.min_names,
                          speaker_required=answer.speaker_required, min_speaker_topic=answer.min_speaker_topic,
                          margin_weight=dense.margin_weight, min_evidence_without_margin=dense.min_evidence_without_margin,
                          distinctive_weight=dense.distinctive_weight,
                          english_distinctive_weight=dense.english_distinctive_weight)


def scaled_lexical(index: BM25Index, terms: tuple[str, ...], hits: list, tokens: dict[int, list[str]],
                   rescored: frozenset[int] = frozenset()) -> dict[int, float]:
    """Each candidate's BM25 above the no-match base, divided by the best hit's: the search's score for
    a hit, the same formula on its tokens for a sentence the search did not return (the rest of an
    article, a sentence near in meaning) or whose tokens are not the indexed ones (`rescored`: the
    question's frame added, a previous sentence joined). Zero for those would rank a deep sentence
    below any hit."""
    if not hits:
        return {key: 0.0 for key in tokens}
    base, best = index.base_score(terms), hits[0].score
    scale = (best - base) or 1.0
    lexical = {h.key: (h.score - base) / scale for h in hits if h.key in tokens and h.key not in rescored}
    others = [key for key in tokens if key not in lexical]
    for key, score in zip(others, index.document_scores(terms, [tokens[key] for key in others])):
        lexical[key] = (score - base) / scale
    return lexical


def pointing_back(texts: dict[int, str], previous: dict[int, list[str]]) -> dict[int, list[str]]:
    """The previous sentence's tokens of each candidate that points back at it (`refers_back`)."""
    return {key: before for key, before in previous.items() if refers_back(texts[key])}


def back_lexical(index: BM25Index, terms: tuple[str, ...], hits: list, tokens: dict[int, list[str]],
                 before: dict[int, list[str]]) -> dict[int, float]:
    """BM25 of each pointing-back candidate read with the sentence before it, scaled as its own."""
    joined = {key: [*earlier, *tokens[key]] for key, earlier in before.items()}
    return scaled_lexical(index, terms, hits, joined, frozenset(joined)) if joined else {}


def frame_additions(query: Query, rows: dict[int, StoredSentence], of_kind: set[int]) -> dict[int, list[str]]:
    """The question's frame terms ("شهر" of "في أي شهر") each candidate holding the asked kind lacks,
    and counts as holding: "في يونيو" says the month without the word, which would otherwise count
    against the very sentence that answers."""
    if not query.frame:
        return {}
    missing = {key: [t for t in query.frame if t not in rows[key].tokens] for key in of_kind}
    return {key: terms for key, terms in missing.items() if terms}


@dataclass(frozen=True)
class CandidateRows:
    rows: dict[int, StoredSentence]
    paragraph_tokens: dict[tuple[int, int], list[str]]  # every candidate paragraph's tokens
    leads: frozenset[int]  # the candidates that open a story of several paragraphs
    firsts: dict[int, int]  # each candidate article's first sentence, whose id keys the article's vector
    previous: dict[int, list[str]]  # the tokens of the sentence before each candidate in its paragraph


def candidate_rows(library: Library, hits: list, near: dict[int, float], stories: tuple[int, ...] = ()) -> CandidateRows:
    """The hits' and nearest sentences' rows plus every other sentence of the best hits' articles
    (the answer is often deep in the article whose lead repeats the question's words) and of the
    articles nearest in meaning (`stories`: their first sentences). The articles' outline says which
    rows to read: those candidates and the rest of their paragraphs."""
    hit_keys = {h.key: None for h in hits}
    seen = {**hit_keys, **dict.fromkeys(near)}
    rows = library.rows.sentence_rows([*seen, *(k for k in stories if k not in seen)])
    expanded = {rows[h.key].article for h in hits[:ARTICLES_EXPANDED]} | {rows[k].article for k in stories if k in rows}
    outline = library.rows.article_outline({r.article for r in rows.values()})
    paragraphs = {(r.article, r.paragraph) for r in rows.values()} | {(a, p) for _, a, p in outline if a in expanded}
    read = library.rows.sentence_rows([i for i, a, p in outline if (a, p) in paragraphs and i not in rows])
    paragraph_tokens: dict[tuple[int, int], list[str]] = {}
    previous: dict[int, list[str]] = {}
    last_tokens: list[str] = []  # the tokens of the sentence before, in the outline's order
    for key, article, paragraph in outline:
        if (article, paragraph) in paragraphs:
            row = rows.get(key) or read[key]
            tokens = paragraph_tokens.setdefault((article, paragraph), [])
            if tokens:
                previous[key] = last_tokens
            tokens.extend(row.tokens)
            last_tokens = row.tokens
            if article in expanded:
                rows.setdefault(key, row)
    firsts: dict[int, int] = {}
    for key, article, _ in outline:
        firsts.setdefault(article, key)
    return CandidateRows(rows, paragraph_tokens, frozenset(story_leads(outline) & rows.keys()), firsts,
                         {key: tokens for key, tokens in previous.items() if key in rows})


def story_leads(outline: list[tuple[int, int, int]]) -> set[int]:
    """The first sentence of each article of more than one paragraph: a news story's lead, which
    summarizes it and repeats the words a question about any of its details uses. A single paragraph
    (an encyclopedia's, a short post) has no lead: its first sentence is as likely as any to answer."""
    first: dict[int, int] = {}
    paragraphs: dict[int, set[int]] = {}
    for key, article, paragraph in outline:
        first.setdefault(article, key)
        paragraphs.setdefault(article, set()).add(paragraph)
    return {key for article, key in first.items() if len(paragraphs[article]) > 1}


@lru_cache(maxsize=4096)
def speaker_tokens(speaker: str) -> frozenset[str]:
    """A sentence speaker's light stems (the same speakers recur across a question's candidates)."""
    return frozenset(light_tokens(speaker))


def speaker_match(query: Query, row: StoredSentence) -> float:
    """1 when the sentence is the asked speaker's own statement, 0.5 when said with others
    ("شدد بوتين وبايدن"), 0 otherwise."""
    if not (query.speaker and row.speaker):
        return 0.0
    if not query.speaker_name & speaker_tokens(row.speaker):
        return 0.0
    return 0.5 if len(JOINT_SPEAKERS.split(row.speaker)) > 1 else 1.0


def topic_concepts(query: Query) -> list[Concept]:
    """A "what did X say about Y?"'s Y: the question's concepts that do not name X."""
    return [(options, weight) for options, weight in query.concepts if not any(option & query.speaker for option in options)]


def speaker_topic(query: Query, candidates: list[Candidate]) -> float:
    """How much of the asked topic the best paragraph where the asked speaker speaks covers: X saying
    something else is no answer to "what did X say about Y?". 1 (no evidence) when no speaker or no
    topic is asked, or when X says nothing among the candidates (the speaker check weighs that)."""
    if not query.speaker:
        return 1.0
    topic = topic_concepts(query)
    spoken = {c.paragraph for c in candidates if c.speaker_match}
    if not (topic and spoken):
        return 1.0
    covered = paragraph_coverages(candidates, topic)
    return max(covered[p] for p in spoken)


def topic_terms(query: Query) -> tuple[str, ...]:
    """The ranking terms of an Arabic "what did X say about Y?"'s Y, which rank X's statements: his
    name is the speaker match's to weigh, and the sentence that repeats it most (the lead, "X said
    on Wednesday that…") is seldom the one where he speaks about Y. None when no speaker is asked,
    and for English questions, whose Y reaches Arabic words through translations that often miss."""
    if not query.speaker or query.english:
        return ()
    tokens = {t for options, _ in topic_concepts(query) for option in options for t in option}
    return tuple(t for t in query.terms if t in tokens)


def topic_lexical(index: BM25Index, terms: tuple[str, ...], tokens: dict[int, list[str]]) -> dict[int, float]:
    """Each candidate's BM25 for these terms above the no-match base, over the best candidate's
    (`scaled_lexical` for terms the search did not rank by)."""
    base = index.base_score(terms)
    keys = list(tokens)
    scores = [s - base for s in index.document_scores(terms, [tokens[k] for k in keys])]
    best = max(scores, default=0.0) or 1.0
    return {k: s / best for k, s in zip(keys, scores)}


def of_asked_kind(query: Query, texts: dict[int, str]) -> set[int]:
    """The sentences that hold the kind of answer asked for, beyond the question's own words: a
    number, a date, a cause, a quotation…"""
    if query.kind is None:
        return set()
    return holding(texts, query.kind, asked_words(query.text))


def similarities(library: Library, vector: np.ndarray, candidates: list[Candidate], concepts, weights: RerankWeights,
                 encode_at_question: int, question_tokens: int) -> tuple[dict[int, float], set[int]]:
    """Each candidate's cosine with the question, and which candidates have their own. Vectors come
    from the cache; a few candidates that lack one are encoded now (`to_encode`), so a fresh archive
    still gets meaning where it matters;
    the rest lacking one get the mean cosine of those that have one: no evidence either way (the
    lowest, as before, buried every sentence not encoded, most often the deep one that answers)."""
    table = library.vectors
    keys = [c.key for c in candidates]
    lacking = {k for k in keys if table is None or not table.has(k)}
    if lacking and library.encode_sentences is not None and encode_at_question > 0:
        order = rerank(candidates, concepts, replace(weights, dense=0.0))
        chosen = to_encode(order, {c.key for c in candidates if c.kind_match}, lacking, encode_at_question)
        library.encode_sentences(chosen, question_tokens)
    found = table.similarities(vector, keys) if table is not None else {}
    return with_neutral(found, keys), set(found)


def with_neutral(found: dict[int, float], keys: list[int]) -> dict[int, float]:
    """The cosines found, and for the keys without a vector the mean of those found (0 without any)."""
    neutral = float(np.mean(list(found.values()))) if found else 0.0
    return {k: found.get(k, neutral) for k in keys}


def article_similarities(library: Library, vector: np.ndarray, firsts: dict[int, int]) -> dict[int, float]:
    """Each candidate article's cosine with the question, by article (from the cache only: an article
    is not encoded while a question waits)."""
    table = library.article_vectors
    found = table.similarities(vector, list(firsts.values())) if table is not None else {}
    by_first = with_neutral(found, list(firsts.values()))
    return {article: by_first[first] for article, first in firsts.items()}


def to_encode(order: list[Ranked], of_kind: set[int], lacking: set[int], budget: int) -> list[int]:
    """Which candidates lacking a vector to encode now: the best half of the budget by everything but
    meaning, then the best that hold the kind of answer asked for (the lead repeats the question's
    words; the sentence with the asked number or date is often further down), then the next best."""
    ranked = [r.key for r in order if r.key in lacking]
    chosen = ranked[: (budget + 1) // 2]
    for pool in ([k for k in ranked if k in of_kind], ranked):
        chosen += [k for k in pool if k not in chosen][: budget - len(chosen)]
    return chosen


def nearest_stories(library: Library, vector: np.ndarray | None, count: int) -> tuple[int, ...]:
    """The first sentences of the `count` articles nearest the question in meaning (none without
    article vectors)."""
    if vector is None or library.article_vectors is None or count <= 0:
        return ()
    return tuple(first for first, _ in library.article_vectors.nearest(vector, count))


def gather_candidates(library: Library, query: Query, vector: np.ndarray | None, depth: int,
                      weights: RerankWeights, encode_at_question: int,
                      question_tokens: int, near_articles: int = 0) -> tuple[dict[int, StoredSentence], list[Candidate]]:
    """BM25's best sentences, the sentences nearest in meaning, and the best paragraphs' other
    sentences, each with its signals."""
    index, terms = library.index, query.terms
    hits = index.search(terms, max(depth, RERANK_DEPTH))
    near = dict(library.vectors.nearest(vector, DENSE_DEPTH)) if vector is not None and library.vectors is not None else {}
    stories = nearest_stories(library, vector, near_articles)
    if not hits and not near and not stories:
        return {}, []
    gathered = candidate_rows(library, hits, near, stories)
    rows = gathered.rows
    texts = {key: library.text_of(row) for key, row in rows.items()}  # read once, for the kind and pointing back
    of_kind = of_asked_kind(query, texts)
    added = frame_additions(query, rows, of_kind)
    tokens = {key: [*row.tokens, *added[key]] if key in added else row.tokens for key, row in rows.items()}
    topic = topic_terms(query)
    lexical = topic_lexical(index, topic, tokens) if topic else scaled_lexical(index, terms, hits, tokens, frozenset(added))
    focus = topic_lexical(index, query.focus, tokens) if query.focus and not topic else {}
    back = {} if topic else back_lexical(index, terms, hits, tokens, pointing_back(texts, gathered.previous))
    idf = {t: w for t in terms if (w := index.idf_of(t)) is not None}
    paragraph_lexical = paragraph_scores(paragraphs_with_frame(gathered.paragraph_tokens, rows, added),
                                         idf, library.paragraph_length)
    candidates = [
        Candidate(
            key=r.id, paragraph=(r.article, r.paragraph), tokens=frozenset(tokens[r.id]), lexical=lexical[r.id],
            speaker_match=speaker_match(query, r), kind_match=r.id in of_kind,
            paragraph_lexical=paragraph_lexical.get((r.article, r.paragraph), 0.0), lead=r.id in gathered.leads,
            focus_lexical=focus.get(r.id), back_lexical=back.get(r.id),
        )
        for r in rows.values()
    ]
    if vector is not None:
        cosine, own = similarities(library, vector, candidates, query.concepts, weights, encode_at_question, question_tokens)
        story = article_similarities(library, vector, {c.paragraph[0]: gathered.firsts[c.paragraph[0]] for c in candidates})
        candidates = [replace(c, dense=cosine[c.key], encoded=c.key in own, article_dense=story[c.paragraph[0]])
                      for c in candidates]
    return rows, candidates


def paragraphs_with_frame(paragraph_tokens: dict[tuple[int, int], list[str]], rows: dict[int, StoredSentence],
                          added: dict[int, list[str]]) -> dict[tuple[int, int], list[str]]:
    """The candidate paragraphs' tokens, with the frame terms their sentences count as holding."""
    paragraphs = dict(paragraph_tokens) if added else paragraph_tokens
    for key, terms in added.items():
        where = (rows[key].article, rows[key].paragraph)
        paragraphs[where] = [*paragraphs[where], *terms]
    return paragraphs


def chosen(ranked: list[Ranked], rows: dict[int, StoredSentence], library: Library, k: int,
           min_coverage: float, min_similarity: float, near: float = 1.0) -> list[Found]:
    """The k best candidates worth quoting (near enough in words or meaning), a repeated text once,
    and, with `near` below 1, a near repeat too (the same wire story in several papers with a word
    changed here and there)."""
    found: list[Found] = []
    seen: list[frozenset[str]] = []
    for candidate in ranked:
        if candidate.paragraph_coverage < min_coverage / 2 and candidate.dense < min_similarity:
            continue
        words = frozenset(tokenize(library.text_of(rows[candidate.key])))
        if any(near_duplicate(words, other, near) for other in seen):
            continue
        seen.append(words)
        found.append(Found(rows[candidate.key], candidate.score))
        if len(found) == k:
            break
    return found


def near_duplicate(a: frozenset[str], b: frozenset[str], near: float) -> bool:
    """Whether two sentences say the same in (nearly) the same words: the same tokens, or at least
    `near` of their tokens in common (Jaccard)."""
    return a == b or len(a & b) >= near * len(a | b)


def asks_about_words(query: Query) -> bool:
    """Whether the question names anything: a word of two letters or more, not only punctuation,
    emoji, operators, numbers or escape codes."""
    return any(sum(ch.isalpha() for ch in term) >= 2 for term in query.terms)


def question_vector(question: str, library: Library) -> np.ndarray | None:
    """The question's vector, encoded as news is written (a voweled question means the same)."""
    return library.encode(without_marks(question)) if library.encode is not None else None


def signals(question: str, library: Library, answer: AnswerSettings, dense: DenseSettings,
            k: int) -> tuple[Query, dict[int, StoredSentence], list[Candidate], bool]:
    """The question analysed, its candidates with their signals before any weighting (bench/tune.py
    chooses the weights from these), and whether the question had a vector."""
    query = analyse(question, library.vocabulary())
    if not asks_about_words(query) or library.index is None:
        return query, {}, [], False
    vector = question_vector(question, library)
    rows, candidates = gather_candidates(library, query, vector, k * CANDIDATES_PER_PASSAGE,
                                         weights_for(query.english, answer, dense), dense.encode_at_question,
                                         dense.question_tokens,
                                         dense.english_near_articles if query.english else dense.near_articles)
    return query, rows, candidates, vector is not None


def find(question: str, library: Library, answer: AnswerSettings, dense: DenseSettings, k: int) -> Findings:
    """The sentences that answer a question, best first; none when the rule says they do not."""
    query, rows, candidates, with_vector = signals(question, library, answer, dense, k)
    if not candidates:
        return Findings(query)
    ranked = rerank(candidates, query.concepts, weights_for(query.english, answer, dense))
    # The topic's coverage is only worked out when its check is on (it is shipped off).
    topic = speaker_topic(query, candidates) if answer.min_speaker_topic > 0 else 1.0
    evidence = evidence_of(ranked, query.english, with_vector, bool(query.speaker), topic, query.specificity)
    if not answers(evidence, abstention_rule(answer, dense)):
        return Findings(query, [], evidence)
    min_similarity = dense.english_min_similarity if query.english else dense.min_similarity
    return Findings(query, chosen(ranked, rows, library, k, answer.min_coverage, min_similarity, answer.near_duplicate),
                    evidence)
