"""What a question waits for on an archive without vectors, side by side in one run: the passage
text's word caps (index/dense.py) and how many candidates are encoded while it waits
([dense] encode_at_question).

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
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.archive import just_indexed  # noqa: E402
from bench.common import ROOT, arcd_questions, require_shared_data  # noqa: E402
from index.dense import SENTENCE_WORDS, TITLE_WORDS  # noqa: E402

UNCAPPED = 1_000_000
CONFIGURATIONS = (  # (label, title words, sentence words, candidates encoded at question time)
    ("whole title and sentence, 8 encoded (before)", UNCAPPED, UNCAPPED, 8),
    *((f"title ≤ {TITLE_WORDS}, sentence ≤ {SENTENCE_WORDS} words, {n} encoded", None, None, n) for n in (8, 6, 4)),
)

PROBE = """
import json, sys, time
sys.path.insert(0, ".")
import index.dense as dense
from pathlib import Path
from bench.common import SAUDI, percentiles
from bot.service import AnswerService
from bot.settings import load_settings
db, title_words, sentence_words, budget, questions = Path(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[3]), int(sys.argv[4]), json.loads(sys.argv[5])
if title_words is not None:
    dense.TITLE_WORDS, dense.SENTENCE_WORDS = title_words, sentence_words
settings = load_settings().override({"dense.encode_at_question": budget}).with_paths(SAUDI, db)
service = AnswerService(settings)
service.warm_up()
service.answer(questions[0])
durations = []
for q in questions[1:]:
    started = time.perf_counter()
    service.answer(q)
    durations.append(time.perf_counter() - started)
print(json.dumps(percentiles(durations)))
"""


def measure(title_words: int | None, sentence_words: int | None, budget: int, questions: list[str]) -> tuple[float, float]:
    db = just_indexed()
    done = subprocess.run([sys.executable, "-c", PROBE, str(db), json.dumps(title_words), json.dumps(sentence_words),
                           str(budget), json.dumps(questions)], capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise SystemExit(f"the measuring process failed:\n{done.stderr[-2000:]}")
    p50, p95 = json.loads(done.stdout.strip().splitlines()[-1])
    return p50, p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    require_shared_data()
    questions = arcd_questions()[100 : 101 + args.questions]
    results: dict[str, list[tuple[float, float]]] = {label: [] for label, *_ in CONFIGURATIONS}
    for round_ in range(args.rounds):
        for label, title_words, sentence_words, budget in CONFIGURATIONS:
            print(f"round {round_ + 1}: {label} …", file=sys.stderr)
            results[label].append(measure(title_words, sentence_words, budget, questions))
    print(f"| configuration ({args.questions} ARCD questions on the archive before vectors, median of {args.rounds} rounds)"
          " | p50 ms | p95 ms |\n|---|---|---|")
    for label, runs in results.items():
        p50, p95 = np.median(np.array(runs), axis=0)
        print(f"| {label} | {p50:.0f} | {p95:.0f} |")


if __name__ == "__main__":
    main()
