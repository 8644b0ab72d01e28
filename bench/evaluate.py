"""Answer quality on the development sets, each mechanism added in turn; writes the README table.

Usage: python bench/evaluate.py [--no-readme]   (reads ../shared/data or $ISNAD_SHARED/data)
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, SHARED  # noqa: E402
from bot.evaluation import evaluate_halves  # noqa: E402
from bot.settings import load_settings  # noqa: E402

DATA = SHARED / "data"
ARCD = DATA / "arcd" / "arcd-train.json"
XQUAD_AR = DATA / "xquad" / "xquad-dev.ar.json"
XQUAD_EN = DATA / "xquad" / "xquad-dev.en.json"
STORES = ROOT / ".isnad" / "eval"  # the embedded development stores, shared with bench/tune.py
RUNS = [  # (label, dataset, parallel questions, off-corpus questions, store)
    ("ARCD train (Arabic)", ARCD, None, XQUAD_AR, "arcd"),
    ("XQuAD dev, Arabic questions", XQUAD_AR, None, ARCD, "xquad"),
    ("XQuAD dev, English questions → Arabic text", XQUAD_AR, XQUAD_EN, None, "xquad"),
]


def variants(base):
    yield "words only: BM25 + paragraph coverage, speaker, paragraph BM25 (no vectors)", base.override({"dense.enabled": False})
    yield "+ e5 sentence vectors — shipped", base
    yield "shipped ranking, never abstaining", base.override({"answer.min_coverage": 0.0, "dense.min_evidence": float("-inf"),
                                                               "dense.english_min_evidence": float("-inf"),
                                                               "dense.english_min_similarity": float("-inf")})


def row(label: str, name: str, half: str, r) -> str:
    abstained = f"{r.abstained_off_corpus:.3f}" if r.abstained_off_corpus is not None else "—"
    return (f"| {label} | {name} | {half} | {r.hit_at_1:.3f} | {r.hit_at_3:.3f} | {r.hit_at_5:.3f} | {r.mrr_at_10:.3f} | "
            f"{r.answered:.3f} | {abstained} | {r.latency_p95_ms:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-readme", action="store_true", help="print the table only")
    args = parser.parse_args()
    if not ARCD.exists():
        print(f"skipped: {ARCD} not found (set ISNAD_SHARED)")
        return
    base = load_settings(ROOT / "config.toml", environ={})
    rows = ["| mechanisms | set | half | hit@1 | hit@3 | hit@5 | MRR@10 | answered | abstained off-corpus | p95 ms |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for label, settings in variants(base):
        for name, dataset, parallel, off, store in RUNS:
            print(f"{label} / {name} …", file=sys.stderr)
            reports = evaluate_halves(settings, dataset, parallel, off, folder=STORES / store)
            rows += [row(label, name, half, reports[half]) for half in ("tuning", "held-out")]
    english_off = evaluate_halves(base, ARCD, None, XQUAD_EN, folder=STORES / "arcd")
    table = "\n".join(rows) + (
        "\n\nEnglish questions whose answers are not in the corpus (XQuAD English questions over the ARCD "
        f"contexts) that get \"not found\": tuning half {english_off['tuning'].abstained_off_corpus:.3f}, "
        f"held-out half {english_off['held-out'].abstained_off_corpus:.3f}.\n"
    )
    print(table)
    if not args.no_readme:
        readme = ROOT / "README.md"
        text = readme.read_text(encoding="utf-8")
        block = f"<!-- eval:start -->\n{table}<!-- eval:end -->"
        text = re.sub(r"<!-- eval:start -->.*?<!-- eval:end -->|EVAL_TABLE", lambda _: block, text, flags=re.S)
        readme.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
