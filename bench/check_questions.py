"""Check an archive question set against SaudiNewsNet: every rule its README states, per row.

Usage: python bench/check_questions.py [bench/archive_v2.jsonl]   (reads ../shared/data/saudinewsnet)

For an answerable row: each url is an archive article holding the answer text; the sentence is
verbatim in the first one and holds the answer; an Arabic question shares no three consecutive words
with its sentence; and the sentence's position among the article's indexed sentences (0: the first).
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
from index.tokens import normalize, words  # noqa: E402


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
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "bench" / "archive_v2.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    articles = saudi_articles()
    by_url: dict[str, dict] = {}
    for article in articles:
        by_url.setdefault(article["url"], article)
    failures, positions = 0, []
    for number, row in enumerate(rows, 1):
        broken, position = check_row(row, by_url)
        if row.get("answer") is None:
            for name in row.get("absent") or []:
                held = sum(1 for a in articles if normalize(name) in normalize(a["title"] + " " + a["content"]))
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
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
