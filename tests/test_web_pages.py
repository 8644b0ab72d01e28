"""Saved web pages: what is read from five outlet shapes, and the CLI views of it (`isnad articles`, `isnad show`)."""
from __future__ import annotations

import html
import io
import json
import shutil
import zipfile
from datetime import datetime
from pathlib import Path

import lxml.html
import pytest
from conftest import PAGES, Isnad
from hypothesis import given, settings
from hypothesis import strategies as st

from index.articles import ArticleError, parse_bytes
from index.cleaning import page_lines
from index.dates import iso_timestamp, text_timestamp
from index.html_pages import decode_html, tidy_title
from index.pipeline import ProcessedArticle, process
from index.store import Store
from index.sync import sync_corpus

ARABIC_TEXT = "ابتثجحخدذرزسشصضطظعغفقكلمنهويىةأإآ .،؟\n" + "مارس آذار كانون الثاني بتوقيت مكة (واس) - "
WEB_PAGES = ["cnn_damascus.html", "reuters_cairo.html", "spa_riyadh.html", "levant_beirut.html", "okaz_windows1256.html"]
# What a reader sees on each page, written down by hand.
EXPECTED = {
    "cnn_damascus.html": {
        "title": "سوريا تعيد فتح معبر نصيب الحدودي أمام حركة الشاحنات", "publisher": "CNN Arabic",
        "author": "هبة فاروق", "published": "2024-03-12T09:40:00+00:00",
        "url": "https://arabic.cnn.com/middle-east/article/2024/03/12/syria-nasib-crossing-trucks",
        "first": "أعلنت السلطات السورية، الثلاثاء،", "last": "من جهتها، رحبت غرفة تجارة عمّان", "paragraphs": 5,
    },
    "reuters_cairo.html": {  # the page's own zone (+02:00) keeps the 23rd; in UTC it would be the 22nd
        "title": "مصر ترفع أسعار البنزين والسولار للمرة الثانية هذا العام", "publisher": "Reuters",
        "author": "إيهاب فاروق", "published": "2024-03-23T00:30:00+02:00",
        "url": "https://www.reuters.com/business/egypt-fuel-prices-2024-03-22/",  # relative canonical, resolved
        "first": "رفعت مصر يوم الجمعة أسعار البنزين", "last": "ويواجه المصريون موجة غلاء", "paragraphs": 5,
    },
    "spa_riyadh.html": {  # only a date shown to readers: Arabic-Indic digits, month name, 12-hour clock, Mecca time
        "title": "إطلاق برنامج لزراعة مليون شجرة في منطقة حائل", "publisher": "صحيفة الرياض",
        "author": None, "published": "2024-03-28T23:45:00+03:00", "url": "https://www.alriyadh.com/2071234",
        "first": "أطلق أمير منطقة حائل اليوم", "last": "وأكد أمير المنطقة أن المشاركة المجتمعية", "paragraphs": 4,
    },
    "levant_beirut.html": {  # Levantine month name and GMT+2 in a <time> without datetime; byline in the body
        "title": "لبنان: خطة طوارئ لتأمين الكهرباء في فصل الشتاء", "publisher": "ليفانت نيوز",
        "author": "ريم الخطيب", "published": "2024-01-15T18:40:00+02:00",
        "url": "https://www.levant24.net/news/lebanon-electricity-winter-plan/",
        "first": "أقرت الحكومة اللبنانية خطة طوارئ", "last": "وكان لبنان يعاني منذ عام 2021", "paragraphs": 5,
    },
    "okaz_windows1256.html": {  # windows-1256, table layout, Dublin Core date, no link on the page
        "title": "منظمة الصحة العالمية تحذر من موجة حصبة جديدة في 20 دولة", "publisher": "صحيفة عكاظ",
        "author": "خالد العتيبي", "published": "2024-02-05", "url": None,
        "first": "حذرت منظمة الصحة العالمية من أن أكثر من نصف", "last": "وأشار التقرير إلى أن الحصبة", "paragraphs": 4,
    },
}
# Page chrome the fixtures carry: menus, related boxes, widgets, comment forms, share bars, footers.
CHROME = ["الأكثر قراءة", "اقرأ أيضاً", "أخبار ذات صلة", "قد يعجبك", "المزيد من رويترز", "أحدث المقالات",
          "اشترك", "جميع الحقوق محفوظة", "حقوق النشر", "أضف تعليق", "اترك تعليقاً", "التعليقات", "الاسم",
          "إرسال التعليق", "شارك المقال", "شارك على", "فيسبوك", "واتساب", "غرّد",
          "ملفات تعريف الارتباط", "مواقيت الصلاة", "الطقس", "طباعة", "استفتاء", "الرئيسية", "رياضة",
          "تسجيل الدخول", "الوسوم", "مبادئ الثقة", "مشاهدة", "دقائق القراءة", "شروط الاستخدام", "© 2024"]


