"""The real python-telegram-bot application against the fake Bot API server over HTTP."""
from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import PAGES, ROOT, SEED
from fake_bot_api import TOKEN, FakeBotAPI, parse_telegram_html

from bot.service import AnswerService
from bot.settings import load_settings
from bot.telegram_bot import build_application

ADMIN = 7
GROUP = -100500


class RunningBot:
    """The application polling the fake server from its own thread and event loop."""

    def __init__(self, settings) -> None:
        self.service = AnswerService(settings)
        self.service.sync()
        self.application = build_application(settings, self.service)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def _run(self, coroutine, timeout: float = 30):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def start(self) -> None:
        self.thread.start()
        app = self.application
        self._run(app.initialize())
        self._run(app.post_init(app))
        self._run(app.start())
        self._run(app.updater.start_polling(poll_interval=0.0, timeout=1))

    def stop(self) -> None:
        app = self.application
        self._run(app.updater.stop())
        self._run(app.stop())
        self._run(app.shutdown())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()
        self.service.close()


@pytest.fixture
def fake() -> FakeBotAPI:
    server = FakeBotAPI().start()
    yield server
    server.stop()


def bot_settings(tmp_path: Path, fake: FakeBotAPI, **telegram):
    corpus = tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)
    shutil.copy(SEED, corpus / SEED.name)
    settings = load_settings(ROOT / "config.toml", environ={})
    tg = replace(settings.telegram, token=TOKEN, base_url=fake.base_url, base_file_url=fake.base_file_url,
                 admins=frozenset({ADMIN}), **telegram)
    return replace(settings.with_paths(corpus, tmp_path / "index.sqlite"), telegram=tg)


@pytest.fixture
def bot(tmp_path: Path, fake: FakeBotAPI) -> RunningBot:
    running = RunningBot(bot_settings(tmp_path, fake))
    running.start()
    yield running
    running.stop()


def ask_fresh_bot(settings, fake: FakeBotAPI, question: str, chat_id: int) -> dict:
    """Start a bot on these settings, ask one question in a private chat, stop it; its reply."""
    running = RunningBot(settings)
    running.start()
    try:
        fake.send_text(question, chat_id=chat_id, user_id=chat_id)
        return last_reply(fake, chat_id)
    finally:
        running.stop()


def last_reply(fake: FakeBotAPI, chat_id: int, count: int = 1) -> dict:
    fake.wait_until(lambda: len(fake.replies_to(chat_id)) >= count)
    return fake.replies_to(chat_id)[count - 1]


def markup(message: dict) -> dict:
    return json.loads(message["params"].get("reply_markup") or "{}")


def test_commands_are_set_in_arabic_and_english(bot: RunningBot, fake: FakeBotAPI) -> None:
    languages = {c.get("language_code") for c in fake.commands}
    assert {"ar", "en"} <= languages
    names = {c["command"] for c in json.loads(fake.commands[0]["commands"])}
    assert {"start", "help", "sources", "about", "ask"} <= names


def test_private_question_is_answered_with_quote_and_source(bot: RunningBot, fake: FakeBotAPI) -> None:
    question = fake.send_text("ماذا قال سوليفان؟", chat_id=42)
    reply = last_reply(fake, 42)
    html = reply["html"]
    assert "<blockquote>" in html and "جيك <b>سوليفان</b>" in html
    assert "<b>AP</b>" in html and "قمة بايدن بوتين" in html
    assert json.loads(reply["params"]["reply_parameters"])["message_id"] == question["message_id"]
    assert "sendChatAction" in fake.calls


def test_english_question_gets_english_interface(bot: RunningBot, fake: FakeBotAPI) -> None:
    fake.send_text("Who won the world cup in football?", chat_id=43, user_id=43, lang="en")
    reply = last_reply(fake, 43)
    assert "Not found in the articles I have." in reply["text"]


def test_unknown_topic_gets_the_abstention_reply_with_a_hint(bot: RunningBot, fake: FakeBotAPI) -> None:
    fake.send_text("من فاز بكأس العالم؟", chat_id=44, user_id=44)
    reply = last_reply(fake, 44)
    assert reply["text"].startswith("لم أجد") and "/sources" in reply["text"]


