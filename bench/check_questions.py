"""Check an archive question set against SaudiNewsNet: every rule its README states, per row.

Usage: python bench/check_questions.py [bench/archive_v2.jsonl] [--add-copies]
(reads ../shared/data/saudinewsnet)

For an answerable row: each url is an archive article holding the answer text; the sentence is
verbatim in the first one and holds the answer; an Arabic question shares no three consecutive words
with its sentence; every other paper's copy of the sentence that holds the answer is listed too (a
sentence sharing at least COPY of its tokens with it: the same wire story, a word changed here and
there; `--add-copies` appends those to the row's urls); and the sentence's position among the
article's indexed sentences (0: the first).
For an unanswerable row: how many articles hold each name it was checked against ("absent").
Prints the set's counts; exits 1 when a rule is broken.
"""
from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, require_shared_data, saudi_articles  # noqa: E402
from index.articles import record_from_json_object  # noqa: E402
from index.pipeline import process  # noqa: E402
from index.search import near_duplicate  # noqa: E402
from index.tokens import normalize, tokenize, words  # noqa: E402


def shared_runs(question: str, sentence: str, length: int = 3) -> list[str]:
    """Runs of `length` consecutive normalized words the question shares with the sentence."""
    asked, said = words(question), words(sentence)
    runs = {tuple(said[i : i + length]) for i in range(len(said) - length + 1)}
    return [" ".join(asked[i : i + length]) for i in range(len(asked) - length + 1) if tuple(asked[i : i + length]) in runs]


def sentence_position(article: dict, sentence: str) -> int | None:
    """Index of the indexed sentence holding the given text in the article (None: not found)."""
    record = record_from_json_object(article, article["url"])
    at = record.text.find(sentence)
    return next((i for i, s in enumerate(process(record).sentences) if s.start <= at < s.end), None)


COPY = 0.5  # token Jaccard from which another article's sentence is the same sentence


def unlisted_copies(row: dict, articles: list[dict], normalized: list[str]) -> list[str]:
    """Articles not in the row's urls with a sentence that holds the answer and copies the row's
    sentence (`normalized`: each article's normalized title and content)."""
    wanted, listed = normalize(row["answer"]), set(row.get("urls") or [])
    gold = frozenset(tokenize(row["sentence"] or ""))
    copies = []
    for article, content in zip(articles, normalized):
        if wanted not in content or article["url"] in listed or article["url"] in copies:
            continue
        record = record_from_json_object(article, article["url"])
        for sentence in process(record).sentences:
            text = record.text[sentence.start : sentence.end]
            if wanted in normalize(text) and near_duplicate(frozenset(tokenize(text)), gold, COPY):
                copies.append(article["url"])
                break
    return copies


def check_row(row: dict, by_url: dict[str, dict]) -> tuple[list[str], int | None]:
    """The rules a row breaks, and its sentence's position."""
    if row.get("answer") is None:
        return [], None
    broken, position = [], None
    wanted = normalize(row["answer"])
    for n, url in enumerate(row.get("urls") or []):
        article = by_url.get(url)
        if article is None:
            broken.append(f"url not in the archive: {url}")
            continue
        if wanted not in normalize(article["content"]):
            broken.append(f"answer not in {url}")
        if n == 0:
            if row["sentence"] not in article["content"]:
                broken.append("sentence not verbatim in the first url's article")
            else:
                position = sentence_position(article, row["sentence"])
    if not row.get("urls"):
        broken.append("no urls")
    if wanted not in normalize(row.get("sentence") or ""):
        broken.append("answer not in the sentence")
    if row["lang"] == "ar" and (runs := shared_runs(row["question"], row["sentence"] or "")):
        broken.append(f"shares three consecutive words with its sentence: {runs}")
    return broken, position


def main() -> None:
    require_shared_data()
    given = [a for a in sys.argv[1:] if not a.startswith("--")]
    path = Path(given[0]) if given else ROOT / "bench" / "archive_v2.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    articles = saudi_articles()
    by_url: dict[str, dict] = {}
    for article in articles:
        by_url.setdefault(article["url"], article)
    normalized = [normalize(a["title"] + " " + a["content"]) for a in articles]  # once: every row reads them all
    failures, positions, added = 0, [], 0
    for number, row in enumerate(rows, 1):
        broken, position = check_row(row, by_url)
        if row.get("answer") is not None and (copies := unlisted_copies(row, articles, normalized)):
            if "--add-copies" in sys.argv:
                row["urls"] = [*row["urls"], *copies]
                added += len(copies)
            else:
                broken.append(f"copies of the sentence not in urls: {copies}")
        if row.get("answer") is None:
            for name in row.get("absent") or []:
                held = sum(1 for text in normalized if normalize(name) in text)
                print(f"[{number}] unanswerable: {name!r} is in {held} articles")
        else:
            positions.append(position)
        for rule in broken:
            print(f"[{number}] {row['question']}: {rule}")
        failures += bool(broken)
    answerable = [r for r in rows if r.get("answer") is not None]
    print(f"{len(rows)} questions: {len(answerable)} answerable, {len(rows) - len(answerable)} unanswerable; "
          f"languages {dict(Counter(r['lang'] for r in rows))}; quotes {sum(r['kind'] == 'quote' for r in rows)}; "
          f"halves {dict(Counter(r.get('half') for r in rows))}")
    print(f"answer sentence not the article's first: {sum(1 for p in positions if p)}/{len(positions)}; "
          f"kinds {dict(Counter(r['kind'] for r in answerable))}")
    print(f"rows breaking a rule: {failures}")
    if added:
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        print(f"added {added} copies to the urls of {path}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
