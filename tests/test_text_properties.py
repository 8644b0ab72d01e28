"""Hypothesis properties of normalization, splitting and cleaning: never raise, always verbatim."""
from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from index.cleaning import clean_page
from index.sentences import split_sentences
from index.tokens import normalize, tokenize

ARABIC_ALPHABET = "ابتثجحخدذرزسشصضطظعغفقكلمنهويىةأإآؤئءـًٌٍَُِّْٰ٠١٢٣٤٥٦٧٨٩"
PUNCTUATION = ".!?؟،,:;\"'«»“”()…-_ \n\t"
article_text = st.text(alphabet=ARABIC_ALPHABET + PUNCTUATION + "abcXYZ019\u200f\u200b", max_size=600)
any_text = st.text(max_size=300)


@given(any_text)
def test_normalize_is_idempotent_and_never_raises(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@given(any_text)
def test_tokenize_never_raises_and_gives_words(text: str) -> None:
    assert all(token and not token.isspace() for token in tokenize(text))


@settings(max_examples=300)
@given(article_text)
def test_every_sentence_span_is_a_trimmed_substring(text: str) -> None:
    for span in split_sentences(text):
        piece = text[span.start : span.end]
        assert 0 <= span.start < span.end <= len(text)
        assert piece == piece.strip()


@settings(max_examples=300)
@given(article_text)
def test_splitter_loses_and_duplicates_nothing_but_white_space(text: str) -> None:
    spans = split_sentences(text)
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:]))
    rejoined = "".join(text[s.start : s.end] for s in spans)
    assert re.sub(r"\s", "", rejoined) == re.sub(r"\s", "", text)


@settings(max_examples=200)
@given(article_text)
def test_cleaned_paragraphs_are_spans_of_the_page(text: str) -> None:
    page = clean_page(text)
    for paragraph in page.paragraphs:
        assert 0 <= paragraph.start <= paragraph.end <= len(text)
