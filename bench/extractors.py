"""Article extractors on the saved-page fixtures: which gets title, date and body right, and how much chrome leaks.

    python bench/extractors.py        (needs `pip install -e '.[bench]'` for readability-lxml and jusText)

Truth (bench/extractor_truth.json): each page's title, its publication date in the page's own zone, and
a phrase from each story paragraph, read by hand from the HTML. Chrome: strings from the pages' menus,
related boxes, widgets, comment forms, share bars and footers that must not reach the body.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Callable, NamedTuple

import lxml.html

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.html_pages import decode_html, parse_html  # noqa: E402
from index.pipeline import process  # noqa: E402

PAGES = ROOT / "tests" / "fixtures" / "pages"
TRUTH = json.loads((ROOT / "bench" / "extractor_truth.json").read_text(encoding="utf-8"))
CHROME = ["الأكثر قراءة", "اقرأ أيضاً", "أخبار ذات صلة", "قد يعجبك", "المزيد من رويترز", "أحدث المقالات", "اشترك",
          "جميع الحقوق محفوظة", "حقوق النشر", "أضف تعليق", "اترك تعليقاً", "التعليقات", "الاسم", "إرسال التعليق",
          "شارك المقال", "شارك على", "فيسبوك", "واتساب", "غرّد", "ملفات تعريف الارتباط", "مواقيت الصلاة", "الطقس",
          "طباعة", "استفتاء", "الرئيسية", "رياضة", "تسجيل الدخول", "الوسوم", "مبادئ الثقة", "مشاهدة",
          "دقائق القراءة", "شروط الاستخدام", "© 2024", "الأمطار الغزيرة", "أبو أحمد", "لن يتم نشر"]


class Extracted(NamedTuple):
    title: str | None
    published: str | None
    body: str
    author: str | None = None
    url: str | None = None


def isnad(data: bytes) -> Extracted:
    record = parse_html(data, "page.html")
    return Extracted(record.title, record.published, record.text, process(record).author, record.url)


def trafilatura_alone(data: bytes, **options: object) -> Extracted:
    """trafilatura's own body and metadata, without Isnad's date, link and form-field handling."""
    import trafilatura

    document = trafilatura.bare_extraction(decode_html(data), with_metadata=True, **options)
    if document is None:
        return Extracted(None, None, "")
    return Extracted(document.title, document.date, document.text or "", document.author, document.url)


def readability(data: bytes) -> Extracted:
    from readability import Document

    document = Document(decode_html(data))
    summary = lxml.html.fromstring(document.summary(html_partial=True))
    blocks = [" ".join(e.text_content().split()) for e in summary.iter("p", "h1", "h2", "h3", "li", "td")]
    return Extracted(document.short_title(), None, "\n".join(b for b in blocks if b))


def justext_paragraphs(data: bytes, **thresholds: float) -> Extracted:
    import justext

    paragraphs = justext.justext(decode_html(data).encode("utf-8"), justext.get_stoplist("Arabic"), encoding="utf-8",
                                 **thresholds)
    return Extracted(None, None, "\n".join(p.text for p in paragraphs if not p.is_boilerplate))


def justext_short_paragraphs(data: bytes) -> Extracted:
    """With its defaults no paragraph under 200 characters is "good", and news paragraphs are mostly shorter."""
    return justext_paragraphs(data, length_low=50, length_high=100)


EXTRACTORS: dict[str, Callable[[bytes], Extracted]] = {
    "Isnad (trafilatura, precision, + own date and link)": isnad,
    "trafilatura alone, Isnad's options": lambda data: trafilatura_alone(
        data, include_comments=False, include_tables=False, favor_precision=True),
    "trafilatura alone, default options": trafilatura_alone,
    "readability-lxml 0.9": readability,
    "jusText 3 (Arabic stoplist)": justext_paragraphs,
    "jusText 3, length thresholds 50/100": justext_short_paragraphs,
}


def measure(extract: Callable[[bytes], Extracted]) -> dict[str, object]:
    titles = dates = zoned = found = paragraphs = authors = links = 0
    leaks: list[str] = []
    for name in TRUTH:  # imports and first-call set-up (dateparser's locales) are not timed
        extract((PAGES / name).read_bytes())
    started = time.perf_counter()
    for name, truth in TRUTH.items():
        got = extract((PAGES / name).read_bytes())
        body = " ".join(got.body.split())
        titles += (got.title or "").strip() == truth["title"]
        dates += (got.published or "")[:10] == truth["published"][:10]
        zoned += got.published == truth["published"]
        authors += got.author == truth["author"]
        links += got.url == truth["url"]
        found += sum(phrase in body for phrase in truth["paragraphs"])
        leaks += [f"{name}: missed «{p}»" for p in truth["paragraphs"] if p not in body]
        paragraphs += len(truth["paragraphs"])
        leaks += [f"{name}: {c}" for c in CHROME if c in body]
    elapsed = (time.perf_counter() - started) * 1000 / len(TRUTH)
    return {"titles": titles, "authors": authors, "links": links, "dates": dates, "zoned": zoned, "found": found, "paragraphs": paragraphs,
            "leaks": [x for x in leaks if "missed" not in x], "missed": [x for x in leaks if "missed" in x], "ms": elapsed}


def main() -> None:
    pages = len(TRUTH)
    print("| extractor | title | author | link | date (page's day) | date with time and zone | story paragraphs found"
          " | chrome strings leaked | ms a page |")
    print("|---|---|---|---|---|---|---|---|---|")
    for label, extract in EXTRACTORS.items():
        m = measure(extract)
        print(f"| {label} | {m['titles']}/{pages} | {m['authors']}/{pages} | {m['links']}/{pages} | {m['dates']}/{pages} | {m['zoned']}/{pages} | "
              f"{m['found']}/{m['paragraphs']} | {len(m['leaks'])} | {m['ms']:.0f} |")
        for leak in m["leaks"]:
            print(f"|   leaked: {leak} | | | | | | | | |")
        for missed in m["missed"] if m["found"] else []:
            print(f"|   {missed} | | | | | | | | |")


if __name__ == "__main__":
    main()
