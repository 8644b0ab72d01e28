"""How far "not found" can go: the answered / abstained trade-off of the abstention rule's family.

For each development set, every on-corpus question and every question of another set (whose answers
are not in this corpus) is put through the real answering service; the signals the rule weighs
(the best passage's paragraph coverage, the closest cosine and its margin over the candidates'
median, the question's weight that coverage finds in rarest words) are recorded, and the rule
`coverage + w · cosine + m · margin + s · min(covered, cap) >= t` is swept over w, m, s and t (the
shipped Arabic rule has m = 0: bench/README.md). Printed per set: the shipped rule's point, the
most off-corpus questions any (w, m, t) turns away while answering at least 90% / 95% of on-corpus
ones, and the most it answers while turning away at least 90%.

Only the held-out halves are asked (`bot.evaluation.half_of`): the shipped rule was chosen on the
tuning halves by bench/tune.py, so this shows how it and the family fare on questions not tuned on.

Usage: python bench/abstention.py   (reads ../shared/data or $ISNAD_SHARED/data)
"""
from __future__ import annotations

import itertools
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, SHARED  # noqa: E402
from bot.evaluation import dataset_service, half_of, load_squad, with_parallel_texts  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from index.rerank import DISTINCTIVE_CAP, Evidence, answers  # noqa: E402
from index.search import abstention_rule  # noqa: E402

DATA = SHARED / "data"
ARCD = DATA / "arcd" / "arcd-train.json"
XQUAD_AR = DATA / "xquad" / "xquad-dev.ar.json"
XQUAD_EN = DATA / "xquad" / "xquad-dev.en.json"
DENSE_WEIGHTS = (0.0, 1.0, 3.0, 10.0, 20.0, 50.0)
MARGIN_WEIGHTS = (0.0, 5.0, 10.0, 20.0)
DISTINCTIVE_WEIGHTS = (0.0, 1.0, 2.0)
THRESHOLDS = np.arange(0.0, 51.0, 0.005)
STORES = ROOT / ".isnad" / "eval"  # the embedded development stores, shared with bench/tune.py


def english_questions() -> list[str]:
    return [q.text for q in held_out(with_parallel_texts(load_squad(XQUAD_AR)[1], XQUAD_EN))]


def held_out(questions: list) -> list:
    return [q for q in questions if half_of(q.context_id) == "held-out"]


def signals(service, questions: list[str]) -> np.ndarray:
    """(coverage, closest cosine, its margin, the covered weight in rarest words up to the cap) per
    question; a question matching nothing counts as zeros."""
    found = [service.evidence(q) for q in questions]
    # Every sentence has its vector here, so the margin is known wherever a question matched.
    return np.array([(e.coverage, e.closest, e.margin or 0.0, min(e.distinctive, DISTINCTIVE_CAP)) if e else (0.0,) * 4
                     for e in found])


def shipped_point(service, on: np.ndarray, off: np.ndarray, english: bool) -> tuple[float, float]:
    rule = abstention_rule(service.settings.answer, service.settings.dense)
    says = lambda c, d, m, s: answers(Evidence(c, d, english, with_vectors=True, margin=m, distinctive=s), rule)  # noqa: E731
    answered = np.mean([says(*row) for row in on])
    abstained = np.mean([not says(*row) for row in off])
    return float(answered), float(abstained)


def frontier(on: np.ndarray, off: np.ndarray) -> list[tuple[float, float, float, float, float, float]]:
    """(answered, abstained, w, m, s, t) for every rule of the family."""
    points = []
    for w, m, d in itertools.product(DENSE_WEIGHTS, MARGIN_WEIGHTS, DISTINCTIVE_WEIGHTS):
        on_evidence, off_evidence = on @ (1.0, w, m, d), off @ (1.0, w, m, d)
        for t in THRESHOLDS:
            points.append((float((on_evidence >= t).mean()), float((off_evidence < t).mean()), w, m, d, float(t)))
    return points


def best(points, *, min_answered: float = 0.0, min_abstained: float = 0.0, by: int) -> str:
    chosen = [p for p in points if p[0] >= min_answered and p[1] >= min_abstained]
    if not chosen:
        return "—"
    a, b, w, m, d, t = max(chosen, key=lambda p: p[by])
    return f"{a:.3f} / {b:.3f} (w={w:g}, m={m:g}, s={d:g}, t={t:.2f})"


def main() -> None:
    if not ARCD.exists():
        print(f"skipped: {ARCD} not found (set ISNAD_SHARED)")
        return
    settings = load_settings(ROOT / "config.toml", environ={})
    arcd_articles, arcd_questions = load_squad(ARCD)
    xquad_articles, xquad_questions = load_squad(XQUAD_AR)
    arcd_texts, xquad_texts = [q.text for q in held_out(arcd_questions)], [q.text for q in held_out(xquad_questions)]
    english = english_questions()
    runs = [  # (label, corpus articles, on-corpus questions, off-corpus questions, English?)
        ("ARCD (Arabic; off: XQuAD questions)", arcd_articles, arcd_texts, xquad_texts, False),
        ("XQuAD Arabic (off: ARCD questions)", xquad_articles, xquad_texts, arcd_texts, False),
        ("XQuAD English questions (off: the same over ARCD)", None, english, english, True),
    ]
    print("| set | shipped rule: answered / abstained | best abstained at ≥90% answered | at ≥95% answered "
          "| best answered at ≥90% abstained |")
    print("|---|---|---|---|---|")
    for label, articles, on_questions, off_questions, is_english in runs:
        if is_english:  # on: English questions over XQuAD's contexts; off: the same over ARCD's
            with dataset_service(settings, xquad_articles, STORES / "xquad") as service:
                on = signals(service, on_questions)
            with dataset_service(settings, arcd_articles, STORES / "arcd") as service:
                off = signals(service, off_questions)
                shipped = shipped_point(service, on, off, True)
        else:
            with dataset_service(settings, articles, STORES / ("arcd" if articles is arcd_articles else "xquad")) as service:
                on, off = signals(service, on_questions), signals(service, off_questions)
                shipped = shipped_point(service, on, off, False)
        points = frontier(on, off)
        print(f"| {label} | {shipped[0]:.3f} / {shipped[1]:.3f} | {best(points, min_answered=0.90, by=1)} "
              f"| {best(points, min_answered=0.95, by=1)} | {best(points, min_abstained=0.90, by=0)} |", flush=True)


if __name__ == "__main__":
    main()
