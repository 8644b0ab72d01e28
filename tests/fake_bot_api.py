"""A small fake Telegram Bot API server on 127.0.0.1 for tests: it speaks HTTP like Telegram does.

It keeps what the bot sends, feeds it updates through getUpdates (long polling): messages, callback
queries, channel posts and their edits, inline queries; serves files, and rejects what Telegram rejects:
text over 4096 characters, HTML it cannot parse, buttons whose link is not http(s) or tg://, inline
answers with too many or duplicate results.
"""
from __future__ import annotations

import itertools
import json
import re
import threading
import time
from email.parser import BytesParser
from email.policy import HTTP
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs, unquote

TOKEN = "123456:TEST-token-abcdef"
BOT_USER = {"id": 999, "is_bot": True, "first_name": "Isnad", "username": "isnad_test_bot",
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": True}
ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "blockquote",
                "tg-spoiler", "span", "tg-emoji"}
MAX_INLINE_RESULTS = 50
BAD_AMPERSAND = re.compile(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)")


class TelegramHTMLError(ValueError):
    pass


class _TelegramHTML(HTMLParser):
    """Parses like Telegram's HTML mode: known tags only, properly nested; collects the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in ALLOWED_TAGS:
            raise TelegramHTMLError(f"Can't parse entities: unsupported start tag \"{tag}\"")
        if tag == "a" and not any(k == "href" for k, _ in attrs):
            raise TelegramHTMLError("Can't parse entities: a tag without href")
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise TelegramHTMLError(f"Can't parse entities: unexpected end tag \"{tag}\"")
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_telegram_html(text: str) -> str:
    """The visible text of a message in HTML parse mode, or TelegramHTMLError as Telegram would answer."""
    if BAD_AMPERSAND.search(text):
        raise TelegramHTMLError("Can't parse entities: character '&' is reserved and must be escaped")
    parser = _TelegramHTML()
    parser.feed(text)
    parser.close()
    if parser.stack:
        raise TelegramHTMLError(f"Can't parse entities: unclosed start tag \"{parser.stack[-1]}\"")
    return "".join(parser.text)


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class FakeBotAPI:
    """State and behaviour of the fake server; `start()` it, point the bot at `base_url`."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.lock = threading.Condition()
        self.updates: list[dict] = []
        self.update_ids = itertools.count(1)
        self.message_ids = itertools.count(1000)
        self.sent: list[dict] = []
        self.edits: list[dict] = []
        self.callback_answers: list[dict] = []
        self.inline_answers: list[dict] = []
        self.commands: list[dict] = []
        self.webhooks: list[dict] = []
        self.calls: list[str] = []
        self.rejected: list[dict] = []
        self.files: dict[str, bytes] = {}
        self.failures: dict[str, list[tuple[int, dict]]] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # -- test side -----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/file/bot"

    def start(self) -> "FakeBotAPI":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def push(self, kind: str, payload: dict) -> int:
        with self.lock:
            update_id = next(self.update_ids)
            self.updates.append({"update_id": update_id, kind: payload})
            self.lock.notify_all()
            return update_id

    def user(self, user_id: int = 42, lang: str = "ar") -> dict:
        return {"id": user_id, "is_bot": False, "first_name": f"User{user_id}", "language_code": lang}

    def chat(self, chat_id: int, kind: str = "private") -> dict:
        return {"id": chat_id, "type": kind, **({"title": "Group"} if kind != "private" else {"first_name": "U"})}

    def message(self, text: str, chat_id: int = 42, user_id: int = 42, kind: str = "private", lang: str = "ar",
                **extra: Any) -> dict:
        message = {"message_id": next(self.message_ids), "date": int(time.time()), "chat": self.chat(chat_id, kind),
                   "from": self.user(user_id, lang), **extra}
        if text is not None:
            message["text"] = text
            entities = [{"type": "mention", "offset": m.start(), "length": m.end() - m.start()}
                        for m in re.finditer(r"@\w+", text)]
            if text.startswith("/"):
                entities.insert(0, {"type": "bot_command", "offset": 0, "length": len(text.split()[0])})
            if entities:
                message["entities"] = entities
        return message

    def send_text(self, text: str, **kwargs: Any) -> dict:
        message = self.message(text, **kwargs)
        self.push("message", message)
        return message

    def channel(self, chat_id: int = -1001000, username: str | None = "isnad_news", title: str = "أخبار إسناد") -> dict:
        return {"id": chat_id, "type": "channel", "title": title, **({"username": username} if username else {})}

    def channel_post(self, text: str | None, channel: dict, message_id: int | None = None, edited: bool = False,
                     **extra: Any) -> dict:
        """A post in a channel (or its edit, under the same message id) pushed as Telegram sends it."""
        post = {"message_id": message_id or next(self.message_ids), "date": int(time.time()) - 60, "chat": channel,
                "sender_chat": channel, **extra}
        if text is not None:
            post["text"] = text
        if edited:
            post["edit_date"] = int(time.time())
        self.push("edited_channel_post" if edited else "channel_post", post)
        return post

    def inline_query(self, query: str, user_id: int = 42, lang: str = "ar") -> str:
        query_id = f"iq{next(self.update_ids)}"
        self.push("inline_query", {"id": query_id, "from": self.user(user_id, lang), "query": query, "offset": "",
                                   "chat_type": "sender"})
        return query_id

    def inline_answer(self, query_id: str) -> dict:
        self.wait_until(lambda: any(a["inline_query_id"] == query_id for a in self.inline_answers))
        with self.lock:
            return next(a for a in self.inline_answers if a["inline_query_id"] == query_id)

    def click(self, sent: dict, data: str, user_id: int = 42, lang: str = "ar") -> None:
        self.push("callback_query", {"id": str(next(self.update_ids)), "from": self.user(user_id, lang),
                                     "chat_instance": "ci", "data": data, "message": sent})

    def add_file(self, file_id: str, data: bytes) -> None:
        self.files[file_id] = data

    def fail_next(self, method: str, status: int, description: str, parameters: dict | None = None) -> None:
        body = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        self.failures.setdefault(method, []).append((status, body))

    def wait_until(self, condition: Callable[[], bool], timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if condition():
                    return
            time.sleep(0.02)
        raise AssertionError("the bot did not do what was expected in time")

    def replies_to(self, chat_id: int) -> list[dict]:
        with self.lock:
            return [m for m in self.sent if m["chat"]["id"] == chat_id]

    # -- Bot API methods -----------------------------------------------------------------------

    def _bot_message(self, params: dict, text: str) -> dict:
        chat_id = int(params["chat_id"])
        message = {"message_id": next(self.message_ids), "date": int(time.time()),
                   "chat": self.chat(chat_id, "private" if chat_id > 0 else "supergroup"),
                   "from": BOT_USER, "text": text}
        return message

    @staticmethod
    def _checked_markup(markup: Any) -> None:
        """Inline keyboard buttons need a text, and a link button an http(s) or tg:// link."""
        rows = (json.loads(markup) if isinstance(markup, str) else markup or {}).get("inline_keyboard", [])
        for button in (b for row in rows for b in row):
            if not button.get("text"):
                raise TelegramHTMLError("Bad Request: text buttons are unallowed in the inline keyboard")
            if "url" in button and not re.match(r"^(https?|tg)://\S+$", button["url"]):
                raise TelegramHTMLError("Bad Request: BUTTON_URL_INVALID")

    def _checked_inline_results(self, params: dict) -> list[dict]:
        results = json.loads(params["results"]) if isinstance(params["results"], str) else params["results"]
        if len(results) > MAX_INLINE_RESULTS:
            raise TelegramHTMLError("Bad Request: RESULTS_TOO_MUCH")
        if len({r["id"] for r in results}) != len(results):
            raise TelegramHTMLError("Bad Request: RESULT_ID_DUPLICATE")
        for result in results:
            content = result["input_message_content"]
            self._checked_text({"text": content["message_text"], "parse_mode": content.get("parse_mode")})
            self._checked_markup(result.get("reply_markup"))
            if not result.get("title"):
                raise TelegramHTMLError("Bad Request: RESULT_TITLE_EMPTY")
        return results

    def _checked_text(self, params: dict) -> str:
        self._checked_markup(params.get("reply_markup"))
        text = params.get("text", "")
        visible = parse_telegram_html(text) if params.get("parse_mode") == "HTML" else text
        if not visible.strip():
            raise TelegramHTMLError("Bad Request: message text is empty")
        if utf16_length(visible) > 4096:
            raise TelegramHTMLError("Bad Request: message is too long")
        return visible

    def call(self, method: str, params: dict) -> tuple[int, dict]:
        with self.lock:
            self.calls.append(method)
            if self.failures.get(method):
                return self.failures[method].pop(0)
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        with self.lock:
            try:
                return 200, {"ok": True, "result": self._dispatch(method, params)}
            except TelegramHTMLError as error:
                self.rejected.append({"method": method, **params, "error": str(error)})
                return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {error}"}

    def _dispatch(self, method: str, params: dict) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "sendMessage":
            visible = self._checked_text(params)
            message = self._bot_message(params, visible)
            record = {**message, "html": params.get("text"), "params": params}
            self.sent.append(record)
            self.lock.notify_all()
            return message
        if method == "editMessageText":
            visible = self._checked_text(params)
            self.edits.append({"html": params.get("text"), "text": visible, "params": params})
            return {**self._bot_message(params, visible), "message_id": int(params["message_id"])}
        if method == "answerInlineQuery":
            results = self._checked_inline_results(params)
            self.inline_answers.append({**params, "results": results})
            self.lock.notify_all()
            return True
        if method == "answerCallbackQuery":
            self.callback_answers.append(params)
            return True
        if method == "setWebhook":
            self.webhooks.append(params)
            self.lock.notify_all()
            return True
        if method == "setMyCommands":
            self.commands.append(params)
            return True
        if method == "getFile":
            file_id = params["file_id"]
            return {"file_id": file_id, "file_unique_id": file_id, "file_size": len(self.files[file_id]),
                    "file_path": f"documents/{file_id}"}
        return True  # deleteWebhook, sendChatAction, close, …

    def _get_updates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 1.0)
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                pending = [u for u in self.updates if u["update_id"] >= offset]
                remaining = deadline - time.monotonic()
                if pending or remaining <= 0:
                    return pending
                self.lock.wait(remaining)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _reply(self, status: int, body: bytes, kind: str = "application/json") -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", kind)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up on a long poll while shutting down

            def do_GET(self) -> None:
                prefix = f"/file/bot{api.token}/documents/"
                path = unquote(self.path)  # python-telegram-bot percent-encodes the token's ':'
                if path.startswith(prefix) and path[len(prefix):] in api.files:
                    self._reply(200, api.files[path[len(prefix):]], "application/octet-stream")
                else:
                    self._reply(404, b'{"ok":false,"error_code":404,"description":"Not Found"}')

            def do_POST(self) -> None:
                prefix = f"/bot{api.token}/"
                if not self.path.startswith(prefix):
                    self._reply(401, b'{"ok":false,"error_code":401,"description":"Unauthorized"}')
                    return
                method = self.path[len(prefix):]
                status, body = api.call(method, self._params())
                self._reply(status, json.dumps(body, ensure_ascii=False).encode("utf-8"))

            def _params(self) -> dict:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                kind = self.headers.get("Content-Type", "")
                if kind.startswith("application/json"):
                    return json.loads(raw or b"{}")
                if kind.startswith("multipart/form-data"):
                    message = BytesParser(policy=HTTP).parsebytes(
                        f"Content-Type: {kind}\r\n\r\n".encode() + raw)
                    return {part.get_param("name", header="content-disposition"): part.get_content()
                            for part in message.iter_parts()}
                return {k: v[0] for k, v in parse_qs(raw.decode("utf-8")).items()}

        return Handler
