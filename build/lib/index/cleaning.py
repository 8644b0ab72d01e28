"""Raw article page → title, byline, footer sources and cited paragraphs, all as spans of the page text."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

LINE = re.compile(r"[^\n\r\u2028\u2029]+")
HAS_LETTER = re.compile(r"[^\W\d_]")
BYLINE = re.compile(
    r"^\s*(?:إعداد وتحرير|إعداد|تحرير|بقلم|كتبه|كتب|كتبت|By|Written by|Edited by)\s*[:：\-–]\s*(?P<name>\S.{0,80}?)\s*$",
    re.IGNORECASE,
)
SOURCES_PREFIX = re.compile(r"^\s*(?:المصادر|المصدر|مصادر|Sources?)\s*[:：]\s*", re.IGNORECASE)
SOURCE_SEPARATOR = re.compile(r"\s+[_|•/]\s+|\s*[،,;]\s*")
READ_MORE = re.compile(r"^\s*(?:اقرأ|إقرأ|اقرا|إقرا)\s+(?:المزيد|أيضا|أيضاً|ايضا)\s*[:：]|^\s*(?:read more|read also|see also)\s*:", re.I)
TAGS = re.compile(r"^\s*(?:العلامات|الوسوم|كلمات مفتاحية|Tags)\s*[:：]?", re.I)
NEWSLETTER = re.compile(r"اشترك|النشرة البريدية|قائمتنا البريدية|subscribe|newsletter", re.I)
# A paragraph's citation: a quoted Latin name right after its last sentence, e.g. `حساسة. " TASS1"`.
MARKER = re.compile(r"(?<=[.!?؟\"”»])\s*\"\s*(?P<name>[A-Za-z][A-Za-z0-9.\-_]{0,40}?)\s*\"\s*$")
# An embedded tweet's attribution line: `— Name (@handle) December 7, 2021`.
TWEET_CREDIT = re.compile(r"^\s*[—–-]+\s*(?P<account>.{1,80}?\(@\w{1,30}\))\s+\w+\s+\d{1,2},\s+\d{4}\s*$")
TWITTER_LINK = re.compile(r"\s*pic\.twitter\.com/\w+\s*$")
SENTENCE_PUNCTUATION = re.compile(r"[.!?؟]\W*$")
MAX_HEADING_WORDS = 8
MIN_TITLE_WORDS = 3


@dataclass(frozen=True)
class Paragraph:
    """A passage-bearing block of the page: its span (citation marker excluded) and who it is credited to."""

    start: int
    end: int
    section: str | None = None
    marker: str | None = None
    account: str | None = None


@dataclass(frozen=True)
class Page:
    title: str | None
    author: str | None
    sources: tuple[str, ...]
    paragraphs: tuple[Paragraph, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Line:
    start: int
    end: int
    text: str


def page_lines(text: str) -> list[Line]:
    """Non-blank lines with their offsets, white space trimmed from the span."""
    lines = []
    for match in LINE.finditer(text):
        raw = match.group()
        stripped = raw.strip()
        if stripped:
            start = match.start() + raw.index(stripped)
            lines.append(Line(start, start + len(stripped), stripped))
    return lines


def is_chrome(line: str) -> bool:
    """Page furniture: separators, read-more links, tag lists, newsletter prompts."""
    return (
        not HAS_LETTER.search(line)
        or bool(READ_MORE.search(line))
        or bool(TAGS.match(line))
        or (bool(NEWSLETTER.search(line)) and len(line.split()) <= 12)
    )


def source_list(line: str) -> list[str] | None:
    """The footer's list of sources (`ليفانت نيوز _ الكرملين _ AP`), or None for any other line."""
    prefixed = SOURCES_PREFIX.match(line)
    body = line[prefixed.end():] if prefixed else line
    if not prefixed and not re.search(r"\s[_•|]\s", body):
        return None
    names = [n.strip() for n in SOURCE_SEPARATOR.split(body) if n.strip()]
    if not names or any(len(n.split()) > 5 for n in names):
        return None
    if not prefixed and len(names) < 3:
        return None
    return names


def is_heading(line: str) -> bool:
    """A short line without sentence punctuation heads the paragraphs under it."""
    return len(line.split()) <= MAX_HEADING_WORDS and not SENTENCE_PUNCTUATION.search(line)


def is_title(line: str) -> bool:
    return len(line.split()) >= MIN_TITLE_WORDS and not is_chrome(line)


def _body_lines(lines: list[Line]) -> tuple[list[Line], str | None, tuple[str, ...]]:
    """Drop the footer (from the source list on) and bylines; return the rest, the author, the sources."""
    author, sources, body = None, (), []
    for line in lines:
        byline = BYLINE.match(line.text)
        names = source_list(line.text)
        if byline and author is None:
            author = byline.group("name")
        elif names and body:
            sources = tuple(names)
            break
        else:
            body.append(line)
    return body, author, sources


def _paragraph(line: Line, section: str | None) -> Paragraph:
    """A content line as a paragraph, its trailing citation marker cut off and credited."""
    marker = MARKER.search(line.text)
    end = line.start + (marker.start() if marker else len(line.text))
    return Paragraph(line.start, end, section, marker.group("name") if marker else None)


def _tweet(previous: Paragraph, text: str, account: str) -> Paragraph:
    """The paragraph before an attribution line is the tweet; its picture link is not part of the quote."""
    link = TWITTER_LINK.search(text, previous.start, previous.end)
    end = link.start() if link else previous.end
    return Paragraph(previous.start, end, previous.section, None, account)


def clean_page(text: str, title: str | None = None) -> Page:
    """Read a page: title (first substantial line unless given), byline, footer sources, cited paragraphs."""
    lines, author, sources = _body_lines(page_lines(text))
    if title is None:
        first = next((i for i, line in enumerate(lines) if is_title(line.text)), None)
        if first is not None:
            title = lines[first].text
            lines = lines[first + 1 :]
    paragraphs: list[Paragraph] = []
    section = None
    for line in lines:
        credit = TWEET_CREDIT.match(line.text)
        if credit and paragraphs:
            paragraphs[-1] = _tweet(paragraphs[-1], text, credit.group("account"))
        elif is_chrome(line.text) or credit:
            continue
        elif is_heading(line.text):
            section = line.text
        else:
            paragraphs.append(_paragraph(line, section))
    return Page(title, author, sources, tuple(paragraphs))
