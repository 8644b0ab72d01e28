"""One article record → its cited sentences and their ranking tokens. Pure: no files, no database."""
from __future__ import annotations

import re
from dataclasses import dataclass

from index.articles import ArticleRecord
from index.cleaning import Page, Paragraph, clean_page
from index.sentences import split_sentences
from index.tokens import tokenize
from index.transliterate import match_marker


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    paragraph: int
    section: str | None
    source: str | None
    tokens: tuple[str, ...]


@dataclass(frozen=True)
class ProcessedArticle:
    record: ArticleRecord
    title: str
    author: str | None
    sources: tuple[str, ...]
    sentences: tuple[Sentence, ...]


def marker_display(marker: str, footer: tuple[str, ...]) -> str:
    """How a citation marker is shown: its name (numbering dropped) with the footer name it matches."""
    name = re.sub(r"(?<=[A-Za-z])\d+$", "", marker)
    matched = match_marker(marker, list(footer))
    if matched and matched.lower() != name.lower():
        return f"{name} ({matched})"
    return name


def paragraph_source(paragraph: Paragraph, page: Page, publisher: str | None) -> str | None:
    """Who a paragraph is credited to: its marker, the tweet's account, or else the publisher."""
    if paragraph.account:
        return paragraph.account
    if paragraph.marker:
        return marker_display(paragraph.marker, page.sources)
    return publisher


def process(record: ArticleRecord) -> ProcessedArticle:
    """Clean the page, split its paragraphs into sentences and tokenize them for ranking."""
    page = clean_page(record.text, record.title)
    title = page.title or record.title or record.key
    context = tokenize(title)
    sentences = []
    for number, paragraph in enumerate(page.paragraphs):
        source = paragraph_source(paragraph, page, record.publisher)
        heading = tokenize(paragraph.section) if paragraph.section else []
        for span in split_sentences(record.text, paragraph.start, paragraph.end):
            own = tokenize(record.text[span.start : span.end])
            if own:
                tokens = tuple(context + heading + own)
                sentences.append(Sentence(span.start, span.end, number, paragraph.section, source, tokens))
    return ProcessedArticle(record, title, record.author or page.author, page.sources, tuple(sentences))
