from __future__ import annotations

import pytest

from index.speakers import CONTINUATION, asked_speaker, attribute, speaker_of


@pytest.mark.parametrize(
    "sentence, speaker",
    [
        ("وقال مستشار الأمن القومي الأمريكي جيك سوليفان بعد المكالمة إن بايدن أخبر بوتين.", "مستشار الأمن القومي الأمريكي جيك سوليفان"),
        ("وقالت فيكتوريا نولاند، مبعوثة أمريكية، إن الغزو سيعرض الخط للخطر.", "فيكتوريا نولاند"),
        ("ونقل أوشاكوف عن بوتين قوله إن روسيا قلقة.", "أوشاكوف"),
        ("قال أوشاكوف.", "أوشاكوف"),
        ('وفي هذا الصدد، أوضح، بالطبع، أفكارنا حول الضمانات ". قال أوشاكوف.', "أوشاكوف"),
        ("يعلّق يوري أوشاكوف، مساعد الكرملين، للصحفيين على المحادثات.", "يوري أوشاكوف"),
        ('وصف الوضع بأنه "صعب" وقال الوزير إن الحل قريب.', "الوزير"),
        ("وأضاف أن الولايات المتحدة ستوفر مواد دفاعية.", CONTINUATION),
        ("The central bank kept rates steady, Gov. J. Smith said on Tuesday.", "Gov. J. Smith"),
        ("هيمنت قضية أوكرانيا على المحادثات.", None),
    ],
)
def test_speaker_of_reporting_sentences(sentence: str, speaker: str | None) -> None:
    assert speaker_of(sentence) == speaker


def test_continuations_inherit_the_last_speaker() -> None:
    texts = ["وقال سوليفان إن بايدن حذر بوتين.", "وأضاف أن العقوبات جاهزة.", "هيمنت أوكرانيا على المحادثات."]
    assert attribute(texts) == ["سوليفان", "سوليفان", None]


@pytest.mark.parametrize(
    "question, who",
    [("ماذا قال سوليفان؟", "سوليفان"), ("ماذا قالت فيكتوريا نولاند؟", "فيكتوريا نولاند"),
     ("What did Sullivan say?", "Sullivan"), ("كيف وصف الكرملين المناقشة؟", None)],
)
def test_asked_speaker(question: str, who: str | None) -> None:
    assert asked_speaker(question) == who


@pytest.mark.parametrize(
    "question, expected",
    [("كم عدد القتلى؟", True), ("في أيِّ عامٍ وُلد؟", True), ("متى؟", True), ("How many people died?", True),
     ("When did it start?", True), ("ماذا قال سوليفان؟", False), ("What did Sullivan say?", False)],
)
def test_questions_wanting_a_number(question: str, expected: bool) -> None:
    from index.query import wants_number

    assert wants_number(question) is expected