def test_group_answers_only_when_addressed(bot: RunningBot, fake: FakeBotAPI) -> None:
    fake.send_text("ماذا قال سوليفان؟", chat_id=GROUP, kind="supergroup")
    mention = fake.send_text("@isnad_test_bot ماذا قالت فيكتوريا نولاند؟", chat_id=GROUP, kind="supergroup")
    first = last_reply(fake, GROUP)
    assert "نولاند" in first["text"]
    assert json.loads(first["params"]["reply_parameters"])["message_id"] == mention["message_id"]
    assert len(fake.replies_to(GROUP)) == 1  # the un-addressed message got nothing

    asked = fake.send_text("/ask كيف وصف الكرملين المناقشة؟", chat_id=GROUP, kind="supergroup")
    second = last_reply(fake, GROUP, 2)
    assert "صريحة وعملية" in second["text"]
    assert json.loads(second["params"]["reply_parameters"])["message_id"] == asked["message_id"]

    bot_message = {k: v for k, v in second.items() if k not in ("html", "params")}
    fake.send_text("ماذا قال أوشاكوف؟", chat_id=GROUP, kind="supergroup", reply_to_message=bot_message)
    assert "أوشاكوف" in last_reply(fake, GROUP, 3)["text"]
    fake.send_text("@someone_else ماذا قال سوليفان؟", chat_id=GROUP, kind="supergroup")
    fake.send_text("@isnad_test_bot ماذا قال بوتين؟", chat_id=GROUP, kind="supergroup")
    assert "بوتين" in last_reply(fake, GROUP, 4)["text"]  # the other mention in between got nothing


def test_more_button_edits_the_message_to_the_next_passages(bot: RunningBot, fake: FakeBotAPI) -> None:
    fake.send_text("ماذا قال بايدن عن روسيا؟", chat_id=45, user_id=45)
    reply = last_reply(fake, 45)
    [[button]] = markup(reply)["inline_keyboard"]
    assert len(button["callback_data"].encode("utf-8")) <= 64
    bot_message = {k: v for k, v in reply.items() if k not in ("html", "params")}
    fake.click(bot_message, button["callback_data"], user_id=45)
    fake.wait_until(lambda: len(fake.edits) >= 1)
    edit = fake.edits[0]
    assert int(edit["params"]["message_id"]) == reply["message_id"]
    assert "<blockquote>" in edit["html"] and edit["text"] != reply["text"]
    assert fake.callback_answers


def test_markup_in_articles_and_questions_is_shown_literally(tmp_path: Path, fake: FakeBotAPI) -> None:
    settings = bot_settings(tmp_path, fake)
    (settings.corpus / "markup.txt").write_text(
        "مقال عن الوسوم في صفحات الويب الحديثة\n"
        "كتب المبرمج الوسم <b> والرمز & ثم الوسم <script>alert(1)</script> في صفحة التجربة الفريدة.\n",
        encoding="utf-8",
    )
    reply = ask_fresh_bot(settings, fake, "ماذا كتب المبرمج في صفحة التجربة الفريدة <i>?", 46)
    assert "<b> والرمز & ثم الوسم <script>alert(1)</script>" in reply["text"]
    assert "&lt;script&gt;" in reply["html"] and "<script>" not in reply["html"]
    assert not fake.rejected


