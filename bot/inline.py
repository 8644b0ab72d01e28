"""Inline mode (`@bot question` in any chat): one result per quoted passage, or one "not found" result."""
from __future__ import annotations

from dataclasses import replace
from html import escape

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
)
from telegram.constants import ParseMode

from bot.messages import say
from bot.service import Answer, Passage
from bot.telegram_format import MAX_MESSAGE, passage_blocks, safe_url, telegram_length

MAX_RESULTS = 10
MAX_DESCRIPTION = 120
BUTTON_TITLE = 32
# A quote that cannot fit one message is shown from its start, cut at a word, within this many characters.
CUT_QUOTE = 3000


def article_buttons(passages: list[Passage], lang: str) -> list[list[InlineKeyboardButton]]:
    """One "open article" button per passage with an http(s) link (one per article when several share it)."""
    rows, seen = [], set()
    for passage in passages:
        url = safe_url(passage.url)
        if url and url not in seen:
            seen.add(url)
            title = passage.title if len(passage.title) <= BUTTON_TITLE else passage.title[:BUTTON_TITLE].rstrip() + "…"
            rows.append([InlineKeyboardButton(f"🔗 {say('open_article', lang)}: {title}", url=url)])
    return rows


def one_message(passage: Passage, terms: frozenset[str], lang: str) -> str:
    """A passage and its source line as one valid HTML message, a very long quote cut to its start."""
    blocks = passage_blocks(passage, terms, lang)
    if len(blocks) == 1 and telegram_length(blocks[0]) <= MAX_MESSAGE:
        return blocks[0]
    cut = passage.text[:CUT_QUOTE].rsplit(" ", 1)[0] + " …"
    return passage_blocks(replace(passage, text=cut), terms, lang)[0]


def _text_result(result_id: str, title: str, html: str, markup: InlineKeyboardMarkup | None = None,
                 description: str | None = None) -> InlineQueryResultArticle:
    content = InputTextMessageContent(html, parse_mode=ParseMode.HTML, disable_web_page_preview=True)
    return InlineQueryResultArticle(result_id, title, content, reply_markup=markup, description=description)


def notice_result(key: str, lang: str, **values: object) -> InlineQueryResultArticle:
    """A single result carrying a message to the user (not found, too long, wait)."""
    text = say(key, lang, **values)
    return _text_result(key, text, escape(text))


def inline_results(answer: Answer, lang: str) -> list[InlineQueryResultArticle]:
    """Up to ten results, one per passage, each the message it sends; one "not found" result otherwise."""
    if not answer.answered or not answer.passages:
        hint = say("not_found_hint", lang)
        html = f"{escape(say('not_found', lang))}\n<i>{escape(hint)}</i>"
        return [_text_result("not_found", say("not_found", lang), html, description=hint)]
    terms = frozenset(answer.terms)
    results = []
    for n, passage in enumerate(answer.passages[:MAX_RESULTS]):
        buttons = article_buttons([passage], lang)
        title = " · ".join(x for x in (passage.source, passage.title) if x) or say("source", lang)
        description = passage.text if len(passage.text) <= MAX_DESCRIPTION else passage.text[:MAX_DESCRIPTION] + "…"
        results.append(_text_result(str(n), title, one_message(passage, terms, lang),
                                    InlineKeyboardMarkup(buttons) if buttons else None, description))
    return results
