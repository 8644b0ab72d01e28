"""A saved web page (HTML bytes) → one article record: the extracted text and the page's metadata. Pure.

trafilatura finds the article body without the page chrome, the title, author and outlet; the date and
the canonical link are read here, because trafilatura keeps a date without its time or time zone.
The extracted text (paragraphs one a line) is the article text that every quote's offsets point into;
citation markers, datelines, bylines and speakers are then read from it as from any text page.
"""
from __future__ import annotations

import codecs
import json
import re
from typing import Iterator
from urllib.parse import urljoin, urlparse

import lxml.html
import trafilatura
from lxml import etree

from index.articles import ArticleError, ArticleRecord
from index.cleaning import BYLINE_WORDS
from index.dates import iso_timestamp, text_timestamp

HTML_SUFFIXES = (".html", ".htm")
CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.I)
BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# Where a page was saved from: the mark browsers put in saved pages, and SingleFile's header.
SAVED_FROM = re.compile(r"<!--\s*saved from url=\(\d+\)\s*(\S+?)\s*-->|<!--\s*Page saved with SingleFile\s+url:\s*(\S+)", re.I)
DATE_METAS = (
    "article:published_time", "og:article:published_time", "og:published_time", "datepublished",
    "pubdate", "publishdate", "publish-date", "publish_date", "dc.date.issued", "dcterms.issued",
    "dcterms.created", "dc.date", "date", "sailthru.date", "parsely-pub-date", "article.published",
)
ARTICLE_TYPES = {"newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle", "blogposting", "report"}
DATE_CLASS = re.compile(r"date|time|publish|posted|byline|meta", re.I)
NOT_PUBLISHED_CLASS = re.compile(r"today|now|current|update|modif|comment|weather|prayer", re.I)
FORM_CONTROLS = ("input", "textarea", "select", "button", "label", "option")
TITLE_SEPARATOR = re.compile(r"\s+(?:[|\-–—:·•]|::)\s+|\s*\|\s*")
MAX_SITE_WORDS = 5
BYLINE_PREFIX = re.compile(rf"^\s*{BYLINE_WORDS}\s*[:：\-–]?\s*", re.I)


def decode_html(data: bytes) -> str:
    """The page's text in the character set it declares (UTF-8 when it declares none)."""
    if not data.strip():
        raise ArticleError("empty file")
    encoding = next((name for bom, name in BOMS if data.startswith(bom)), None)
    if encoding is None and b"\x00" in data:
        raise ArticleError("binary file (contains NUL bytes), not a web page")
    declared = CHARSET.search(data[:4096])
    encoding = encoding or (declared.group(1).decode("ascii") if declared else "utf-8")
    try:
        return data.decode(encoding)
    except LookupError:
        raise ArticleError(f"the page declares an unknown character set {encoding!r}") from None
    except UnicodeDecodeError as error:
        raise ArticleError(f"not valid {encoding} (invalid byte 0x{data[error.start]:02x} at offset {error.start})") from None


def _tree(page: str) -> lxml.html.HtmlElement:
    try:
        return lxml.html.document_fromstring(page.encode("utf-8"), parser=lxml.html.HTMLParser(encoding="utf-8"))
    except (etree.ParserError, ValueError) as error:
        raise ArticleError(f"not a readable web page: {error}") from None


def saved_from_mark(url: str) -> str:
    """The mark a browser puts at the top of a page it saves (the number is the address's length)."""
    return f"<!-- saved from url=({len(url):04d}){url} -->"


def saved_from(page: str) -> str | None:
    """The address a saved page records for itself (`<!-- saved from url=(0042)https://… -->`)."""
    match = SAVED_FROM.search(page[:8192])
    return (match.group(1) or match.group(2)) if match else None


def _web_url(url: str | None, base: str | None) -> str | None:
    """An absolute http(s) address, relative ones resolved against the page's own."""
    if not url:
        return None
    absolute = urljoin(base or "", url.strip())
    parsed = urlparse(absolute)
    return absolute if parsed.scheme in ("http", "https") and parsed.netloc else None


def _metas(tree: lxml.html.HtmlElement) -> dict[str, str]:
    """Meta tag contents by their name, property or itemprop (lower-cased), the first of each."""
    found: dict[str, str] = {}
    for meta in tree.iter("meta"):
        name = meta.get("property") or meta.get("name") or meta.get("itemprop")
        content = meta.get("content")
        if name and content and content.strip():
            found.setdefault(name.strip().lower(), content.strip())
    return found


def canonical_url(tree: lxml.html.HtmlElement, metas: dict[str, str], address: str | None) -> str | None:
    """The article's own link: rel=canonical, else og:url, else where the page was saved from."""
    base = _web_url(metas.get("og:url"), address) or address
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split():
            found = _web_url(link.get("href"), base)
            if found:
                return found
    return _web_url(metas.get("og:url"), address) or _web_url(address, None)


def _json_ld_objects(tree: lxml.html.HtmlElement) -> Iterator[dict]:
    """Every object in the page's JSON-LD blocks, nested @graph lists included; broken blocks skipped."""
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "")
        except json.JSONDecodeError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(reversed(item))
            elif isinstance(item, dict):
                yield item
                stack.extend(v for v in item.values() if isinstance(v, (dict, list)))