def test_long_answers_are_split_into_valid_messages(tmp_path: Path, fake: FakeBotAPI) -> None:
    settings = bot_settings(tmp_path, fake, rate_per_minute=100)
    places = ("المدن الساحلية بالمناطق الداخلية", "الموانئ الجنوبية بالمطارات الشمالية", "المصانع الكبرى بالأسواق الشعبية",
              "الجامعات الحديثة بالقرى النائية", "المستشفيات العامة بالمراكز الصحية", "الحدائق الواسعة بالأحياء السكنية")
    # Six long statements, each about other places (nearly the same words would be quoted once).
    lines = [("وأكد المتحدث أن مشروع السكة الحديدية الطويلة سيربط " + where + " ") * 30 + "." for where in places]
    (settings.corpus / "long.txt").write_text("مشروع السكة الحديدية الطويلة في البلاد\n" + "\n".join(lines), encoding="utf-8")
    running = RunningBot(settings.override({"answer.top_k": 6}))
    running.start()
    try:
        fake.send_text("ماذا قال المتحدث عن مشروع السكة الحديدية الطويلة؟", chat_id=47, user_id=47)
        fake.wait_until(lambda: len(fake.replies_to(47)) >= 3)
        fake.wait_until(lambda: not any(c == "sendMessage" for c in fake.calls[-1:]))  # settle
        replies = fake.replies_to(47)
    finally:
        running.stop()
    assert not fake.rejected
    assert len(replies) >= 3
    for reply in replies:
        assert len(parse_telegram_html(reply["html"]).encode("utf-16-le")) // 2 <= 4096


def test_add_is_refused_for_non_admins_and_works_for_admins(bot: RunningBot, fake: FakeBotAPI, tmp_path: Path) -> None:
    question = "كم تبلغ طاقة محطة تحلية المياه في العلمين؟"
    data = (PAGES / "reuters_style.md").read_bytes()
    fake.add_file("doc1", data)
    document = {"file_id": "doc1", "file_unique_id": "doc1", "file_name": "../../escape.md", "file_size": len(data)}
    caption = {"caption": "/add", "caption_entities": [{"type": "bot_command", "offset": 0, "length": 4}]}
    fake.push("message", fake.message(None, chat_id=50, user_id=50, document=document, **caption))
    assert last_reply(fake, 50)["text"] == "هذا الأمر للمشرفين فقط."
    corpus = bot.service.settings.corpus
    assert sorted(p.name for p in corpus.iterdir()) == [SEED.name]

    fake.push("message", fake.message(None, chat_id=ADMIN, user_id=ADMIN, document=document, **caption))
    added = last_reply(fake, ADMIN)
    assert "مصر تفتتح محطة جديدة" in added["text"] and "Reuters" in added["text"]
    assert (corpus / "escape.md").exists() and not (tmp_path / "escape.md").exists()
    fake.send_text(question, chat_id=51, user_id=51)
    assert "150 ألف متر مكعب" in last_reply(fake, 51)["text"]


def test_non_text_messages_get_a_helpful_reply(bot: RunningBot, fake: FakeBotAPI) -> None:
    sticker = {"file_id": "s", "file_unique_id": "s", "type": "regular", "width": 1, "height": 1,
               "is_animated": False, "is_video": False}
    fake.push("message", fake.message(None, chat_id=52, user_id=52, sticker=sticker))
    assert "نصاً" in last_reply(fake, 52)["text"]


def test_rate_limit_and_long_questions_are_refused_politely(tmp_path: Path, fake: FakeBotAPI) -> None:
    running = RunningBot(bot_settings(tmp_path, fake, rate_per_minute=2))
    running.start()
    try:
        fake.send_text("س" * 2000, chat_id=53, user_id=53)
        assert "طويل" in last_reply(fake, 53)["text"]
        for _ in range(2):
            fake.send_text("ماذا قال سوليفان؟", chat_id=53, user_id=53)
        fake.wait_until(lambda: len(fake.replies_to(53)) >= 3)
        fake.send_text("ماذا قال سوليفان؟", chat_id=53, user_id=53)
        assert "انتظر" in last_reply(fake, 53, 4)["text"]
        fake.send_text("ماذا قال سوليفان؟", chat_id=57, user_id=57)  # one user's limit does not starve another
        assert "سوليفان" in last_reply(fake, 57)["text"]
    finally:
        running.stop()


def test_flood_control_429_is_retried_not_lost(bot: RunningBot, fake: FakeBotAPI) -> None:
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", {"retry_after": 1})
    fake.send_text("ماذا قالت فيكتوريا نولاند؟", chat_id=54, user_id=54)
    assert "نولاند" in last_reply(fake, 54)["text"]
    assert fake.calls.count("sendMessage") >= 2


