"""The Telegram front end: thin async handlers over the answering service (python-telegram-bot 22)."""
from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
from typing import Awaitable, Callable, TypeVar

from telegram import (
    BotCommand,
    Chat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageOriginChannel,
    Update,
)
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from bot.answers import AddedArticle, Answer, Passage, QuestionError
from bot.channels import channel_post, is_watched, post_file
from bot.fetch import FetchError, add_link, is_web_link, refuse_private
from bot.inline import MAX_RESULTS, article_buttons, inline_results, notice_result
from bot.messages import COMMANDS, say
from bot.service import AnswerService
from bot.settings import Settings
from bot.telegram_format import answer_messages, pack
from index.articles import ArticleError
from index.script import language_of

log = logging.getLogger(__name__)
PAGE_PASSAGES_LIMIT = 30
SOURCES_PER_PAGE = 10
MAX_DOCUMENT_BYTES = 5_000_000
SEND_ATTEMPTS = 3
RETRY_DELAY = 0.5
T = TypeVar("T")


@dataclass
class Page:
    """An answer being paged with the "more" button; kept server-side so callback data stays short."""

    answer: Answer
    lang: str
    shown: int
    created: float = field(default_factory=time.monotonic)


async def with_retries(send: Callable[[], Awaitable[T]], attempts: int = SEND_ATTEMPTS) -> T:
    """Send again after a network error or a 5xx from the Bot API; a rejected request is not retried."""
    for attempt in range(1, attempts + 1):
        try:
            return await send()
        except BadRequest:
            raise
        except NetworkError as error:
            if attempt == attempts:
                raise
            log.warning("Bot API request failed (%s); retrying", error)
            await asyncio.sleep(RETRY_DELAY * attempt)
    raise AssertionError("unreachable")


