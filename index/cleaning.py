"""Raw article page → title, byline, footer sources and cited paragraphs, all as spans of the page text."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

LINE = re.compile(r"[^\n\r\u2028\u2029]+")
HAS_LETTER = re.compile(r"[^\W\d_]")
BYLINE_WORDS = r"(?:إعداد وتحرير|إعداد|تحرير|بقلم|كتبه|كتب|كتبت|By|Written by|Edited by)(?!\w)"
BYLINE = re.compile(rf"^\s*{BYLINE_WORDS}\s*[:：\-–]\s*(?P<name>\S.{{0,80}}?)\s*$", re.IGNORECASE)
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
# News agencies as Arabic datelines name them; a Latin acronym in parentheses (CNN, AFP, KUNA) is one too.
AGENCIES = (
    "رويترز", "واس", "أ ف ب", "ا ف ب", "أ.ف.ب", "فرانس برس", "فرانس بريس", "د ب أ", "د.ب.أ", "أسوشيتد برس",
    "اسوشيتد برس", "الأناضول", "الاناضول", "سانا", "وام", "كونا", "بترا", "قنا", "بنا", "العمانية", "سبأ",
    "شينخوا", "سبوتنيك", "إرنا", "ارنا", "تاس", "يو بي آي", "أ ش أ", "Reuters", "dpa",
)
_AGENCY = "|".join(map(re.escape, sorted(AGENCIES, key=len, reverse=True)))
_DASH = r"(?:--|[-–—:])"
_PLACE = r"[^\n()\"«».!?؟]{1,60}?"
# A paragraph opening with its dateline: `دمشق (CNN) --`, `القاهرة (رويترز) -`, `الرياض - واس:`, `رويترز- بنغازي (ليبيا):`.
DATELINE = re.compile(
    rf"^(?:(?:{_PLACE})?\s*\((?P<paren>{_AGENCY}|[A-Z]{{2,6}})\)\s*{_DASH}"
    rf"|{_PLACE}\s*[-–—]\s*(?P<after>{_AGENCY})\s*{_DASH}"
    rf"|(?P<before>{_AGENCY})\s*[-–—]\s*[^\n()\"«».!?؟:]{{1,40}}?(?:\s*\([^()\n]{{1,20}}\))?\s*:)\s*"
)
# …or closing with the agency it comes from: `… الخميس. (الأناضول)`.
AGENCY_TAIL = re.compile(rf"(?<=[.!?؟\"”»])\s*\((?P<agency>{_AGENCY}|[A-Z]{{2,6}})\)\s*$")
# A line wholly in parentheses giving the desk's credits: `(شارك في التغطية … - تحرير …)`.
CREDIT_LINE = re.compile(r"^\(\s*(?:شارك في التغطية|إعداد|تحرير|تصوير|ترجمة)[^()]*\)$")
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
    agency: str | None = None


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
        or bool(CREDIT_LINE.match(line))
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
    """A short line without sentence punctuation (before a closing credit) heads the paragraphs under it."""
    credit = MARKER.search(line) or AGENCY_TAIL.search(line)
    words = line[: credit.start()] if credit else line
    return len(words.split()) <= MAX_HEADING_WORDS and not SENTENCE_PUNCTUATION.search(words)


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


def dateline_agency(text: str) -> tuple[str | None, int]:
    """The agency a paragraph's opening dateline names, and where the paragraph's own words start."""
    match = DATELINE.match(text)
    if not match:
        return None, 0
    return match["paren"] or match["after"] or match["before"], match.end()


def _paragraph(line: Line, section: str | None, agency: str | None) -> Paragraph:
    """A content line as a paragraph: its dateline and trailing citation marker cut off and credited.

    A dateline credits its paragraph and the ones after it (the story it opens); a closing marker or
    agency credits its own paragraph only.
    """
    opening, skip = dateline_agency(line.text)
    marker = MARKER.search(line.text)
    tail = None if marker else AGENCY_TAIL.search(line.text)
    cut = marker or tail
    end = line.start + (cut.start() if cut and cut.start() > skip else len(line.text))
    credited = tail["agency"] if tail else opening or agency
    return Paragraph(line.start + skip, end, section, marker.group("name") if marker else None, None, credited)


def _tweet(previous: Paragraph, text: str, account: str) -> Paragraph:
    """The paragraph before an attribution line is the tweet; its picture link is not part of the quote."""
    link = TWITTER_LINK.search(text, previous.start, previous.end)
    end = link.start() if link else previous.end
    return Paragraph(previous.start, end, previous.section, None, account, previous.agency)


def clean_page(text: str, title: str | None = None) -> Page:
    """Read a page: title (first substantial line unless given), byline, footer sources, cited paragraphs."""
    lines, author, sources = _body_lines(page_lines(text))
    if title is None:
        first = next((i for i, line in enumerate(lines) if is_title(line.text)), None)
        if first is not None:
            title = lines[first].text
            lines = lines[first + 1 :]
    paragraphs: list[Paragraph] = []
    section = agency = None
    for line in lines:
        credit = TWEET_CREDIT.match(line.text)
        if credit and paragraphs:
            paragraphs[-1] = _tweet(paragraphs[-1], text, credit.group("account"))
        elif is_chrome(line.text) or credit:
            continue
        elif is_heading(line.text):
            section = line.text
        else:
            paragraphs.append(_paragraph(line, section, agency))
            agency = dateline_agency(line.text)[0] or agency
    return Page(title, author, sources, tuple(paragraphs))