def test_start_shows_two_example_buttons_that_ask(bot: RunningBot, fake: FakeBotAPI) -> None:
    fake.send_text("/start", chat_id=55, user_id=55)
    start = last_reply(fake, 55)
    buttons = [row[0] for row in markup(start)["inline_keyboard"]]
    assert len(buttons) == 2
    fake.click({k: v for k, v in start.items() if k not in ("html", "params")}, buttons[0]["callback_data"], user_id=55)
    assert "سوليفان" in last_reply(fake, 55, 2)["text"]


def test_sources_lists_articles_and_outlets(bot: RunningBot, fake: FakeBotAPI) -> None:
    fake.send_text("/sources", chat_id=56, user_id=56, lang="en")
    reply = last_reply(fake, 56)
    assert "Indexed articles (1)" in reply["text"] and "قمة بايدن بوتين" in reply["text"]
    assert "TASS (تاس الروسية)" in reply["text"]


def _serve(tmp_path: Path, fake: FakeBotAPI, token: str, config: Path | None = None, **env_extra: str) -> subprocess.Popen:
    corpus = tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)
    shutil.copy(SEED, corpus / SEED.name)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ISNAD_")},
           "ISNAD_TELEGRAM_TOKEN": token, "ISNAD_TELEGRAM_BASE_URL": fake.base_url,
           "ISNAD_TELEGRAM_BASE_FILE_URL": fake.base_file_url, **env_extra}
    command = [sys.executable, "-m", "bot", *(["--config", str(config)] if config else []),
               "--corpus", str(corpus), "--db", str(tmp_path / "i.sqlite"), "serve"]
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_listening(port: int, timeout: float = 30) -> None:
    """PTB registers the webhook before its server listens, so the test waits as Telegram's retries would."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _post_update(url: str, update: dict, secret: str) -> int:
    request = urllib.request.Request(url, data=json.dumps(update).encode(), method="POST", headers={
        "Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_webhook_mode_registers_checks_the_secret_and_answers(tmp_path: Path, fake: FakeBotAPI) -> None:
    port = _free_port()
    config = tmp_path / "config.toml"
    config.write_text(f'[telegram]\nmode = "webhook"\nwebhook_listen = "127.0.0.1"\nwebhook_port = {port}\n'
                      'webhook_path = "isnad"\n', encoding="utf-8")
    url = f"http://127.0.0.1:{port}/isnad"
    process = _serve(tmp_path, fake, TOKEN, config, ISNAD_TELEGRAM_WEBHOOK_URL=url, ISNAD_TELEGRAM_WEBHOOK_SECRET="s3cret")
    try:
        fake.wait_until(lambda: bool(fake.webhooks), timeout=60)
        assert fake.webhooks[0]["url"] == url and fake.webhooks[0]["secret_token"] == "s3cret"
        assert "getUpdates" not in fake.calls
        _wait_until_listening(port)
        question = {"update_id": 1, "message": fake.message("ماذا قال سوليفان؟", chat_id=61, user_id=61)}
        assert _post_update(url, question, "wrong") == 403
        assert _post_update(url, question, "s3cret") == 200
        assert "سوليفان" in last_reply(fake, 61)["text"]
        assert len(fake.replies_to(61)) == 1  # the update with the wrong secret was not handled
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr


def test_serve_answers_and_stops_gracefully_on_sigterm(tmp_path: Path, fake: FakeBotAPI) -> None:
    process = _serve(tmp_path, fake, TOKEN)
    try:
        fake.wait_until(lambda: "getUpdates" in fake.calls, timeout=60)
        fake.send_text("ماذا قال سوليفان؟", chat_id=60, user_id=60)
        assert "سوليفان" in last_reply(fake, 60)["text"]
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert TOKEN not in stderr and TOKEN.split(":")[1] not in stderr


def test_serve_with_a_rejected_token_exits_1_with_one_line(tmp_path: Path, fake: FakeBotAPI) -> None:
    process = _serve(tmp_path, fake, "999:WRONG")
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 1
    assert stderr.strip().splitlines()[-1] == "isnad: the Telegram Bot API rejected the token in ISNAD_TELEGRAM_TOKEN"
    assert "WRONG" not in stderr


def test_article_added_by_the_cli_is_answered_without_restart(bot: RunningBot, fake: FakeBotAPI, tmp_path: Path) -> None:
    settings = bot.service.settings
    question = "ما عدد الأسرّة في مستشفى الملك فهد الجديد في جدة؟"
    fake.send_text(question, chat_id=61, user_id=61)
    assert last_reply(fake, 61)["text"].startswith("لم أجد")
    command = [sys.executable, "-m", "bot", "--corpus", str(settings.corpus), "--db", str(settings.db),
               "add", str(PAGES / "saudi_style.json")]
    subprocess.run(command, check=True, cwd=ROOT, capture_output=True, timeout=120)
    fake.send_text(question, chat_id=61, user_id=61)
    assert "500 سرير" in last_reply(fake, 61, 2)["text"]


def test_admin_add_by_reply_and_reindex(bot: RunningBot, fake: FakeBotAPI) -> None:
    pasted = fake.message((PAGES / "tweet_newsletter.txt").read_text(encoding="utf-8"), chat_id=ADMIN, user_id=ADMIN)
    fake.push("message", fake.message("/add", chat_id=ADMIN, user_id=ADMIN, reply_to_message=pasted))
    assert "الأمم المتحدة تحذر" in last_reply(fake, ADMIN)["text"]
    fake.send_text("/reindex", chat_id=ADMIN, user_id=ADMIN)
    assert "2 unchanged" in last_reply(fake, ADMIN, 2)["text"]
    fake.send_text("/reindex", chat_id=62, user_id=62)
    assert last_reply(fake, 62)["text"] == "هذا الأمر للمشرفين فقط."


def test_serve_without_a_token_exits_1_with_one_line(tmp_path: Path, fake: FakeBotAPI) -> None:
    process = _serve(tmp_path, fake, "")
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 1
    assert stderr.strip().splitlines() == ["isnad: set ISNAD_TELEGRAM_TOKEN to your bot's token (create one with @BotFather)"]


def test_bot_api_faults_are_retried_and_never_stop_the_bot(bot: RunningBot, fake: FakeBotAPI) -> None:
    fake.fail_next("getUpdates", 502, "Bad Gateway")
    fake.fail_next("sendMessage", 500, "Internal Server Error")
    fake.send_text("ماذا قالت فيكتوريا نولاند؟", chat_id=70, user_id=70)
    assert "نولاند" in last_reply(fake, 70)["text"]  # after a 502 on polling and a 500 on sending

    fake.send_text("ماذا قال بايدن عن روسيا؟", chat_id=71, user_id=71)
    reply = last_reply(fake, 71)
    [[button]] = markup(reply)["inline_keyboard"]
    fake.fail_next("editMessageText", 400, "Bad Request: message is not modified")
    fake.click({k: v for k, v in reply.items() if k not in ("html", "params")}, button["callback_data"], user_id=71)
    fake.wait_until(lambda: len(fake.callback_answers) >= 1)
    fake.send_text("ماذا قال سوليفان؟", chat_id=71, user_id=71)
    second = last_reply(fake, 71, 2)
    assert "سوليفان" in second["text"]  # no "something went wrong" in between, and still answering


def test_links_are_only_http_from_article_metadata(tmp_path: Path, fake: FakeBotAPI) -> None:
    settings = bot_settings(tmp_path, fake)
    article = {"title": "خبر عن مهرجان التمور في القصيم", "url": "javascript:alert(1)",
               "content": "افتتح مهرجان التمور في القصيم بمشاركة مئتي مزارع من المنطقة."}
    (settings.corpus / "dates.json").write_text(json.dumps(article, ensure_ascii=False), encoding="utf-8")
    reply = ask_fresh_bot(settings, fake, "كم مزارعاً شارك في مهرجان التمور في القصيم؟", 72)
    assert "مهرجان التمور" in reply["text"] and "<a " not in reply["html"] and "javascript" not in reply["html"]
