"""Run in a fresh process: load the answering service on an index, time ranking and answers, report RSS.

Prints one JSON object. Usage: serving_probe.py CORPUS DB QUESTIONS.json
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import percentiles  # noqa: E402
from bot.service import AnswerService  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from index.tokens import tokenize  # noqa: E402


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    corpus, db, questions_file = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    questions = json.loads(questions_file.read_text(encoding="utf-8"))
    started = time.perf_counter()
    settings = load_settings().with_paths(corpus, db).override({"dense.enabled": False})
    service = AnswerService(settings)
    first = service.answer(questions[0])
    first_answer_s = time.perf_counter() - started
    index = service.snapshot().index
    ranking, answering = [], []
    for question in questions:
        terms = tokenize(question)
        t0 = time.perf_counter()
        index.search(terms, 10)
        ranking.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        service.answer(question)
        answering.append(time.perf_counter() - t0)
    rank_p50, rank_p95 = percentiles(ranking)
    answer_p50, answer_p95 = percentiles(answering)
    print(json.dumps({
        "load_and_first_answer_s": first_answer_s, "first_answered": first.answered,
        "rank_p50_ms": rank_p50, "rank_p95_ms": rank_p95, "answer_p50_ms": answer_p50, "answer_p95_ms": answer_p95,
        "rss_mb": rss_mb(), "sentences": index.size, "segments": len(index.segments),
    }))


if __name__ == "__main__":
    main()
