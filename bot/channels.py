"""Telegram channel posts → article files in the corpus folder, indexed like any text page.

A post is saved as `telegram/<channel>/<post id>.md`: TOML front matter (title from its first line, the
channel as publisher, the post's t.me link, its date) and the post's text. An edited post is saved over
its file, so its article is replaced; `isnad index --rebuild` reads the posts again from their files.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import PurePosixPath

from telegram import Chat, Document, Message

from bot.settings import channel_key
from index.articles import decode_text

TEXT_DOCUMENTS = (".txt", ".md")
MAX_POST_DOCUMENT_BYTES = 5_000_000
MAX_TITLE = 120


@dataclass(frozen=True)
class Post:
    """A channel post as an article: where it comes from and its text."""

    chat_id: int
    username: str | None
    channel_title: str | None
    message_id: int
    date: datetime
    text: str


def is_watched(chat: Chat, channels: frozenset[str]) -> bool:
    """Whether a channel is one of [telegram] channels, by chat id or by @username."""
    return channel_key(chat.id) in channels or bool(chat.username and channel_key(chat.username) in channels)


def post_link(username: str | None, chat_id: int, message_id: int) -> str:
    """The post's public link; a channel without a username has only the members' t.me/c/ link."""
    if username:
        return f"https://t.me/{username}/{message_id}"
    return f"https://t.me/c/{str(chat_id).removeprefix('-100')}/{message_id}"


def _title(first_line: str) -> str:
    if len(first_line) <= MAX_TITLE:
        return first_line
    return first_line[:MAX_TITLE].rsplit(" ", 1)[0] + " …"


def post_file(post: Post) -> tuple[str, bytes]:
    """Where a post is saved in the corpus folder, and the file: front matter, then the post's text.

    The first line is the title; the lines after it are the article (a one-line post is both).
    """
    lines = post.text.strip().splitlines()
    body = "\n".join(lines[1:]).strip() or lines[0]
    fields = {
        "title": _title(lines[0].strip()),
        "publisher": post.channel_title or (f"@{post.username}" if post.username else str(post.chat_id)),
        "url": post_link(post.username, post.chat_id, post.message_id),
        "published": post.date.astimezone(timezone.utc).isoformat(timespec="seconds"),
    }
    front = "\n".join(f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in fields.items())
    folder = post.username.lower() if post.username else str(post.chat_id)
    return f"telegram/{folder}/{post.message_id}.md", f"+++\n{front}\n+++\n{body}\n".encode("utf-8")


async def _document_text(document: Document) -> str:
    """A text file's content; other documents (pictures, PDFs) give none."""
    if PurePosixPath(document.file_name or "").suffix.lower() not in TEXT_DOCUMENTS:
        return ""
    if (document.file_size or 0) > MAX_POST_DOCUMENT_BYTES:
        return ""
    data = bytes(await (await document.get_file()).download_as_bytearray())
    return decode_text(data)


async def post_text(message: Message) -> str:
    """What a post says: its text, or its caption and the text file it carries."""
    parts = [message.text or message.caption or ""]
    if message.document is not None:
        parts.append(await _document_text(message.document))
    return "\n".join(part.strip() for part in parts if part and part.strip())


async def channel_post(message: Message, chat: Chat, message_id: int, date: datetime) -> Post | None:
    """A post (published, or forwarded from its channel) as an article; None when it has no text."""
    text = await post_text(message)
    if not text:
        return None
    return Post(chat.id, chat.username, chat.title, message_id, date, text)