def read_page(name: str) -> ProcessedArticle:
    [record] = parse_bytes((PAGES / name).read_bytes(), name, name)
    return process(record)


@pytest.fixture(scope="module")
def pages() -> dict[str, ProcessedArticle]:
    return {name: read_page(name) for name in WEB_PAGES}


def sentences_by_text(article: ProcessedArticle) -> dict[str, str | None]:
    return {article.record.text[s.start : s.end]: s.source for s in article.sentences}


@pytest.mark.parametrize("name", WEB_PAGES)
def test_title_date_link_outlet_and_author(pages: dict, name: str) -> None:
    article, expected = pages[name], EXPECTED[name]
    assert article.title == expected["title"]
    assert article.record.publisher == expected["publisher"]
    assert article.author == expected["author"]
    assert article.record.published == expected["published"]
    assert article.record.url == expected["url"]


@pytest.mark.parametrize("name", WEB_PAGES)
def test_body_paragraphs_without_page_chrome(pages: dict, name: str) -> None:
    article, expected = pages[name], EXPECTED[name]
    quoted = list(sentences_by_text(article))
    assert quoted[0].startswith(expected["first"]) and quoted[-1].startswith(expected["last"])
    assert len({s.paragraph for s in article.sentences}) == expected["paragraphs"]
    for chrome in CHROME:
        assert not any(chrome in quote for quote in quoted), chrome
    assert expected["title"] not in article.record.text  # the title is metadata, not a quotable line


def test_lines_of_the_extracted_text_left_unquoted_are_headings_bylines_credits_and_footers(pages: dict) -> None:
    for name, article in pages.items():
        lines = page_lines(article.record.text)
        left = [line.text for line in lines
                if not any(s.start < line.end and line.start < s.end for s in article.sentences)]
        expected = {"reuters_cairo.html": ["(شارك في التغطية محمد عبد اللطيف - إعداد محمد علي للنشرة العربية - تحرير سها جادو)"],
                    "levant_beirut.html": ["إعداد وتحرير: ريم الخطيب", "تمويل الخطة",
                                           "— وزارة الطاقة والمياه (@MoEWLebanon) January 15, 2024",
                                           "ليفانت نيوز _ وكالة الصحافة الفرنسية _ النهار _ وزارة الطاقة"],
                    "cnn_damascus.html": ["تجارة الترانزيت"]}.get(name, [])
        assert left == expected, name


@pytest.mark.parametrize("name", WEB_PAGES)
def test_quotes_are_verbatim_spans_of_the_extracted_text_and_of_the_page(pages: dict, name: str) -> None:
    article = pages[name]
    visible = html.unescape(decode_html((PAGES / name).read_bytes()))
    for sentence in article.sentences:
        quote = article.record.text[sentence.start : sentence.end]
        assert quote and quote == quote.strip() and quote in visible


def test_datelines_credit_the_story_to_their_agency_and_are_not_quoted(pages: dict) -> None:
    for name, agency in [("cnn_damascus.html", "CNN"), ("reuters_cairo.html", "رويترز"),
                         ("spa_riyadh.html", "واس"), ("okaz_windows1256.html", "أ ف ب")]:
        by_text = sentences_by_text(pages[name])
        assert set(by_text.values()) == {agency}, name
        assert not any(f"({agency})" in t for t in by_text), name


