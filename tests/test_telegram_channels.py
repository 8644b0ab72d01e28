"""Channels, forwarded posts, links sent to /add, inline mode and "open article" buttons: the real
python-telegram-bot application against the fake Bot API server over HTTP."""
from __future__ import annotations

import shutil
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable

import pytest
from conftest import PAGES
from fake_bot_api import FakeBotAPI, parse_telegram_html
from test_telegram import ADMIN, RunningBot, bot_settings, fake, last_reply, markup  # noqa: F401 (fixture)
from web_server import WebServer

from index.store import Store

WATCHED = "isnad_news"
CNN_URL = "https://arabic.cnn.com/middle-east/article/2024/03/12/syria-nasib-crossing-trucks"
POST = ("عاجل: افتتاح جسر الملك سلمان الجديد فوق وادي حنيفة\n"
        "افتتح أمير منطقة الرياض جسراً جديداً بطول 1200 متر فوق وادي حنيفة يربط حي العريجاء بطريق الملك فهد.\n"
        "وقال مدير المشروع إن الجسر يخدم 60 ألف مركبة يومياً.")
BRIDGE_QUESTION = "كم طول الجسر الجديد فوق وادي حنيفة؟"


def eventually(condition: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("not done in time")


def indexed_urls(db: Path) -> list[str | None]:
    store = Store(db, readonly=True)
    try:
        return [a["url"] for a in store.article_listing()]
    finally:
        store.close()


def public(message: dict) -> dict:
    """A message the bot sent, as a later update would carry it."""
    return {k: v for k, v in message.items() if k not in ("html", "params")}


@pytest.fixture
def channel_bot(tmp_path: Path, fake: FakeBotAPI) -> RunningBot:
    settings = bot_settings(tmp_path, fake, channels=frozenset({WATCHED, "-1002000"}))
    shutil.copy(PAGES / "cnn_damascus.html", settings.corpus / "cnn_damascus.html")
    running = RunningBot(settings)
    running.start()
    yield running
    running.stop()


def test_a_post_in_a_listed_channel_is_an_article_and_its_edit_replaces_it(channel_bot: RunningBot, fake: FakeBotAPI) -> None:
    db, corpus = channel_bot.service.settings.db, channel_bot.service.settings.corpus
    post = fake.channel_post(POST, fake.channel(username="Isnad_News"))
    link = f"https://t.me/Isnad_News/{post['message_id']}"
    eventually(lambda: link in indexed_urls(db))
    saved = corpus / "telegram" / "isnad_news" / f"{post['message_id']}.md"
    assert saved.read_text(encoding="utf-8").startswith('+++\ntitle = "عاجل: افتتاح جسر الملك سلمان')

    fake.send_text(BRIDGE_QUESTION, chat_id=80, user_id=80)
    reply = last_reply(fake, 80)
    assert "بطول 1200 متر" in reply["text"] and "<b>أخبار إسناد</b>" in reply["html"]
    assert f'<a href="{link}">عاجل: افتتاح جسر الملك سلمان الجديد فوق وادي حنيفة</a>' in reply["html"]
    assert [b["url"] for row in markup(reply)["inline_keyboard"] for b in row if "url" in b] == [link]

    fake.channel_post(POST.replace("1200 متر", "1500 متر"), fake.channel(username="Isnad_News"),
                      message_id=post["message_id"], edited=True)
    eventually(lambda: "1500 متر" in saved.read_text(encoding="utf-8"))
    eventually(lambda: indexed_urls(db).count(link) == 1)
    fake.send_text(BRIDGE_QUESTION, chat_id=80, user_id=80)
    second = last_reply(fake, 80, 2)
    assert "بطول 1500 متر" in second["text"] and "1200" not in second["text"]
    assert not fake.replies_to(post["chat"]["id"])  # the bot never writes in the channel


def test_a_channel_known_by_id_and_a_document_post_with_caption(channel_bot: RunningBot, fake: FakeBotAPI) -> None:
    db = channel_bot.service.settings.db
    report = ("تقرير: الأمطار ترفع منسوب سد الملك فهد\n"
              "ارتفع منسوب المياه في سد الملك فهد ببيشة إلى 290 مليون متر مكعب بعد أمطار الأسبوع الماضي.\n").encode()
    fake.add_file("dam", report)
    document = {"file_id": "dam", "file_unique_id": "dam", "file_name": "dam.txt", "file_size": len(report)}
    post = fake.channel_post(None, fake.channel(-1002000, username=None, title="قناة السدود"), document=document,
                             caption="تقرير السدود الأسبوعي")
    link = f"https://t.me/c/2000/{post['message_id']}"
    eventually(lambda: link in indexed_urls(db))
    fake.send_text("كم بلغ منسوب المياه في سد الملك فهد؟", chat_id=81, user_id=81)
    reply = last_reply(fake, 81)
    assert "290 مليون متر مكعب" in reply["text"] and "قناة السدود" in reply["text"]


def test_posts_from_any_other_channel_are_ignored(channel_bot: RunningBot, fake: FakeBotAPI) -> None:
    db, corpus = channel_bot.service.settings.db, channel_bot.service.settings.corpus
    fake.channel_post(POST, fake.channel(-1009999, username="someone_else", title="قناة غريبة"))
    fake.add_file("bin", b"\x00\x01binary")  # a listed channel's unreadable post: skipped, and not a word in the channel
    fake.channel_post(None, fake.channel(username=WATCHED), document={
        "file_id": "bin", "file_unique_id": "bin", "file_name": "notes.txt", "file_size": 8})
    watched = fake.channel_post("خبر للتأكد من وصول المنشورات\nنص الخبر القصير للتأكد.", fake.channel(username=WATCHED))
    eventually(lambda: f"https://t.me/{WATCHED}/{watched['message_id']}" in indexed_urls(db))  # handled after the foreign one
    assert not (corpus / "telegram" / "someone_else").exists()
    assert not any("someone_else" in (url or "") for url in indexed_urls(db))
    assert not fake.replies_to(-1009999) and not fake.replies_to(-1001000)
    assert len(list((corpus / "telegram" / WATCHED).iterdir())) == 1


def test_an_admin_forwarding_a_channel_post_adds_it_and_anyone_else_asks(channel_bot: RunningBot, fake: FakeBotAPI) -> None:
    origin = {"type": "channel", "chat": fake.channel(-1003000, username="riyadh_daily", title="الرياض اليوم"),
              "message_id": 77, "date": int(time.time()) - 3600}
    fake.push("message", fake.message(POST, chat_id=ADMIN, user_id=ADMIN, forward_origin=origin))
    added = last_reply(fake, ADMIN)
    assert added["text"].startswith("أُضيف: «عاجل: افتتاح جسر الملك سلمان")
    assert "https://t.me/riyadh_daily/77" in indexed_urls(channel_bot.service.settings.db)

    fake.push("message", fake.message(BRIDGE_QUESTION, chat_id=82, user_id=82, forward_origin=origin))
    reply = last_reply(fake, 82)
    assert "1200 متر" in reply["text"] and "الرياض اليوم" in reply["text"]  # answered as a question


def test_answers_carry_an_open_article_button_per_linked_passage(channel_bot: RunningBot, fake: FakeBotAPI) -> None:
    fake.send_text("كم شاحنة يستقبل معبر نصيب يومياً؟", chat_id=83, user_id=83, lang="en")
    reply = last_reply(fake, 83)
    links = [b for row in markup(reply)["inline_keyboard"] for b in row if "url" in b]
    assert [b["url"] for b in links] == [CNN_URL]
    assert links[0]["text"].startswith("🔗 افتح المقال: سوريا تعيد فتح")  # the question's language
    fake.send_text("ماذا قال سوليفان؟", chat_id=84, user_id=84)  # the seed article has no link: no button
    assert all("url" not in b for row in markup(last_reply(fake, 84)).get("inline_keyboard", []) for b in row)


# -- links sent to /add ---------------------------------------------------------------------------


@pytest.fixture
def web() -> WebServer:
    server = WebServer().start()
    yield server
    server.stop()


def test_add_link_in_telegram_is_for_admins_and_never_reaches_private_addresses(
        tmp_path: Path, fake: FakeBotAPI, web: WebServer) -> None:
    url = web.page("/nasib", (PAGES / "cnn_damascus.html").read_bytes())
    running = RunningBot(bot_settings(tmp_path, fake))
    running.start()
    try:
        fake.send_text(f"/add {url}", chat_id=85, user_id=85)
        assert last_reply(fake, 85)["text"] == "هذا الأمر للمشرفين فقط."
        fake.send_text(f"/add {url}", chat_id=ADMIN, user_id=ADMIN)
        refused = last_reply(fake, ADMIN)["text"]
        assert refused.startswith("تعذرت إضافة المقال: 127.0.0.1 is at 127.0.0.1, a private")
        assert web.requests == [] and not (running.service.settings.corpus / "web").exists()
    finally:
        running.stop()


def test_add_link_in_telegram_fetches_when_private_addresses_are_allowed(
        tmp_path: Path, fake: FakeBotAPI, web: WebServer) -> None:
    url = web.page("/nasib", (PAGES / "cnn_damascus.html").read_bytes())
    running = RunningBot(bot_settings(tmp_path, fake, allow_private_links=True))
    running.start()
    try:
        fake.send_text(f"/add {url}", chat_id=ADMIN, user_id=ADMIN, lang="en")
        assert last_reply(fake, ADMIN)["text"].startswith("Added: “سوريا تعيد فتح معبر نصيب")
        fake.send_text(f"/add {web.url('/missing')}", chat_id=ADMIN, user_id=ADMIN, lang="en")
        assert last_reply(fake, ADMIN, 2)["text"] == "Could not add the article: the server answered HTTP 404 Not Found"
        fake.send_text("كم شاحنة يستقبل معبر نصيب يومياً؟", chat_id=86, user_id=86)
        assert "400 شاحنة" in last_reply(fake, 86)["text"]
    finally:
        running.stop()


# -- inline mode ----------------------------------------------------------------------------------


def test_inline_query_answers_with_quoted_passages_as_results(channel_bot: RunningBot, fake: FakeBotAPI) -> None:
    answer = fake.inline_answer(fake.inline_query("ماذا قال سوليفان؟"))
    results = answer["results"]
    assert 1 <= len(results) <= 10 and len({r["id"] for r in results}) == len(results)
    assert int(answer["cache_time"]) == channel_bot.service.settings.telegram.inline_cache_seconds
    first = results[0]
    html = first["input_message_content"]["message_text"]
    assert first["type"] == "article" and "سوليفان" in first["title"] + first["description"]
    assert html.startswith("<blockquote>") and "— المصدر:" in html and "<b>سوليفان</b>" in html
    assert all(len(parse_telegram_html(r["input_message_content"]["message_text"]).encode("utf-16-le")) // 2 <= 4096
               for r in results)

    linked = fake.inline_answer(fake.inline_query("كم شاحنة يستقبل معبر نصيب يومياً؟"))["results"][0]
    assert "400 شاحنة" in parse_telegram_html(linked["input_message_content"]["message_text"])
    assert linked["reply_markup"]["inline_keyboard"][0][0]["url"] == CNN_URL
    assert not fake.rejected


def test_inline_query_without_an_answer_gets_one_not_found_result_in_its_language(
        channel_bot: RunningBot, fake: FakeBotAPI) -> None:
    [arabic] = fake.inline_answer(fake.inline_query("من فاز بكأس العالم؟"))["results"]
    assert arabic["id"] == "not_found" and arabic["title"] == "لم أجد جواباً لهذا في المقالات التي لديّ."
    [english] = fake.inline_answer(fake.inline_query("Who won the football world cup?", lang="ar"))["results"]
    assert english["input_message_content"]["message_text"].startswith("Not found in the articles I have.")
    assert fake.inline_answer(fake.inline_query("   "))["results"] == []


def test_inline_results_of_a_very_long_sentence_fit_one_message(tmp_path: Path, fake: FakeBotAPI) -> None:
    settings = bot_settings(tmp_path, fake)
    sentence = "وأكد المتحدث أن مشروع السكة الحديدية الطويلة سيربط المدن الساحلية بالمناطق الداخلية " * 80
    (settings.corpus / "long.txt").write_text(f"مشروع السكة الحديدية الطويلة في البلاد\n{sentence.strip()}.\n",
                                              encoding="utf-8")
    running = RunningBot(replace(settings, telegram=replace(settings.telegram, inline_cache_seconds=5)))
    running.start()
    try:
        answer = fake.inline_answer(fake.inline_query("ماذا قال المتحدث عن مشروع السكة الحديدية الطويلة؟"))
    finally:
        running.stop()
    [result] = [r for r in answer["results"] if "السكة" in r["input_message_content"]["message_text"]]
    visible = parse_telegram_html(result["input_message_content"]["message_text"])
    assert len(visible.encode("utf-16-le")) // 2 <= 4096 and " …" in visible
    cut = sentence[:3000].rsplit(" ", 1)[0]  # the quote's own words, cut at a word (blocks of it joined unspaced)
    assert "".join(visible.split()).startswith("".join(cut.split()) + "…")
    assert int(answer["cache_time"]) == 5 and not fake.rejected


def test_channels_are_named_by_chat_id_or_username_and_anything_else_is_refused() -> None:
    from conftest import ROOT

    from bot.settings import SettingsError, load_settings

    settings = load_settings(ROOT / "config.toml", environ={"ISNAD_TELEGRAM_CHANNELS": "@Isnad_News, -1001234 ,"})
    assert settings.telegram.channels == frozenset({"isnad_news", "-1001234"})
    assert load_settings(ROOT / "config.toml", environ={}).telegram.channels == frozenset()
    with pytest.raises(SettingsError, match="chat ids or @usernames, got isnad news"):
        load_settings(ROOT / "config.toml", environ={"ISNAD_TELEGRAM_CHANNELS": "isnad news"})