def _json_ld_date(tree: lxml.html.HtmlElement) -> str | None:
    """datePublished of the page's article object (or of any object when no article type says it)."""
    dated = [o for o in _json_ld_objects(tree) if isinstance(o.get("datePublished"), str)]
    types = lambda o: {str(t).lower() for t in (o.get("@type") if isinstance(o.get("@type"), list) else [o.get("@type")])}  # noqa: E731
    dated.sort(key=lambda o: not (types(o) & ARTICLE_TYPES))
    return next((d for d in (iso_timestamp(o["datePublished"]) for o in dated) if d), None)


def _time_element_date(tree: lxml.html.HtmlElement) -> str | None:
    """A published date in element attributes: itemprop=datePublished, else the first <time datetime>."""
    for element in tree.xpath('//*[@itemprop="datePublished"]'):
        found = iso_timestamp(element.get("content") or element.get("datetime") or "")
        if found:
            return found
    for element in tree.iter("time"):
        found = iso_timestamp(element.get("datetime") or "")
        if found:
            return found
    return None


def _shown_date(tree: lxml.html.HtmlElement) -> str | None:
    """A date as the page shows it to readers, in a <time> or a date-like element (not today's date)."""
    candidates = list(tree.iter("time")) + [
        e for e in tree.iter() if isinstance(e.tag, str) and DATE_CLASS.search(f"{e.get('class', '')} {e.get('id', '')}")
    ]
    for element in candidates:
        marks = f"{element.get('class', '')} {element.get('id', '')}"
        if NOT_PUBLISHED_CLASS.search(marks):
            continue
        found = text_timestamp(" ".join(element.itertext())[:300])
        if found:
            return found
    return None


def published_date(tree: lxml.html.HtmlElement, metas: dict[str, str]) -> str | None:
    """The publication date, from the most to the least explicit place a page gives it."""
    given = (metas[name] for name in DATE_METAS if name in metas)
    from_metas = next((d for d in (iso_timestamp(v) or text_timestamp(v) for v in given) if d), None)
    return _json_ld_date(tree) or from_metas or _time_element_date(tree) or _shown_date(tree)


def _without_form_controls(tree: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    """The tree without form fields and their labels, which extractors misread as bylines.

    Forms themselves stay: ASP.NET sites wrap the whole page, article included, in one.
    """
    for element in list(tree.iter(*FORM_CONTROLS)):
        element.drop_tree()
    return tree


def _author(name: str | None, publisher: str | None) -> str | None:
    """A byline name without its "بقلم:" / "كتب" lead; None when it only repeats the outlet."""
    if not name:
        return None
    name = BYLINE_PREFIX.sub("", name).strip(" :-–|")
    return name if name and name != publisher else None


def _plain(text: str) -> str:
    return " ".join(text.split()).casefold()


def tidy_title(title: str | None, publisher: str | None, tree: lxml.html.HtmlElement) -> str | None:
    """The headline without the site's name around it (`… | رويترز`, `BBC News عربي - …`).

    The page's one <h1> is the headline when the title is it plus a short segment; else a segment that
    is the outlet's name is dropped.
    """
    if not title:
        return None
    title = " ".join(title.split())
    headings = [" ".join(h.text_content().split()) for h in tree.iter("h1")]
    if len(headings) == 1 and headings[0] and headings[0] != title and headings[0] in title:
        rest = [p for p in TITLE_SEPARATOR.split(title.replace(headings[0], "\x00")) if p.strip(" \x00")]
        if len(rest) == 1 and len(rest[0].split()) <= MAX_SITE_WORDS:
            return headings[0]
    parts = TITLE_SEPARATOR.split(title)
    if publisher and len(parts) > 1:
        if _plain(parts[-1]) == _plain(publisher):
            return title[: title.rindex(parts[-1])].rstrip(" |-–—:·•")
        if _plain(parts[0]) == _plain(publisher):
            return title[len(parts[0]) :].lstrip(" |-–—:·•")
    return title


def _body_lines(text: str, title: str | None) -> str:
    """The extracted text as trimmed lines, a first line repeating the title dropped."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if lines and title and lines[0] == title.strip():
        lines = lines[1:]
    return "\n".join(lines)


def _publisher(sitename: str | None, url: str | None) -> str | None:
    if sitename:
        return sitename.strip()
    host = urlparse(url).hostname if url else None
    return host.removeprefix("www.") if host else None


def parse_html(data: bytes, key: str) -> ArticleRecord:
    """The article of a saved web page; ArticleError when the page holds none (a front page, an error page)."""
    page = decode_html(data)
    tree = _tree(page)
    metas = _metas(tree)
    address = saved_from(page)
    url = canonical_url(tree, metas, address)
    published = published_date(tree, metas)
    language = (tree.get("lang") or "").split("-")[0].lower() or None
    extracted = trafilatura.bare_extraction(
        _without_form_controls(tree), url=url or address, with_metadata=True, include_comments=False,
        include_tables=False, favor_precision=True, deduplicate=False,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    if extracted is None or not (extracted.text or "").strip():
        raise ArticleError("no article found in the page (is it a front page, a list of links or an error page?)")
    publisher = _publisher(extracted.sitename, url)
    title = tidy_title(extracted.title, publisher, tree)
    return ArticleRecord(
        key=key,
        text=_body_lines(extracted.text, title),
        title=title,
        publisher=publisher,
        author=_author(extracted.author, publisher),
        url=url,
        published=published or extracted.date,
        language=language,
    )