class RateLimiter:
    """At most `per_minute` questions per user in any sliding minute."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self.asked: dict[int, deque[float]] = {}

    def wait_seconds(self, user_id: int, now: float | None = None) -> int:
        """0 when the user may ask now (and counts the question), else seconds to wait."""
        now = time.monotonic() if now is None else now
        times = self.asked.setdefault(user_id, deque())
        while times and now - times[0] >= 60:
            times.popleft()
        if len(times) >= self.per_minute:
            return int(60 - (now - times[0])) + 1
        times.append(now)
        return 0


class IsnadBot:
    """Conversation logic; python-telegram-bot calls the `on_*` handlers."""

    def __init__(self, settings: Settings, service: AnswerService) -> None:
        self.settings = settings
        self.service = service
        self.pages: dict[str, Page] = {}
        self.limiter = RateLimiter(settings.telegram.rate_per_minute)

    # -- helpers -------------------------------------------------------------------------------

    @staticmethod
    def user_lang(update: Update) -> str:
        code = (update.effective_user.language_code or "") if update.effective_user else ""
        return "ar" if code.startswith("ar") else "en"

    def is_admin(self, update: Update) -> bool:
        user = update.effective_user
        return bool(user and user.id in self.settings.telegram.admins)

    def _remember(self, page: Page) -> str:
        now = time.monotonic()
        for key in [k for k, p in self.pages.items() if now - p.created > self.settings.telegram.page_ttl]:
            del self.pages[key]
        key = secrets.token_urlsafe(6)
        self.pages[key] = page
        return key

    def _answer_markup(self, passages: list[Passage], key: str | None, lang: str) -> InlineKeyboardMarkup | None:
        """An "open article" button per linked passage, then "more" while further passages wait."""
        rows = article_buttons(passages, lang)
        if key is not None:
            rows.append([InlineKeyboardButton(say("more", lang), callback_data=f"more:{key}")])
        return InlineKeyboardMarkup(rows) if rows else None

    async def _reply_pages(self, message: Message, texts: list[str], markup: InlineKeyboardMarkup | None) -> None:
        for n, text in enumerate(texts):
            last = n == len(texts) - 1
            await with_retries(lambda: message.reply_html(
                text, reply_markup=markup if last else None, do_quote=True, disable_web_page_preview=True))

    # -- questions -----------------------------------------------------------------------------

    async def answer_question(self, message: Message, question: str, user_id: int) -> None:
        lang = language_of(question) if question.strip() else "en"
        wait = self.limiter.wait_seconds(user_id)
        if wait:
            await message.reply_text(say("rate_limited", lang, seconds=wait), do_quote=True)
            return
        try:
            self.service.check_question(question)
        except QuestionError as error:
            # An empty question here is a bare /ask or mention: the hint shows how to ask.
            kind = "empty" if error.kind == "question_empty" else error.kind
            await message.reply_text(say(kind, lang, length=error.length, limit=error.limit), do_quote=True)
            return
        await message.get_bot().send_chat_action(message.chat_id, ChatAction.TYPING)
        # Ranking is CPU work: off the event loop, so other chats keep being served.
        answer = await asyncio.to_thread(self.service.answer, question, PAGE_PASSAGES_LIMIT)
        first = answer.passages[: self.settings.answer.top_k]
        key = self._remember(Page(answer, lang, len(first))) if len(answer.passages) > len(first) else None
        await self._reply_pages(message, answer_messages(answer, first, lang), self._answer_markup(first, key, lang))

    async def on_private_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.answer_question(update.effective_message, update.effective_message.text, update.effective_user.id)

    async def on_group_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """In groups, answer only a mention of the bot or a reply to one of its messages."""
        message = update.effective_message
        username = f"@{context.bot.username}".lower()
        replied = message.reply_to_message
        to_bot = replied is not None and replied.from_user is not None and replied.from_user.id == context.bot.id
        mentions = [
            message.parse_entity(e) for e in message.entities if e.type == "mention"
        ]
        if any(m.lower() == username for m in mentions):
            question = message.text
            for mention in mentions:
                question = question.replace(mention, " ")
            await self.answer_question(message, question.strip(), update.effective_user.id)
        elif to_bot:
            await self.answer_question(message, message.text, update.effective_user.id)

    async def on_ask(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.answer_question(update.effective_message, " ".join(context.args or []), update.effective_user.id)

    async def on_more(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        key = (query.data or "").split(":", 1)[1]
        page = self.pages.get(key)
        if page is None:
            await query.answer(say("expired", self.user_lang(update)), show_alert=False)
            return
        following = page.answer.passages[page.shown : page.shown + self.settings.answer.top_k]
        page.shown += len(following)
        if not following:
            await query.answer(say("no_more", page.lang))
            return
        await query.answer()
        texts = answer_messages(page.answer, following, page.lang)
        markup = self._answer_markup(following, key if page.shown < len(page.answer.passages) else None, page.lang)
        try:
            await query.edit_message_text(texts[0], parse_mode=ParseMode.HTML, reply_markup=markup if len(texts) == 1 else None,
                                          disable_web_page_preview=True)
        except BadRequest as error:
            if "not modified" not in str(error).lower():
                raise
        if len(texts) > 1 and query.message:
            await self._reply_pages(query.message, texts[1:], markup)

    async def on_example(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        await query.answer()
        lang, number = query.data.split(":")[1:3]
        question = say("examples", lang).split("|")[int(number)]
        if query.message:
            await self.answer_question(query.message, question, update.effective_user.id)

    # -- commands ------------------------------------------------------------------------------

    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        lang = self.user_lang(update)
        examples = say("examples", lang).split("|")
        buttons = [[InlineKeyboardButton(q, callback_data=f"example:{lang}:{n}")] for n, q in enumerate(examples)]
        await update.effective_message.reply_text(say("start", lang), reply_markup=InlineKeyboardMarkup(buttons))

    async def on_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text(say("help", self.user_lang(update), bot=context.bot.username))

    async def on_about(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        counts = await asyncio.to_thread(self.service.counts)
        await update.effective_message.reply_text(say("about", self.user_lang(update), **counts))

    def sources_page(self, number: int, lang: str) -> tuple[str, InlineKeyboardMarkup | None]:
        rows = self.service.catalogue()
        if not rows:
            return escape(say("no_articles", lang)), None
        pages = (len(rows) + SOURCES_PER_PAGE - 1) // SOURCES_PER_PAGE
        number = min(max(number, 0), pages - 1)
        lines = [f"<b>{escape(say('sources_header', lang, count=len(rows)))}</b>"]
        for title, publisher, published, sentences in rows[number * SOURCES_PER_PAGE : (number + 1) * SOURCES_PER_PAGE]:
            details = " · ".join(escape(x) for x in (publisher, published) if x)
            lines.append(f"• {escape(title or '')}" + (f" — {details}" if details else ""))
        outlets = self.service.outlets()
        if outlets:
            lines.append("\n" + escape(", ".join(outlets)))
        buttons = []
        if number > 0:
            buttons.append(InlineKeyboardButton("◀️", callback_data=f"sources:{number - 1}"))
        if number < pages - 1:
            buttons.append(InlineKeyboardButton("▶️", callback_data=f"sources:{number + 1}"))
        return pack(["\n".join(lines)])[0], InlineKeyboardMarkup([buttons]) if buttons else None

    async def on_sources(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        text, markup = await asyncio.to_thread(self.sources_page, 0, self.user_lang(update))
        await update.effective_message.reply_html(text, reply_markup=markup)

    async def on_sources_page(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        await query.answer()
        number = int(query.data.split(":")[1])
        text, markup = await asyncio.to_thread(self.sources_page, number, self.user_lang(update))
        await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)

    async def on_non_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text(say("non_text", self.user_lang(update)), do_quote=True)

    # -- admin ---------------------------------------------------------------------------------

    async def on_add(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, lang = update.effective_message, self.user_lang(update)
        if not self.is_admin(update):
            await message.reply_text(say("admin_only", lang), do_quote=True)
            return
        if context.args and is_web_link(context.args[0]):
            await self._add_link(message, context.args[0], lang)
            return
        source = message if message.document else message.reply_to_message
        name, data = None, None
        if source is not None and source.document is not None:
            if (source.document.file_size or 0) > MAX_DOCUMENT_BYTES:
                await message.reply_text(say("add_failed", lang, reason="file too large"), do_quote=True)
                return
            telegram_file = await source.document.get_file()
            name, data = source.document.file_name or "article.txt", bytes(await telegram_file.download_as_bytearray())
        elif source is not None and source.text:
            name, data = f"telegram-{source.chat_id}-{source.message_id}.txt", source.text.encode("utf-8")
        if data is None:
            await message.reply_text(say("add_usage", lang), do_quote=True)
            return
        try:
            added = await asyncio.to_thread(self.service.add_file, name, data)
        except ArticleError as error:
            await message.reply_text(say("add_failed", lang, reason=str(error)), do_quote=True)
            return
        await self._report_added(message, added, lang)

    async def _report_added(self, message: Message, added: list[AddedArticle], lang: str) -> None:
        lines = [say("added", lang, title=a.title, sentences=a.sentences, sources=", ".join(a.sources) or "-") for a in added]
        await message.reply_text("\n".join(lines) or say("add_failed", lang, reason="already indexed"), do_quote=True)

    async def _add_link(self, message: Message, url: str, lang: str) -> None:
        """Fetch a page an admin linked; private addresses stay out of reach unless the settings allow them."""
        guard = None if self.settings.telegram.allow_private_links else refuse_private
        try:
            added = await asyncio.to_thread(add_link, self.service, url, guard)
        except (FetchError, ArticleError) as error:
            await message.reply_text(say("add_failed", lang, reason=str(error)), do_quote=True)
            return
        await self._report_added(message, added, lang)

    # -- channels ------------------------------------------------------------------------------

    async def on_channel_post(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Index a post (or its edit) in one of [telegram] channels; posts elsewhere are ignored."""
        post = update.channel_post or update.edited_channel_post
        if not is_watched(post.chat, self.settings.telegram.channels):
            log.info("ignored a post in channel %s, which is not in [telegram] channels", post.chat.id)
            return
        try:
            await self._index_post(post, post.chat, post.message_id, post.date)
        except ArticleError as error:
            log.warning("could not index post %s of channel %s: %s", post.message_id, post.chat.id, error)

    async def on_forwarded_post(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An admin forwarding a channel post adds it as that post; anyone else is asking a question."""
        message, lang = update.effective_message, self.user_lang(update)
        if not self.is_admin(update):
            await (self.on_private_text if message.text else self.on_non_text)(update, context)
            return
        origin: MessageOriginChannel = message.forward_origin
        try:
            added = await self._index_post(message, origin.chat, origin.message_id, origin.date)
        except ArticleError as error:
            await message.reply_text(say("add_failed", lang, reason=str(error)), do_quote=True)
            return
        await self._report_added(message, added, lang)

    async def _index_post(self, message: Message, chat: Chat, message_id: int, date: datetime) -> list[AddedArticle]:
        post = await channel_post(message, chat, message_id, date)
        if post is None:
            raise ArticleError("the post has no text")
        return await asyncio.to_thread(self.service.put_file, *post_file(post))

    # -- inline mode ---------------------------------------------------------------------------

    async def on_inline_query(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """`@bot question` in any chat: the passages as results, each a message with its source line."""
        query = update.inline_query
        question = query.query.strip()
        if not question:
            await query.answer([], cache_time=self.settings.telegram.inline_cache_seconds)
            return
        lang = language_of(question)
        wait = self.limiter.wait_seconds(query.from_user.id)
        if wait:
            await query.answer([notice_result("rate_limited", lang, seconds=wait)], cache_time=0, is_personal=True)
            return
        try:
            self.service.check_question(question)
        except QuestionError:
            limit = self.settings.max_question_chars
            await query.answer([notice_result("too_long", lang, length=len(question), limit=limit)], cache_time=0)
            return
        answer = await asyncio.to_thread(self.service.answer, question, MAX_RESULTS)
        await query.answer(inline_results(answer, lang), cache_time=self.settings.telegram.inline_cache_seconds)

    async def on_reindex(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        lang = self.user_lang(update)
        if not self.is_admin(update):
            await update.effective_message.reply_text(say("admin_only", lang), do_quote=True)
            return
        report = await asyncio.to_thread(self.service.sync)
        await update.effective_message.reply_text(say("reindexed", lang, summary=report.summary()), do_quote=True)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("error while handling an update", exc_info=context.error)
        in_channel = isinstance(update, Update) and update.effective_chat and update.effective_chat.type == "channel"
        if isinstance(update, Update) and update.effective_message and not in_channel:  # never write in a channel
            lang = self.user_lang(update)
            try:
                await update.effective_message.reply_text(say("error", lang))
            except TelegramError:
                log.warning("could not tell the user about the error")


class ForwardedFromChannel(filters.MessageFilter):
    """A message forwarded from a channel post."""

    def filter(self, message: Message) -> bool:
        return isinstance(message.forward_origin, MessageOriginChannel)


async def set_commands(application: Application) -> None:
    """The command menu, in Arabic and in English."""
    for lang in ("ar", "en"):
        commands = [BotCommand(name, texts[lang]) for name, texts in COMMANDS.items()]
        await application.bot.set_my_commands(commands, language_code=lang)
    await application.bot.set_my_commands([BotCommand(n, t["en"]) for n, t in COMMANDS.items()])


def build_application(settings: Settings, service: AnswerService) -> Application:
    """The python-telegram-bot application with every handler registered."""
    telegram = settings.telegram
    application = (
        Application.builder()
        .token(telegram.token)
        .base_url(telegram.base_url)
        .base_file_url(telegram.base_file_url)
        .rate_limiter(AIORateLimiter(max_retries=3))
        .post_init(set_commands)
        .concurrent_updates(True)
        .build()
    )
    bot = IsnadBot(settings, service)
    add = application.add_handler
    # First, so that nothing posted in a channel reaches the handlers for people.
    add(MessageHandler(filters.UpdateType.CHANNEL_POSTS, bot.on_channel_post))
    add(InlineQueryHandler(bot.on_inline_query))
    add(CommandHandler("start", bot.on_start))
    add(CommandHandler("help", bot.on_help))
    add(CommandHandler("about", bot.on_about))
    add(CommandHandler("sources", bot.on_sources))
    add(CommandHandler("ask", bot.on_ask))
    add(CommandHandler("add", bot.on_add))
    add(MessageHandler(filters.Document.ALL & filters.CaptionRegex(r"^/add(@\w+)?(\s|$)"), bot.on_add))
    add(CommandHandler("reindex", bot.on_reindex))
    add(CallbackQueryHandler(bot.on_more, pattern=r"^more:"))
    add(CallbackQueryHandler(bot.on_example, pattern=r"^example:"))
    add(CallbackQueryHandler(bot.on_sources_page, pattern=r"^sources:\d+$"))
    add(MessageHandler(filters.ChatType.PRIVATE & ForwardedFromChannel(), bot.on_forwarded_post))
    add(MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, bot.on_private_text))
    add(MessageHandler(filters.ChatType.GROUPS & filters.TEXT & ~filters.COMMAND, bot.on_group_text))
    add(MessageHandler(filters.ChatType.PRIVATE & ~filters.TEXT & ~filters.COMMAND, bot.on_non_text))
    application.add_error_handler(bot.on_error)
    application.bot_data["isnad"] = bot
    return application


class TokenFilter(logging.Filter):
    """Keeps the bot token out of every log line (httpx logs request URLs, which contain it)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "<token>"), None
        if record.exc_info:
            # Exceptions can quote the token too (InvalidToken does): format them here, redacted.
            record.exc_text = logging.Formatter().formatException(record.exc_info).replace(self.token, "<token>")
            record.exc_info = None
        return True


def guard_token_in_logs(token: str) -> None:
    token_filter = TokenFilter(token)
    for handler in logging.getLogger().handlers:
        handler.addFilter(token_filter)
    logging.getLogger("httpx").setLevel(logging.WARNING)


def run(settings: Settings, service: AnswerService) -> None:
    """Run the bot until SIGINT/SIGTERM: long polling, or a webhook when configured."""
    telegram = settings.telegram
    guard_token_in_logs(telegram.token)
    application = build_application(settings, service)
    if telegram.mode == "webhook":
        application.run_webhook(
            listen=telegram.webhook_listen,
            port=telegram.webhook_port,
            url_path=telegram.webhook_path,
            webhook_url=telegram.webhook_url or None,
            secret_token=telegram.webhook_secret or None,
        )
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
