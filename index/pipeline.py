"""One article record → its cited sentences and their ranking tokens. Pure: no files, no database."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable

from index.cleaning import Page, Paragraph, clean_page
from index.records import ArticleRecord, ProcessedArticle, Sentence
from index.script import ARABIC_WORD
from index.sentences import split_sentences
from index.speakers import attribute
from index.tokens import is_stopword, light_stem, tokenize, word_tokens, words
from index.transliterate import arabic_skeleton, match_marker

MIN_SKELETON = 3


def marker_display(marker: str, footer: tuple[str, ...]) -> str:
    """How a citation marker is shown: its name (numbering dropped) with the footer name it matches."""
    name = re.sub(r"(?<=[A-Za-z])\d+$", "", marker)
    matched = match_marker(marker, list(footer))
    if matched and matched.lower() != name.lower():
        return f"{name} ({matched})"
    return name


def paragraph_source(paragraph: Paragraph, page: Page, publisher: str | None) -> str | None:
    """Who a paragraph is credited to: the tweet's account, its marker, its dateline's agency, or else the publisher."""
    if paragraph.account:
        return paragraph.account
    if paragraph.marker:
        return marker_display(paragraph.marker, page.sources)
    return paragraph.agency or publisher


def process(record: ArticleRecord) -> ProcessedArticle:
    """Clean the page, split its paragraphs into sentences and tokenize them for ranking."""
    page = clean_page(record.text, record.title)
    title = page.title or record.title or record.key
    context = tokenize(title)
    sentences = []
    names: set[tuple[str, str]] = set()
    for number, paragraph in enumerate(page.paragraphs):
        source = paragraph_source(paragraph, page, record.publisher)
        heading = tokenize(paragraph.section) if paragraph.section else []
        spans = split_sentences(record.text, paragraph.start, paragraph.end)
        texts = [record.text[span.start : span.end] for span in spans]
        for span, text, speaker in zip(spans, texts, attribute(texts)):
            own = sentence_tokens(words(text), names)
            if own:
                tokens = tuple(context + heading + own)
                sentences.append(Sentence(span.start, span.end, number, paragraph.section, source, tokens, speaker))
    return ProcessedArticle(record, title, record.author or page.author, page.sources, tuple(sentences), frozenset(names))


@lru_cache(maxsize=None)  # per distinct word: most of indexing is looking words up, not reading them
def word_entry(word: str) -> tuple[tuple[str, ...], tuple[str, str] | None]:
    """A normalized word's ranking tokens (none for a stopword) and, for an Arabic word long enough
    to carry a name, its (consonant skeleton, light stem), so Latin-script names can find it."""
    if is_stopword(word):
        return (), None
    pair = None
    if len(word) > MIN_SKELETON and ARABIC_WORD.match(word):
        shape = arabic_skeleton(word)
        pair = (shape, light_stem(word)) if len(shape) >= MIN_SKELETON else None
    return word_tokens(word), pair


def sentence_tokens(normalized_words: Iterable[str], names: set[tuple[str, str]]) -> list[str]:
    """A sentence's own ranking tokens; its words' name skeletons are added to `names`."""
    tokens: list[str] = []
    for word in normalized_words:
        own, pair = word_entry(word)
        tokens.extend(own)
        if pair:
            names.add(pair)
    return tokens
