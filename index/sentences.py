"""An Arabic-aware sentence splitter that keeps character offsets into the original text."""
from __future__ import annotations

import re
from dataclasses import dataclass

from index.speakers import SPEAKER_STOP
from index.tokens import normalize

CLOSERS = "\"'”»)]"  # closing quotes and brackets
# A sentence ends at . ! ? ؟ (and runs of them) plus any closers, before white space.
SENTENCE_END = re.compile(rf"[.!?؟]+[{re.escape(CLOSERS)}]*(?=\s|$)")
ELLIPSES = ("..", "…")  # before any closers: not an end
# One letter before the full stop is an initial or an abbreviation (J. Smith, د. محمد), not an end.
INITIAL_END = re.compile(r"(?:^|[\s(\"'«“])[^\W\d_]\.$")
ABBREVIATIONS = "Dr|Mr|Mrs|Ms|Prof|St|Jr|Sr|Gen|Gov|Sen|Rep|Col|Lt|Sgt|vs|etc|No|Inc|Ltd|Co"
ABBREVIATION_END = re.compile(rf"(?:^|\s)(?:{ABBREVIATIONS})\.$", re.I)
LONGEST_ABBREVIATION = max(map(len, ABBREVIATIONS.split("|")))

# «…». قال أوشاكوف. — a bare attribution (a "said" verb and a name, nothing else) after a closing
# quote belongs to the quoted sentence; "وأشارت إلى …" or "ويقول إن …" after a quote are sentences.
ENDS_WITH_QUOTE = re.compile(r"[\"”»]\s*[.!?؟]+$|[.!?؟]+[\"”»]$")
ATTRIBUTION_TAIL = re.compile(
    r"[وف]?(?:قال|قالت|أضاف|أضافت|أوضح|أوضحت|أكد|أكدت|ذكر|ذكرت|تابع|تابعت|صرح|صرحت)(?P<who>(?:\s+[^\s.!?؟]+){1,4})\s*[.!]?"
)


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def _is_attribution_tail(text: str, span: Span) -> bool:
    tail = ATTRIBUTION_TAIL.fullmatch(text, span.start, span.end)
    return bool(tail) and not SPEAKER_STOP.search(tail.group("who"))


def _is_false_end(text: str, start: int, end: int) -> bool:
    """Ellipses and initials look like sentence ends but are not."""
    head = text[start:end].rstrip(CLOSERS)
    if head.endswith(ELLIPSES):
        return True
    # Both patterns end at the end and span a few characters: only the tail need be searched (a
    # search from a position keeps ^ for the real start, so a short piece reads as before).
    tail = max(0, len(head) - LONGEST_ABBREVIATION - 2)
    return bool(INITIAL_END.search(head, tail) or ABBREVIATION_END.search(head, tail))


def _trimmed(text: str, start: int, end: int) -> Span | None:
    """The span without surrounding white space, or None when nothing is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end) if end > start else None


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Split text[start:end] into sentence spans; line breaks always end a sentence."""
    end = len(text) if end is None else end
    spans: list[Span] = []
    for line in re.finditer(r"[^\n\r\u2028\u2029]+", text[start:end]):
        spans.extend(_split_line(text, start + line.start(), start + line.end()))
    return spans


def _split_line(text: str, start: int, end: int) -> list[Span]:
    spans: list[Span] = []
    sentence_start = start
    for match in SENTENCE_END.finditer(text, start, end):
        if _is_false_end(text, sentence_start, match.end()):
            continue
        _append(spans, text, _trimmed(text, sentence_start, match.end()))
        sentence_start = match.end()
    _append(spans, text, _trimmed(text, sentence_start, end))
    return spans


def _append(spans: list[Span], text: str, span: Span | None) -> None:
    """Add a sentence, or join an attribution tail to the quotation it closes."""
    if span is None:
        return
    if spans and _is_attribution_tail(text, span) and ENDS_WITH_QUOTE.search(text, spans[-1].start, spans[-1].end):
        spans[-1] = Span(spans[-1].start, span.end)
        return
    spans.append(span)


# A demonstrative before a definite noun ("هذا الحوض", "بتلك الفترة"), on normalized text.
POINTING_BACK = re.compile(r"(?:^|\s)[وفب]?ل?(?:هذا|هذه|ذلك|تلك|هؤلاء|اولئك|هذين|هاتين|هذان|هاتان)\s+ال")


def refers_back(sentence: str) -> bool:
    """Whether a sentence names something by pointing at what came before ("يغطي هذا الحوض…"): the
    words that say which basin are in the sentence before it."""
    return bool(POINTING_BACK.search(normalize(sentence)))
