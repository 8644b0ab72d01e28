"""Scale benchmark on SaudiNewsNet: Isnad at 10/50/100/300% of the archive, and at 100% the same
tokens in naive rank-bm25, rank-bm25 with candidate pruning, SQLite FTS5 (sqlite-utils) and tantivy.

Usage: python bench/run.py [--scales 0.1,0.5,1,3] [--naive-queries 60] [--out bench/results.md]
Reads ../shared/data (or $ISNAD_SHARED/data); skips cleanly without it. Asserts nothing about time.
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    ROOT,
    arcd_questions,
    disk_bytes,
    percentiles,
    require_shared_data,
    run_isnad,
    saudi_articles,
    write_corpus,
)
from bot.settings import defaults  # noqa: E402
from index.ranking import BM25Index, build_segment  # noqa: E402
from index.store import Store  # noqa: E402
from index.tokens import tokenize  # noqa: E402

QUESTION = "ماذا قال وزير الصحة عن فيروس كورونا؟"


def measure_scale(label: str, articles: list[dict], copies: int, workdir: Path, questions_file: Path) -> dict:
    corpus, db = workdir / label / "corpus", workdir / label / "index.sqlite"
    write_corpus(corpus, articles, copies)
    build_s, summary = run_isnad(corpus, db, "index")
    run_isnad(corpus, db, "ask", QUESTION)  # warm the OS cache
    cold_s, _ = run_isnad(corpus, db, "ask", QUESTION)
    probe = json.loads(subprocess.run(
        [sys.executable, str(ROOT / "bench" / "serving_probe.py"), str(corpus), str(db), str(questions_file)],
        capture_output=True, text=True, check=True, cwd=ROOT).stdout)
    extra = workdir / label / "new-100.jsonl"
    extra.write_text("".join(json.dumps({**a, "id": f"new-{n}", "title": f"{a.get('title')} ({n})"}, ensure_ascii=False) + "\n"
                             for n, a in enumerate(random.Random(1).sample(articles, 100))), encoding="utf-8")
    add_s, _ = run_isnad(corpus, db, "add", str(extra))
    _, after_add = run_isnad(corpus, db, "stats", "--json")
    return {"scale": label, "build_s": build_s, "summary": summary.strip(), "cold_start_s": cold_s,
            "add_100_s": add_s, "articles_after_add": json.loads(after_add)["articles"], "disk_mb": disk_bytes(db) / 2**20, **probe}


def live_add_seconds(corpus: Path, db: Path, article: dict, workdir: Path) -> float:
    """Seconds from `isnad add` returning until an already running service answers from the article."""

    from bot.service import AnswerService
    from bot.settings import load_settings

    service = AnswerService(load_settings().with_paths(corpus, db).override({"dense.enabled": False}))
    service.answer(QUESTION)  # loaded and serving
    marker = "زنجبيلستان"
    path = workdir / "live.json"
    path.write_text(json.dumps({**article, "id": "live-1", "title": f"خبر عاجل من {marker}",
                                "content": f"أعلنت بلدية {marker} افتتاح جسر جديد فوق النهر الكبير."}, ensure_ascii=False))
    run_isnad(corpus, db, "add", str(path))
    started = time.perf_counter()
    answered = service.answer(f"ماذا افتتحت بلدية {marker}؟").answered
    elapsed = time.perf_counter() - started
    service.close()
    return elapsed if answered else float("inf")


def time_queries(search, queries: list[list[str]]) -> tuple[float, float]:
    durations = []
    for query in queries:
        started = time.perf_counter()
        search(query)
        durations.append(time.perf_counter() - started)
    return percentiles(durations)


def compare_engines(db: Path, queries: list[list[str]], naive_count: int, workdir: Path) -> list[dict]:
    store = Store(db)
    keys, docs = store.sentence_tokens(store.sentence_ids())
    store.close()
    rows = []

    started = time.perf_counter()
    index = BM25Index([build_segment(docs, keys)], None, defaults().ranking)
    rows.append({"engine": "Isnad BM25Index (segments, exact BM25Plus)", "build_s": time.perf_counter() - started,
                 "p": time_queries(lambda q: index.search(q, 10), queries)})

    import numpy as np
    from rank_bm25 import BM25Plus

    started = time.perf_counter()
    naive = BM25Plus(docs, k1=0.9, b=0.4, delta=1.0)
    naive_build = time.perf_counter() - started
    rows.append({"engine": "rank-bm25 get_scores over all sentences", "build_s": naive_build,
                 "p": time_queries(lambda q: np.argpartition(-naive.get_scores(q), 9)[:10], queries[:naive_count]),
                 "queries": naive_count})

    started = time.perf_counter()
    postings: dict[str, list[int]] = {}
    for n, doc in enumerate(docs):
        for term in set(doc):
            postings.setdefault(term, []).append(n)
    pruned_build = naive_build + time.perf_counter() - started

    def pruned(query: list[str]) -> list[int]:
        candidates = sorted({d for t in query for d in postings.get(t, ())})
        if not candidates:
            return []
        scores = np.asarray(naive.get_batch_scores(query, candidates))
        return [candidates[i] for i in np.argsort(-scores)[:10]]

    rows.append({"engine": "rank-bm25 get_batch_scores on candidates", "build_s": pruned_build, "p": time_queries(pruned, queries)})

    import sqlite_utils

    fts_path = workdir / "fts.sqlite"
    started = time.perf_counter()
    fts_db = sqlite_utils.Database(fts_path)
    fts_db["s"].insert_all(({"id": int(k), "tokens": " ".join(d)} for k, d in zip(keys, docs)), pk="id", batch_size=20000)
    fts_db["s"].enable_fts(["tokens"], tokenize="unicode61 remove_diacritics 0")
    fts_build = time.perf_counter() - started
    conn = sqlite3.connect(fts_path)

    def fts(query: list[str]) -> list:
        match = " OR ".join(f'"{t}"' for t in set(query))
        return conn.execute("SELECT rowid FROM s_fts WHERE s_fts MATCH ? ORDER BY bm25(s_fts) LIMIT 10", (match,)).fetchall() if match else []

    rows.append({"engine": "SQLite FTS5 bm25() via sqlite-utils", "build_s": fts_build, "p": time_queries(fts, queries)})

    try:
        import tantivy
    except ImportError:
        rows.append({"engine": "tantivy (not installed: pip install tantivy)", "build_s": float("nan"), "p": (float("nan"),) * 2})
        return rows
    started = time.perf_counter()
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("t", stored=False, tokenizer_name="whitespace")
    schema = builder.build()
    tantivy_index = tantivy.Index(schema, path=None)
    writer = tantivy_index.writer(heap_size=200_000_000, num_threads=1)
    for doc in docs:
        writer.add_document(tantivy.Document(t=" ".join(doc)))
    writer.commit()
    tantivy_index.reload()
    searcher = tantivy_index.searcher()
    tantivy_build = time.perf_counter() - started

    def tantivy_search(query: list[str]) -> list:
        clauses = [(tantivy.Occur.Should, tantivy.Query.term_query(schema, "t", t)) for t in set(query)]
        return searcher.search(tantivy.Query.boolean_query(clauses), 10).hits if clauses else []

    rows.append({"engine": "tantivy (Rust) on the same tokens", "build_s": tantivy_build, "p": time_queries(tantivy_search, queries)})
    return rows


def table(headers: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", default="0.1,0.5,1,3")
    parser.add_argument("--naive-queries", type=int, default=60)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.md")
    args = parser.parse_args()
    require_shared_data()
    articles = saudi_articles()
    questions = arcd_questions()
    queries = [tokenize(q) for q in questions]
    workdir = Path(tempfile.mkdtemp(prefix="isnad-bench-"))
    questions_file = workdir / "questions.json"
    questions_file.write_text(json.dumps(questions, ensure_ascii=False), encoding="utf-8")
    try:
        results = []
        for scale in (float(s) for s in args.scales.split(",")):
            copies = max(1, int(scale)) if scale >= 1 else 1
            subset = articles if scale >= 1 else articles[: int(len(articles) * scale)]
            label = f"{int(scale * 100)}%"
            print(f"measuring {label} …", file=sys.stderr)
            results.append(measure_scale(label, subset, copies, workdir, questions_file))
        engine_scale = "100%" if any(r["scale"] == "100%" for r in results) else results[-1]["scale"]
        scale_dir = workdir / engine_scale
        print(f"live add at {engine_scale} …", file=sys.stderr)
        live_add = live_add_seconds(scale_dir / "corpus", scale_dir / "index.sqlite", articles[0], workdir)
        print(f"comparing engines at {engine_scale} …", file=sys.stderr)
        engines = compare_engines(scale_dir / "index.sqlite", queries, args.naive_queries, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    naive_p50 = next(e["p"][0] for e in engines if e["engine"].startswith("rank-bm25 get_scores"))
    report = [
        "## Isnad at each scale (fresh processes; ranking/answer latencies over the "
        f"{len(questions)} ARCD-train questions as queries)",
        table(["scale", "sentences", "build s", "cold start s", "add 100 s", "rank p50 ms", "rank p95 ms",
               "answer p50 ms", "answer p95 ms", "RSS MB", "disk MB", "segments"],
              [[r["scale"], r["sentences"], f"{r['build_s']:.1f}", f"{r['cold_start_s']:.2f}", f"{r['add_100_s']:.2f}",
                f"{r['rank_p50_ms']:.2f}", f"{r['rank_p95_ms']:.2f}", f"{r['answer_p50_ms']:.2f}", f"{r['answer_p95_ms']:.2f}",
                f"{r['rss_mb']:.0f}", f"{r['disk_mb']:.0f}", r["segments"]] for r in results]),
        "",
        f"## Engines on the same tokens at {engine_scale} (one process, one run)",
        table(["engine", "build s", "p50 ms", "p95 ms", "vs naive (p50)"],
              [[e["engine"] + (f" ({e['queries']} queries)" if "queries" in e else ""), f"{e['build_s']:.1f}",
                f"{e['p'][0]:.3f}", f"{e['p'][1]:.3f}", f"{naive_p50 / e['p'][0]:.0f}×"] for e in engines]),
    ]
    report += [
        "",
        f"## Live add at {engine_scale}",
        f"- A running service answers from an article added by `isnad add` {live_add:.2f} s after the command returns.",
        "- The rows above are lexical (`ISNAD_DENSE=0`); sentence vectors are measured by bench/dense.py.",
    ]
    text = "\n".join(report) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
