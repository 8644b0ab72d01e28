"""`isnad eval` on a tiny SQuAD-format fixture: every number is checkable by hand."""
from __future__ import annotations

import json
from pathlib import Path

from conftest import Isnad

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_eval_reports_hits_answered_rate_and_abstention(isnad: Isnad) -> None:
    result = isnad.run("eval", str(FIXTURES / "mini_squad.ar.json"), "--off-corpus", str(FIXTURES / "mini_squad.off.json"), "--json")
    report = json.loads(result.stdout)
    assert report["questions"] == 3
    assert report["hit_at_1"] == 1.0 and report["hit_at_5"] == 1.0 and report["mrr_at_10"] == 1.0
    assert report["answered"] == 1.0
    assert report["off_corpus_questions"] == 2 and report["abstained_off_corpus"] == 1.0
    assert report["mean_passage_chars"] > 0 and report["latency_p95_ms"] >= report["latency_p50_ms"] > 0


def test_eval_text_report(isnad: Isnad) -> None:
    text = isnad.run("eval", str(FIXTURES / "mini_squad.ar.json")).stdout
    assert "hit@1            1.000" in text and "MRR@10" in text


def test_eval_of_questions_about_the_indexed_corpus(isnad: Isnad) -> None:
    whole = json.loads(isnad.run("eval", str(FIXTURES / "archive_questions.jsonl"), "--json").stdout)
    assert whole["latency_p95_ms"] >= whole["latency_p50_ms"] > 0
    report = whole["halves"]
    assert set(report) == {"tuning", "held-out"}
    assert report["held-out"]["en"]["questions"] == 1 and report["held-out"]["en"]["hit_at_5"] == 1.0
    assert report["held-out"]["off"] == {"questions": 1.0, "declined": 1.0}
    # The gold list names the articles that answer: the second question's words in another article are no hit.
    tuning = report["tuning"]["ar"]
    assert tuning["questions"] == 2 and tuning["hit_at_5"] == 0.5
    assert "en" not in report["tuning"]
