"""Development set v2 on the whole SaudiNewsNet archive, right after `isnad index`: each question's
candidates and their unweighted signals are collected once, then the shipped weights, each
mechanism taken out, and the learned combination are scored on them, on both halves.

Usage: python bench/archive.py [--reuse] [--questions bench/archive_v2.jsonl] [--encode-at-question N]
                               [--question-tokens N] [--article-vectors]
(reads ../shared/data/saudinewsnet or $ISNAD_SHARED; builds .isnad/archive/ once and restores it to
its just-indexed state, without vectors, before each collection)

The candidates' vectors are what a fresh archive has: none stored, the question's best few encoded
as it is asked (settings [dense] encode_at_question). Questions that write vectors back benefit the
ones after them, as in use.

With --article-vectors, the archive as it is once `isnad embed` has written every article's vector
(the first thing it writes: 29,859 of them, once, kept in .isnad/archive/article-vectors.pkl) and no
sentence's.
"""
from __future__ import annotations

import argparse
import pickle
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, SAUDI, require_shared_data  # noqa: E402
from bot.evaluation import holds_answer, rank_metrics, read_archive_questions  # noqa: E402
from bot.service import AnswerService  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from index.rerank import (  # noqa: E402
    FEATURES,
    Evidence,
    Ranked,
    answers,
    evidence_of,
    features,
    weight_vector,
)
from index.dense import BATCH as EMBED_BATCH  # noqa: E402
from index.dense import Encoder  # noqa: E402
from index.search import abstention_rule, speaker_topic, weights_for  # noqa: E402
from index.store import ARTICLE_VECTORS, Store  # noqa: E402
from index.vector_cache import VectorCache  # noqa: E402

WORKDIR = ROOT / ".isnad" / "archive"
QUESTIONS = ROOT / "bench" / "archive_v2.jsonl"


def just_indexed(workdir: Path = WORKDIR) -> Path:
    """The archive's index as `isnad index` leaves it (built once, then copied back each run)."""
    pristine, db = workdir / "pristine.sqlite", workdir / "index.sqlite"
    if not pristine.exists():
        workdir.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "bot", "--corpus", str(SAUDI), "--db", str(pristine), "index"],
                       cwd=ROOT, check=True, stderr=subprocess.DEVNULL)
        with sqlite3.connect(pristine) as conn:  # the copy below takes the file alone, so no WAL may remain
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        path.unlink(missing_ok=True)
    shutil.rmtree(f"{db}.segments", ignore_errors=True)
    shutil.copyfile(pristine, db)
    shutil.copytree(f"{pristine}.segments", f"{db}.segments")
    return db


def signals_path(questions: Path, dense) -> Path:
    """Where a collection is kept: one per question file and question-time encoding settings."""
    budget = f"-{dense.question_tokens}tokens" if dense.question_tokens else ""
    return WORKDIR / f"signals-{questions.stem}-{dense.encode_at_question}{budget}.pkl"


def collect(service: AnswerService, rows: list[dict]) -> list[dict]:
    """Per question: its signal matrix, which candidates are right, and what abstention weighs."""
    collected = []
    for row in rows:
        query, found, candidates, _ = service.signals(row["question"])
        item = {"row": row, "english": query.english, "speaker_asked": bool(query.speaker), "specificity": query.specificity,
                "speaker_topic": speaker_topic(query, candidates),
                "matrix": np.zeros((0, len(FEATURES))), "gold": np.zeros(0, bool)}
        if candidates:
            gold = []
            for c in candidates:
                sentence = found[c.key]
                article = service.article_of(sentence)
                gold.append(row["answer"] is not None and holds_answer(article.text[sentence.start : sentence.end], article.url,
                                                                        row["answer"], row.get("urls") or []))
            item.update(matrix=np.array(features(candidates, query.concepts)), gold=np.array(gold, bool),
                        encoded=np.array([c.encoded for c in candidates], bool),
                        articles=np.array([c.paragraph[0] for c in candidates]))
        collected.append(item)
        print(f"{len(collected)}/{len(rows)}", end="\r", file=sys.stderr)
    return collected


HALVES = ("tuning", "held-out")
SPEAKER_TOPIC_SHARES = (0.25, 0.5, 0.75)
PARAGRAPH, SPEAKER, DENSE, NAMES = (FEATURES.index(name) for name in ("paragraph", "speaker", "dense", "names"))