def test_markers_tweets_and_the_footer_work_as_on_text_pages(pages: dict) -> None:
    levant = pages["levant_beirut.html"]
    by_text = sentences_by_text(levant)
    assert levant.sources == ("ليفانت نيوز", "وكالة الصحافة الفرنسية", "النهار", "وزارة الطاقة")
    assert by_text[next(t for t in by_text if t.startswith("أقرت الحكومة"))] == "AFP"
    assert by_text[next(t for t in by_text if t.startswith("وقال وزير الطاقة"))] == "Annahar (النهار)"
    assert by_text[next(t for t in by_text if t.startswith("الكهرباء ليست ترفاً"))] == "وزارة الطاقة والمياه (@MoEWLebanon)"
    assert by_text[next(t for t in by_text if t.startswith("وكان لبنان"))] == "ليفانت نيوز"
    assert not any(marker in t for t in by_text for marker in ('"AFP"', "pic.twitter.com", "إعداد وتحرير"))
    speakers = {levant.record.text[s.start : s.end][:12]: s.speaker for s in levant.sentences}
    assert speakers["وقال وزير ال"] == "وزير الطاقة"


def test_a_text_page_with_datelines_is_credited_the_same_way(tmp_path: Path) -> None:
    page = ("موجة حر تضرب جنوب أوروبا وتشعل حرائق الغابات\n"
            "روما (رويترز) - سجلت درجات الحرارة في جنوب إيطاليا 46 درجة مئوية يوم الاثنين.\n"
            "وقال الدفاع المدني إن فرقه أخمدت 30 حريقاً في صقلية.\n"
            "أثينا - أ ف ب: أغلقت السلطات اليونانية موقع الأكروبوليس في ساعات الظهيرة.\n"
            "وتتوقع الأرصاد استمرار الموجة حتى نهاية الأسبوع. (الأناضول)\n")
    [record] = parse_bytes(page.encode("utf-8"), "heat.txt", "heat.txt")
    credits = [(record.text[s.start : s.end][:10], s.source) for s in process(record).sentences]
    assert credits == [("سجلت درجات", "رويترز"), ("وقال الدفا", "رويترز"), ("أغلقت السل", "أ ف ب"),
                       ("وتتوقع الأ", "الأناضول")]


