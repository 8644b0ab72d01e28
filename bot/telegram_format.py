"""Answers as Telegram HTML: every user-controlled string escaped, every message within 4096 characters."""
from __future__ import annotations

import re
from html import escape
from urllib.parse import urlparse

from bot.answers import Answer, Passage
from bot.messages import say
from index.tokens import light_stem, normalize

MAX_MESSAGE = 4096
WORD = re.compile(r"\w+")


def telegram_length(html_text: str) -> int:
    """Length Telegram counts: UTF-16 code units of the text once tags and entities are parsed."""
    visible = re.sub(r"<[^>]+>", "", html_text)
    visible = re.sub(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);", "x", visible)
    return len(visible.encode("utf-16-le")) // 2


def safe_url(url: str | None) -> str | None:
    """Only http(s) links from article metadata become links."""
    if not url:
        return None
    parsed = urlparse(url.strip())
    return url.strip() if parsed.scheme in ("http", "https") and parsed.netloc else None


def highlight(text: str, terms: frozenset[str]) -> str:
    """Escape a quote and bold the words whose ranking token the question shares."""
    pieces, last = [], 0
    for match in WORD.finditer(text):
        word = match.group()
        if light_stem(normalize(word)) in terms:
            pieces.append(escape(text[last : match.start()]))
            pieces.append(f"<b>{escape(word)}</b>")
            last = match.end()
    pieces.append(escape(text[last:]))
    return "".join(pieces)


def source_line(passage: Passage, lang: str) -> str:
    """— outlet · article title (linked when its URL is http/https) · publisher · date."""
    title = escape(passage.title or "")
    url = safe_url(passage.url)
    linked = f'<a href="{escape(url, quote=True)}">{title}</a>' if url and title else title
    parts = [f"<b>{escape(passage.source)}</b>" if passage.source else "", linked]
    if passage.publisher and passage.publisher != passage.source:
        parts.append(escape(passage.publisher))
    if passage.published:
        parts.append(escape(passage.published))
    return f"— {say('source', lang)}: " + " · ".join(p for p in parts if p)


def _split_text(text: str, limit: int) -> list[str]:
    """Split raw text into pieces of at most `limit` characters, at line or word boundaries when possible."""
    pieces = []
    while len(text) > limit:
        cut = max(text.rfind("\n", 0, limit), text.rfind(" ", 0, limit))
        cut = cut if cut > limit // 2 else limit
        pieces.append(text[:cut])
        text = text[cut:].lstrip()
    return pieces + [text] if text else pieces


def passage_blocks(passage: Passage, terms: frozenset[str], lang: str, budget: int = MAX_MESSAGE - 200) -> list[str]:
    """A passage as one or more HTML blocks (a quote that would not fit one message is split)."""
    quotes = [f"<blockquote>{highlight(piece, terms)}</blockquote>" for piece in _split_text(passage.text, budget // 6)]
    if telegram_length("".join(quotes)) <= budget:
        quotes = ["".join(quotes)]
    quotes[-1] += "\n" + source_line(passage, lang)
    return quotes


def pack(blocks: list[str], limit: int = MAX_MESSAGE) -> list[str]:
    """Join blocks into as few messages as fit, never splitting a block."""
    messages: list[str] = []
    for block in blocks:
        if messages and telegram_length(messages[-1] + "\n\n" + block) <= limit:
            messages[-1] += "\n\n" + block
        else:
            messages.append(block)
    return messages


def answer_messages(answer: Answer, passages: list[Passage], lang: str) -> list[str]:
    """The HTML messages for a page of an answer, or the not-found reply."""
    if not answer.answered or not passages:
        return [f"{escape(say('not_found', lang))}\n<i>{escape(say('not_found_hint', lang))}</i>"]
    terms = frozenset(answer.terms)
    blocks = [block for p in passages for block in passage_blocks(p, terms, lang)]
    return pack(blocks)
