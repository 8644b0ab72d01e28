"""Hypothesis fuzzing of the whole path: generated articles and questions never raise, quotes stay
verbatim, and every Telegram message is valid HTML within 4,096 characters."""
from __future__ import annotations

import shutil

import pytest
from conftest import ROOT, SEED
from fake_bot_api import parse_telegram_html, utf16_length
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.answers import Passage, QuestionError
from bot.service import AnswerService
from bot.settings import load_settings
from bot.telegram_format import answer_messages
from index.articles import ArticleRecord
from index.pipeline import process
from index.ranking import BM25Index, BM25Params
from index.script import language_of

ARABIC = "ابتثجحخدذرزسشصضطظعغفقكلمنهويىةأإآؤئءـًٌٍَُِّْ"
NOISE = ".!?؟،,:;\"'«»“”()…-_ \n\t<>&*=\u200f\u200b\u202e\x00\x07"
line_text = st.text(alphabet=ARABIC + NOISE + "abcXYZ0189@#/", max_size=400)
questions = st.one_of(
    st.text(max_size=200),
    st.text(alphabet=ARABIC + NOISE + "abc", max_size=200),
    st.sampled_from(["", "   ", "؟؟؟!!!", "😀😀😀", "\" OR 1=1 --", "NEAR(سوليفان", "*", "<b>ماذا</b> قال **سوليفان**",
                     "ماذا قال Sullivan سوليفان?", "\x00\x01\x02", "س" * 100_000]),
)


@settings(max_examples=800, deadline=None)
@given(line_text, st.one_of(st.none(), st.text(max_size=40)))
def test_any_article_processes_into_verbatim_sentences(text: str, title: str | None) -> None:
    article = process(ArticleRecord("x", text, title=title, publisher="P"))
    for sentence in article.sentences:
        assert 0 <= sentence.start < sentence.end <= len(text)
        assert sentence.tokens


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["a", "b", "c", "d", "e", "f"]), max_size=8), min_size=1, max_size=40),
       st.lists(st.sampled_from(["a", "b", "c", "z"]), max_size=5), st.integers(0, 20))
def test_ranking_never_raises_and_returns_at_most_k(docs: list[list[str]], query: list[str], k: int) -> None:
    if not any(docs):
        docs = docs + [["a"]]
    hits = BM25Index.from_docs(docs, BM25Params(0.9, 0.4, 1.0)).search(query, k)
    assert len(hits) <= k and all(h.score == h.score for h in hits)


passages = st.builds(
    Passage, text=st.text(min_size=1, max_size=6000), score=st.floats(0, 100), article_id=st.text(max_size=20),
    title=st.text(max_size=300), publisher=st.one_of(st.none(), st.text(max_size=50)),
    author=st.none(), published=st.one_of(st.none(), st.text(max_size=30)),
    url=st.one_of(st.none(), st.text(max_size=60), st.just("https://example.com/a?b=1&c=<2>"), st.just("javascript:x")),
    source=st.one_of(st.none(), st.text(max_size=60)), start=st.just(0), end=st.just(1),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(passages, min_size=1, max_size=6), st.text(max_size=300), st.sampled_from(["ar", "en"]))
def test_telegram_messages_are_always_valid_html_within_limits(items: list[Passage], question: str, lang: str) -> None:
    from bot.answers import Answer

    answer = Answer(question, True, items, ("ماذا", "قال"))
    for message in answer_messages(answer, items, lang):
        visible = parse_telegram_html(message)
        assert 0 < utf16_length(visible) <= 4096
        assert "<a href=\"javascript" not in message


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> AnswerService:
    root = tmp_path_factory.mktemp("fuzz")
    (root / "corpus").mkdir()
    shutil.copy(SEED, root / "corpus" / SEED.name)
    settings = load_settings(ROOT / "config.toml", environ={}).with_paths(root / "corpus", root / "i.sqlite").override({"dense.enabled": False})
    running = AnswerService(settings)
    running.sync()
    yield running
    running.close()


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(questions)
def test_any_question_gets_an_answer_or_a_polite_refusal(service: AnswerService, question: str) -> None:
    try:
        answer = service.answer(question)
    except QuestionError as refusal:
        assert str(refusal)
        return
    body = (ROOT / "corpus" / SEED.name).read_text(encoding="utf-8").split("+++\n", 2)[2]
    for passage in answer.passages:
        assert body[passage.start : passage.end] == passage.text
    for message in answer_messages(answer, answer.passages, language_of(question)):
        assert utf16_length(parse_telegram_html(message)) <= 4096