def test_a_page_with_no_article_a_binary_file_or_a_bad_charset_is_refused_with_a_reason() -> None:
    with pytest.raises(ArticleError, match="no article found"):
        list(parse_bytes((PAGES / "front_page.html").read_bytes(), "front.html", "front.html"))
    with pytest.raises(ArticleError, match="binary"):
        list(parse_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image.htm", "image.htm"))
    with pytest.raises(ArticleError, match="unknown character set"):
        list(parse_bytes(b'<meta charset="klingon-8"><p>x</p>', "x.html", "x.html"))
    with pytest.raises(ArticleError, match="not valid utf-8"):
        list(parse_bytes("<p>صفحة</p>".encode("cp1256"), "x.html", "x.html"))


def test_html_members_of_a_zip_are_articles_and_a_bad_one_is_skipped(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(PAGES / "cnn_damascus.html", "2024/cnn.html")
        archive.write(PAGES / "okaz_windows1256.html", "2024/okaz.htm")
        archive.write(PAGES / "front_page.html", "2024/front.html")
    (corpus / "saved.zip").write_bytes(buffer.getvalue())
    store = Store(tmp_path / "index.sqlite")
    report = sync_corpus(store, corpus)
    assert report.articles == 2
    assert [(p.where, p.reason[:19]) for p in report.problems] == [("saved.zip!2024/front.html", "no article found in")]
    titles = {a["id"]: a["title"] for a in store.article_listing()}
    assert titles == {"saved.zip!2024/cnn.html": EXPECTED["cnn_damascus.html"]["title"],
                      "saved.zip!2024/okaz.htm": EXPECTED["okaz_windows1256.html"]["title"]}


@pytest.mark.parametrize(("title", "publisher", "headings", "headline"), [
    ("مصر ترفع أسعار البنزين | رويترز", "Reuters", ["مصر ترفع أسعار البنزين"], "مصر ترفع أسعار البنزين"),
    ("مصر ترفع أسعار البنزين - BBC News عربي", "BBC News عربي", [], "مصر ترفع أسعار البنزين"),
    ("BBC News عربي - مصر ترفع أسعار البنزين", "bbc news عربي", [], "مصر ترفع أسعار البنزين"),
    ("لبنان: خطة طوارئ لتأمين الكهرباء", "ليفانت نيوز", [], "لبنان: خطة طوارئ لتأمين الكهرباء"),
    ("قمة - نتائج - آمال", "ليفانت نيوز", ["قمة", "نتائج"], "قمة - نتائج - آمال"),  # two <h1>: left as it is
])
def test_the_site_name_is_taken_off_the_title(title: str, publisher: str, headings: list[str], headline: str) -> None:
    tree = lxml.html.fromstring("<html><body>" + "".join(f"<h1>{h}</h1>" for h in headings) + "<p>.</p></body></html>")
    assert tidy_title(title, publisher, tree) == headline


@pytest.mark.parametrize(("shown", "iso"), [
    ("الخميس ٢٠ رمضان ١٤٤٥هـ - ٢٨ مارس ٢٠٢٤م - ١١:٤٥ م (بتوقيت مكة المكرمة)", "2024-03-28T23:45:00+03:00"),
    ("١٥ كانون الثاني ٢٠٢٤ - ١٨:٤٠ (GMT+2)", "2024-01-15T18:40:00+02:00"),
    ("نُشر الثلاثاء، 12 مارس / آذار 2024", "2024-03-12"),
    ("10:05 ص الأحد 3 آب 2023", "2023-08-03T10:05:00"),
    ("آخر تحديث: 5 تشرين الأول 2023 الساعة 14:20 GMT", "2023-10-05T14:20:00+00:00"),
    ("14 جويلية 2022 على الساعة 9:30 مساءً بتوقيت أبوظبي", "2022-07-14T21:30:00+04:00"),
    ("14/03/2024 - 10:30 PM UTC-05:00", "2024-03-14T22:30:00-05:00"),
    ("الإثنين ٢٥ رجب ١٤٤٥ هـ", None),  # a Hijri date alone is not read as a Gregorian one
    ("31 فبراير 2024", None),
])
def test_dates_shown_to_readers(shown: str, iso: str | None) -> None:
    assert text_timestamp(shown) == iso


@pytest.mark.parametrize(("given", "iso"), [
    ("2024-03-23T00:30:00+0200", "2024-03-23T00:30:00+02:00"), ("2024-03-12T09:40:00Z", "2024-03-12T09:40:00+00:00"),
    ("2015-07-21 02:51:58", "2015-07-21T02:51:58"), ("2024-03-12", "2024-03-12"), ("٢٠٢٤-٠٣-١٢", "2024-03-12"),
    ("yesterday", None), ("0001-01-01", None),
])
def test_machine_readable_dates(given: str, iso: str | None) -> None:
    assert iso_timestamp(given) == iso


# -- the CLI views ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def indexed(tmp_path_factory) -> Isnad:
    root = tmp_path_factory.mktemp("web")
    (root / "corpus").mkdir()
    for name in WEB_PAGES + ["front_page.html", "reuters_style.md", "saudi_style.json"]:
        shutil.copy(PAGES / name, root / "corpus" / name)
    runner = Isnad(root / "corpus", root / "index.sqlite", ISNAD_DENSE="0")
    result = runner.run("index")
    assert "skipped front_page.html: no article found" in result.stderr
    return runner


def test_articles_lists_one_json_object_per_article(indexed: Isnad) -> None:
    lines = indexed.run("articles", "--json").stdout.splitlines()
    articles = {a["id"]: a for a in map(json.loads, lines)}
    assert set(articles) == set(WEB_PAGES) | {"reuters_style.md", "saudi_style.json#0", "saudi_style.json#1"}
    for name in WEB_PAGES:
        article = articles[name]
        assert list(article) == ["id", "title", "publisher", "author", "published", "url", "file", "sentences"]
        assert {k: article[k] for k in ("title", "publisher", "published", "url")} == {
            k: EXPECTED[name][k] for k in ("title", "publisher", "published", "url")}
        assert article["file"] == name and article["sentences"] >= EXPECTED[name]["paragraphs"]
    assert articles["reuters_style.md"]["published"] == "2024-03-14"
    assert articles["saudi_style.json#0"]["published"] == "2015-07-21T02:51:32"  # given as "2015-07-21 02:51:32"
    plain = indexed.run("articles").stdout.splitlines()
    assert len(plain) == len(lines) and any(EXPECTED["spa_riyadh.html"]["title"] in line for line in plain)


def test_show_gives_the_text_and_paragraphs_as_offsets_into_it(indexed: Isnad) -> None:
    [shown] = map(json.loads, indexed.run("show", "reuters_cairo.html", "--json").stdout.splitlines())
    assert shown["title"] == EXPECTED["reuters_cairo.html"]["title"] and shown["sources"] == ["رويترز"]
    text = shown["text"]
    assert [text[p["start"] : p["end"]][:20] for p in shown["paragraphs"]][0] == "رفعت مصر يوم الجمعة "
    for paragraph in shown["paragraphs"]:
        assert paragraph["source"] == "رويترز" and paragraph["section"] is None
        assert "\n" not in text[paragraph["start"] : paragraph["end"]] and text[paragraph["end"] :][:1] in ("\n", "")
    readable = indexed.run("show", "reuters_cairo.html").stdout
    assert "published: 2024-03-23T00:30:00+02:00" in readable and "[5] رويترز" in readable


def test_answers_from_web_pages_are_quoted_from_the_text_show_gives(indexed: Isnad) -> None:
    answer = indexed.ask("كم شاحنة يستقبل معبر نصيب يومياً؟")
    top = answer["passages"][0]
    assert "400 شاحنة" in top["text"] and top["source"] == "CNN"
    assert top["url"] == EXPECTED["cnn_damascus.html"]["url"] and top["published"] == "2024-03-12T09:40:00+00:00"
    [shown] = map(json.loads, indexed.run("show", top["article_id"], "--json").stdout.splitlines())
    assert shown["text"][top["start"] : top["end"]] == top["text"]
    speaker = indexed.ask("ماذا قال وزير الطاقة اللبناني عن الكهرباء؟")["passages"][0]
    assert speaker["speaker"] == "وزير الطاقة" and speaker["source"] == "Annahar (النهار)"


def test_show_of_an_unknown_id_is_one_line_and_exit_1(indexed: Isnad) -> None:
    result = indexed.run("show", "nothing.html", check=False)
    assert result.returncode == 1 and result.stderr.strip().splitlines() == [
        "isnad: no article with id 'nothing.html' (`isnad articles` lists them)"]


TAGS = ["<p>", "</p>", "<div class='date'>", "</div>", "<h1>", "</h1>", "<meta charset='cp1256'>", "<time>",
        "<script type='application/ld+json'>{\"datePublished\": \"2024-13-45\"", "</script>", "<br>", "<!--", "-->",
        "<link rel=canonical href='javascript:x'>", "<meta property='og:url' content='//x'>", "&amp;", "&#0;"]
html_pieces = st.lists(st.one_of(st.sampled_from(TAGS), st.text(alphabet=ARABIC_TEXT, max_size=80)), max_size=40)


@settings(max_examples=150, deadline=None)
@given(html_pieces)
def test_any_page_gives_an_article_with_verbatim_sentences_or_a_reason(pieces: list[str]) -> None:
    try:
        [record] = parse_bytes("".join(pieces).encode("utf-8"), "x.html", "x.html")
    except ArticleError as error:
        assert str(error)
        return
    assert record.url is None or record.url.startswith(("http://", "https://"))
    for sentence in process(record).sentences:
        assert 0 <= sentence.start < sentence.end <= len(record.text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ARABIC_TEXT + "٠١٢٣٤٥٦٧٨٩0123456789/:-+ GMTUCpm", max_size=120))
def test_any_shown_date_reads_as_iso_8601_or_not_at_all(text: str) -> None:
    found = text_timestamp(text)
    assert found is None or datetime.fromisoformat(found).year >= 1900


def test_the_new_commands_have_help(indexed: Isnad) -> None:
    for command in ("articles", "show"):
        assert "Usage:" in indexed.run(command, "--help").stdout
    assert "FILE_OR_URL..." in indexed.run("add", "--help").stdout
