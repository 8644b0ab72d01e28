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
from bot.evaluation import evaluate  # noqa: E402
from bot.settings import load_settings  # noqa: E402

DATA = SHARED / "data"
ARCD = DATA / "arcd" / "arcd-train.json"
XQUAD_AR = DATA / "xquad" / "xquad-dev.ar.json"
XQUAD_EN = DATA / "xquad" / "xquad-dev.en.json"
RUNS = [  # (label, dataset, parallel questions, off-corpus questions)
    ("ARCD train (Arabic)", ARCD, None, XQUAD_AR),
    ("XQuAD dev, Arabic questions", XQUAD_AR, None, ARCD),
    ("XQuAD dev, English questions → Arabic text", XQUAD_AR, XQUAD_EN, None),
]


def variants(base):
    off, plain = {"dense.enabled": False}, {"answer.paragraph_weight": 0.0, "answer.speaker_weight": 0.0}
    no_paragraph_bm25 = {"answer.paragraph_bm25_weight": 0.0}
    yield "BM25 over sentences + title (English: names, dictionary)", base.override({**off, **plain, **no_paragraph_bm25})
    yield "+ paragraph coverage, speaker", base.override({**off, **no_paragraph_bm25})
    yield "+ paragraph BM25", base.override(off)
    yield "+ dense (USE multilingual) — shipped", base
    yield "shipped ranking, never abstaining", base.override({"answer.min_coverage": 0.0, "dense.min_evidence": float("-inf")})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-readme", action="store_true", help="print the table only")
    args = parser.parse_args()
    if not ARCD.exists():
        print(f"skipped: {ARCD} not found (set ISNAD_SHARED)")
        return
    base = load_settings(ROOT / "config.toml", environ={})
    rows = ["| mechanisms | set | hit@1 | hit@3 | hit@5 | MRR@10 | answered | abstained off-corpus | p95 ms |",
            "|---|---|---|---|---|---|---|---|---|"]
    for label, settings in variants(base):
        for name, dataset, parallel, off in RUNS:
            print(f"{label} / {name} …", file=sys.stderr)
            r = evaluate(settings, dataset, parallel, off)
            abstained = f"{r.abstained_off_corpus:.3f}" if r.abstained_off_corpus is not None else "—"
            rows.append(f"| {label} | {name} | {r.hit_at_1:.3f} | {r.hit_at_3:.3f} | {r.hit_at_5:.3f} | "
                        f"{r.mrr_at_10:.3f} | {r.answered:.3f} | {abstained} | {r.latency_p95_ms:.1f} |")
    english_off = evaluate(base, ARCD, None, XQUAD_EN)
    table = "\n".join(rows) + (
        f"\n\nEnglish questions whose answers are not in the corpus (XQuAD English questions over the ARCD "
        f"contexts): {english_off.abstained_off_corpus:.3f} get \"not found\".\n"
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
