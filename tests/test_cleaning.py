"""Reading raw pages: the seed article and three other page shapes."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import PAGES, SEED

from index.articles import ArticleRecord, parse_bytes
from index.pipeline import ProcessedArticle, process
from index.transliterate import match_marker, skeleton


def load(path: Path) -> list[ProcessedArticle]:
    return [process(r) for r in parse_bytes(path.read_bytes(), path.name, path.name) if isinstance(r, ArticleRecord)]


def quotes(article: ProcessedArticle) -> dict[str, str | None]:
    text = article.record.text
    return {text[s.start : s.end]: s.source for s in article.sentences}


@pytest.fixture(scope="module")
def seed() -> ProcessedArticle:
    return load(SEED)[0]


def test_seed_metadata_title_byline_and_footer_sources(seed: ProcessedArticle) -> None:
    assert seed.title == "قمة بايدن بوتين تفشل بالوصول لحل وسط... أزمة أوكرانيا ماتزال مستمرة"
    assert seed.author == "وائل سليمان"
    assert seed.sources == ("ليفانت نيوز", "الكرملين", "تاس الروسية", "موسكو تايمز", "البيت الأبيض", "AP")
    assert seed.record.publisher == "ليفانت نيوز"
    assert seed.record.url is None and seed.record.published is None  # the page gives neither


def test_seed_markers_credit_their_paragraph_and_are_not_quoted(seed: ProcessedArticle) -> None:
    by_text = quotes(seed)
    sullivan = next(t for t in by_text if t.startswith("وقال مستشار الأمن القومي الأمريكي جيك سوليفان"))
    assert by_text[sullivan] == "AP"
    described = next(t for t in by_text if t.startswith("ووصف الكرملين المناقشة"))
    assert by_text[described] == "Moscowtimes (موسكو تايمز)"
    assert by_text[next(t for t in by_text if t.startswith("لذلك، فإن روسيا"))] == "kremlin.ru (الكرملين)"
    tass = {s for t, s in by_text.items() if t.startswith(("تركّزت", "ونقل أوشاكوف"))}
    assert tass == {"TASS (تاس الروسية)"}  # TASS1 and TASS2 are one outlet
    assert not any(marker in t for t in by_text for marker in ("TASS", "Moscowtimes", "kremlin.ru", '" AP"'))
    unmarked = next(t for t in by_text if t.startswith("هيمنت قضية أوكرانيا"))
    assert by_text[unmarked] == "ليفانت نيوز"


def test_seed_tweet_is_credited_to_its_account_without_the_picture_link(seed: ProcessedArticle) -> None:
    tweet = {t: s for t, s in quotes(seed).items() if t.startswith("Байден")}
    assert set(tweet.values()) == {"Кремлевский пул РИА (@Kremlinpool_RIA)"}
    assert not any("pic.twitter.com" in t for t in quotes(seed))
    assert not any("December 7, 2021" in t for t in quotes(seed))


def test_seed_chrome_and_headings_are_not_answers(seed: ProcessedArticle) -> None:
    texts = list(quotes(seed))
    for chrome in ("اقرأ المزيد", "اشترك في قائمتنا", "العلامات", "قد تحب أيضا", "إعداد وتحرير", "ليفانت نيوز _"):
        assert not any(chrome in t for t in texts), chrome
    assert "ضمانات قانونية" not in texts and "علاقات ثنائية" not in texts
    sections = {s.section for s in seed.sentences}
    assert {"ضمانات قانونية", "علاقات ثنائية", "نسخة البيت الأبيض"} <= sections


def test_every_seed_sentence_is_verbatim(seed: ProcessedArticle) -> None:
    text = SEED.read_text(encoding="utf-8")
    for sentence in seed.sentences:
        assert seed.record.text[sentence.start : sentence.end] in text


def test_page_with_front_matter_byline_tags_and_sources_prefix() -> None:
    [article] = load(PAGES / "reuters_style.md")
    assert article.title == "مصر تفتتح محطة جديدة لتحلية المياه في العلمين"
    assert article.author == "سارة الحسيني"
    assert article.sources == ("رويترز", "الجزيرة", "صحيفة الوادي")
    by_text = quotes(article)
    assert by_text["وقال الوزير إن المحطة ستخدم أكثر من 400 ألف نسمة."] == "Reuters (رويترز)"
    assert by_text["أوضح المتحدث باسم الوزارة أن شركة المقاولون العرب نفذت المشروع خلال 18 شهراً."] == "Aljazeera (الجزيرة)"
    assert any("2.5 مليار جنيه" in t and "mhuc.gov.eg" in t for t in by_text)
    assert not any("اقرأ أيضاً" in t or "الوسوم" in t or "شارك" in t for t in by_text)


def test_page_with_tweet_heading_question_and_newsletter() -> None:
    [article] = load(PAGES / "tweet_newsletter.txt")
    assert article.title.startswith("الأمم المتحدة تحذر")
    assert article.author == "كريم منصور"
    by_text = quotes(article)
    assert by_text["Millions need help now."] == "UN News (@UN_News_Centre)"
    assert "هل يتحرك المانحون قبل فوات الأوان؟" in by_text
    assert not any("اشترك" in t or "المجتمع" in t for t in by_text)


def test_english_wire_page() -> None:
    [article] = load(PAGES / "english_wire.txt")
    assert article.title == "Central bank holds interest rates steady for third month"
    assert article.author == "Dana White"
    by_text = quotes(article)
    assert by_text['Gov. J. Smith said the bank was "not yet ready" to cut rates.'] == "AP"
    assert not any(t.startswith("Read more") or t == "Tags" for t in by_text)


def test_json_articles_keep_their_fields_and_offsets_into_content() -> None:
    articles = load(PAGES / "saudi_style.json")
    assert [a.title for a in articles] == ["افتتاح مستشفى الملك فهد الجديد في جدة", "ارتفاع درجات الحرارة في الرياض"]
    first = articles[0]
    assert first.record.publisher == "okaz" and first.record.published == "2015-07-21 02:51:32"
    assert first.record.url.startswith("http://www.okaz.com.sa/")
    for sentence in first.sentences:
        assert first.record.text[sentence.start : sentence.end] in first.record.text


@pytest.mark.parametrize(
    "marker, names, expected",
    [
        ("TASS1", ["تاس الروسية", "AP"], "تاس الروسية"),
        ("Moscowtimes", ["موسكو تايمز"], "موسكو تايمز"),
        ("kremlin.ru", ["البيت الأبيض", "الكرملين"], "الكرملين"),
        ("Reuters", ["رويترز"], "رويترز"),
        ("AP", ["AP"], "AP"),
        ("BBC", ["رويترز", "الجزيرة"], None),
    ],
)
def test_markers_match_footer_names_across_scripts(marker: str, names: list[str], expected: str | None) -> None:
    assert match_marker(marker, names) == expected


def test_names_share_a_skeleton_across_scripts() -> None:
    assert skeleton("Sullivan") == skeleton("سوليفان")
    assert skeleton("Ushakov") == skeleton("أوشاكوف")
    assert skeleton("Kremlin") == skeleton("الكرملين")