def order_of(matrix: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Candidates best first under the weights (ties: first gathered)."""
    return np.argsort(-(matrix @ weights), kind="stable")


def evidence_row(matrix: np.ndarray, weights: np.ndarray, speaker_asked: bool, specificity: float,
                 encoded: np.ndarray | None = None,
                 articles: np.ndarray | None = None) -> tuple[float, float, float, bool, float | None, float]:
    """What `index.rerank.evidence_of` reads from a signal matrix, by the same function: the best
    candidate's paragraph coverage, the closest cosine, the best few's largest names share, whether
    the asked speaker is silent, the cosine's margin and the covered weight in rarest words
    (`encoded` / `articles` None: every candidate has its vector / its own article)."""
    ranked = [Ranked(int(i), 0.0, float(matrix[i, PARAGRAPH]), float(matrix[i, DENSE]), float(matrix[i, NAMES]),
                     float(matrix[i, SPEAKER]), True if encoded is None else bool(encoded[i]),
                     int(i) if articles is None else int(articles[i]))
              for i in order_of(matrix, weights)]
    e = evidence_of(ranked, False, True, speaker_asked, specificity=specificity)
    return e.coverage, e.closest, e.names, e.speaker_missing, e.margin, e.distinctive


def ranks(collected: list[dict], weights_of) -> list[int | None]:
    """Each answerable question's first right rank under the weights (None: not among the candidates)."""
    out = []
    for item in collected:
        if item["row"]["answer"] is None:
            continue
        if not len(item["gold"]):
            out.append(None)
            continue
        right = np.flatnonzero(item["gold"][order_of(item["matrix"], weights_of(item))])
        out.append(int(right[0]) + 1 if len(right) else None)
    return out


def says_found(item: dict, weights: np.ndarray, rule) -> bool:
    """The shipped abstention rule on the evidence `index.rerank.evidence_of` reads from the best candidate."""
    if not len(item["matrix"]):
        return False
    coverage, closest, names, speaker_missing, margin, distinctive = evidence_row(
        item["matrix"], weights, item["speaker_asked"], item.get("specificity", 0.0), item.get("encoded"),
        item.get("articles"))
    return answers(Evidence(coverage, closest, item["english"], True, names, speaker_missing, item["speaker_topic"], margin,
                            distinctive), rule)


def abstention_table(collected: list[dict], settings) -> str:
    """How many answerable questions each rule answers and how many unanswerable ones it declines:
    the shipped rule, then the rule with each speaker check of "what did X say (about Y)?" on or off."""
    shipped = abstention_rule(settings.answer, settings.dense)
    plain = replace(shipped, speaker_required=False, min_speaker_topic=0.0)
    rules = {"shipped": shipped, "neither speaker check": plain, "X must speak": replace(plain, speaker_required=True)}
    for share in SPEAKER_TOPIC_SHARES:
        rules[f"where X speaks, ≥ {share} of Y"] = replace(plain, min_speaker_topic=share)
        rules[f"X must speak, and where he does ≥ {share} of Y"] = replace(plain, speaker_required=True, min_speaker_topic=share)
    lines = ["| rule | half | answerable answered (ar / en) | unanswerable declined (ar / en) |", "|---|---|---|---|"]
    for label, rule in rules.items():
        for half in HALVES:
            part = [i for i in collected if i["row"].get("half") == half]
            weights = {e: np.array(weight_vector(weights_for(e, settings.answer, settings.dense))) for e in (False, True)}
            said = {id(i): says_found(i, weights[i["english"]], rule) for i in part}
            answered, declined = [], []
            for english in (False, True):
                on = [said[id(i)] for i in part if i["row"]["answer"] is not None and i["english"] == english]
                off = [not said[id(i)] for i in part if i["row"]["answer"] is None and i["english"] == english]
                answered.append(f"{sum(on) / max(len(on), 1):.3f}")
                declined.append(f"{sum(off)}/{len(off)}")
            lines.append(f"| {label} | {half} | {' / '.join(answered)} | {' / '.join(declined)} |")
    return "\n".join(lines)


def table(collected: list[dict], variants: dict) -> str:
    lines = ["| weights | half | Arabic hit@1 | Arabic hit@5 | English hit@1 | English hit@5 | questions (ar / en) |",
             "|---|---|---|---|---|---|---|"]
    for label, weights_of in variants.items():
        for half in HALVES:
            cells, sizes = [], []
            for english in (False, True):
                part = [i for i in collected if i["row"].get("half") == half and i["english"] == english]
                found = ranks(part, weights_of)
                metrics = rank_metrics(found)
                cells += [f"{metrics['hit_at_1']:.3f}", f"{metrics['hit_at_5']:.3f}"]
                sizes.append(str(len(found)))
            lines.append(f"| {label} | {half} | " + " | ".join(cells) + f" | {' / '.join(sizes)} |")
    return "\n".join(lines)


def shipped_variants(settings) -> dict:
    """The shipped weights, and each mechanism of the rerank taken out in turn."""
    def weights(english: bool, **zeroed) -> np.ndarray:
        w = np.array(weight_vector(weights_for(english, settings.answer, settings.dense)))
        for name in zeroed:
            w[FEATURES.index(name)] = 0.0
        return w

    variants = {"shipped": lambda item: weights(item["english"])}
    for name in ("answer_type", "names", "speaker", "dense", "paragraph", "paragraph_bm25", "focus", "article_dense",
                 "back_reference"):
        variants[f"without {name}"] = lambda item, name=name: weights(item["english"], **{name: 0})
    return variants


def with_article_vectors(db: Path, settings, keep: Path) -> None:
    """Every article's vector in the index, as `isnad embed` writes them first (encoded once by the
    same code, `VectorCache.encode_articles`, then kept in `keep`)."""
    store = Store(db)
    try:
        if not keep.exists():
            cache = VectorCache(lambda: store, Encoder(fast=settings.dense.fast_engine), threading.RLock())
            started, total = time.perf_counter(), len(store.articles_without_vectors(10**9))
            while firsts := store.articles_without_vectors(EMBED_BATCH):
                cache.encode_articles(firsts)
                done = total - len(store.articles_without_vectors(10**9))
                print(f"articles {done}/{total}, {done / (time.perf_counter() - started):.1f}/s", end="\r", file=sys.stderr)
            _, ids, rows = store.vectors_since(0, ARTICLE_VECTORS)
            keep.write_bytes(pickle.dumps((ids.tolist(), rows)))
            print(f"\n{total} articles encoded in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        ids, rows = pickle.loads(keep.read_bytes())
        store.write_vectors(ids, rows, ARTICLE_VECTORS)
    finally:
        store.close()


def collect_archive(settings, questions: Path) -> list[dict]:
    """Each question's candidates and signals on the archive as `isnad index` leaves it."""
    db = just_indexed()
    service = AnswerService(settings.with_paths(SAUDI, db))
    try:
        service.warm_up()
        return collect(service, read_archive_questions(questions))
    finally:
        service.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reuse", action="store_true", help="score the signals collected by the last run")
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--encode-at-question", type=int, help="candidates encoded while a question waits "
                        "(default: the shipped [dense] encode_at_question)")
    parser.add_argument("--question-tokens", type=int, help="the token budget of those candidates "
                        "(default: the shipped [dense] question_tokens)")
    parser.add_argument("--article-vectors", action="store_true", help="every article with its vector, no sentence")
    parser.add_argument("--near-articles", type=int, help="[dense] near_articles (Arabic questions)")
    parser.add_argument("--english-near-articles", type=int, help="[dense] english_near_articles")
    args = parser.parse_args()
    require_shared_data()
    settings = load_settings(ROOT / "config.toml", environ={})
    if args.encode_at_question is not None:
        settings = settings.override({"dense.encode_at_question": args.encode_at_question})
    if args.question_tokens is not None:
        settings = settings.override({"dense.question_tokens": args.question_tokens})
    for name in ("near_articles", "english_near_articles"):
        if getattr(args, name) is not None:
            settings = settings.override({f"dense.{name}": getattr(args, name)})
    cache = signals_path(args.questions, settings.dense)
    if args.reuse and cache.exists():
        collected = pickle.loads(cache.read_bytes())
    else:
        collected = collect_archive(settings, args.questions)
        cache.write_bytes(pickle.dumps(collected))
    if args.article_vectors:
        near = f"-near{settings.dense.near_articles}-{settings.dense.english_near_articles}"
        kept = cache.with_name(f"{cache.stem}-articles{near}.pkl")
        if not (args.reuse and kept.exists()):
            db = just_indexed()
            with_article_vectors(db, settings, WORKDIR / "article-vectors.pkl")
            service = AnswerService(settings.with_paths(SAUDI, db))
            try:
                service.warm_up()
                collected = collect(service, read_archive_questions(args.questions))
            finally:
                service.close()
            kept.write_bytes(pickle.dumps(collected))
        collected = pickle.loads(kept.read_bytes())
    print(table(collected, shipped_variants(settings)))
    print("\n" + abstention_table(collected, settings))
    found = sum(bool(i["gold"].any()) for i in collected if i["row"]["answer"] is not None)
    answerable = sum(i["row"]["answer"] is not None for i in collected)
    print(f"\na right sentence among the candidates: {found}/{answerable}")


if __name__ == "__main__":
    main()
