"""`isnad eval`: answer quality on SQuAD-format data, measured through the real answering service."""
from __future__ import annotations

import hashlib
import json
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from bot.answers import Answer
from bot.service import AnswerService
from bot.settings import Settings
from index.script import language_of
from index.tokens import normalize

RANKS_KEPT = 10


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    context_id: str
    spans: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Report:
    questions: int
    hit_at_1: float
    hit_at_3: float
    hit_at_5: float
    mrr_at_10: float
    answered: float
    mean_passage_chars: float
    latency_p50_ms: float
    latency_p95_ms: float
    abstained_off_corpus: float | None = None
    off_corpus_questions: int = 0

    def lines(self) -> str:
        rows = [
            f"questions        {self.questions}",
            f"hit@1            {self.hit_at_1:.3f}",
            f"hit@3            {self.hit_at_3:.3f}",
            f"hit@5            {self.hit_at_5:.3f}",
            f"MRR@10           {self.mrr_at_10:.3f}",
            f"answered         {self.answered:.3f}",
            f"passage chars    {self.mean_passage_chars:.0f}",
            f"latency p50/p95  {self.latency_p50_ms:.1f} / {self.latency_p95_ms:.1f} ms",
        ]
        if self.abstained_off_corpus is not None:
            rows.append(f"abstained (off-corpus, {self.off_corpus_questions} q)  {self.abstained_off_corpus:.3f}")
        return "\n".join(rows)


@dataclass(frozen=True)
class ArchiveReport:
    """Questions asked of an existing index (the archive), per half of the set and language: hit@k,
    how many answerable ones were answered, and how many unanswerable ones got "not found"."""

    halves: dict[str, dict[str, dict[str, float]]]  # half → "ar" / "en" / "off" → metrics
    latency_p50_ms: float = 0.0  # per question, over every question of the set
    latency_p95_ms: float = 0.0

    def lines(self) -> str:
        rows = []
        for half, parts in self.halves.items():
            for name, part in parts.items():
                if name == "off":
                    rows.append(f"{half:9} unanswerable {part['questions']:.0f}  declined {part['declined']:.3f}")
                    continue
                rows.append(f"{half:9} {name} questions {part['questions']:.0f}  hit@1 {part['hit_at_1']:.3f}"
                            f"  hit@5 {part['hit_at_5']:.3f}  MRR@10 {part['mrr_at_10']:.3f}  answered {part['answered']:.3f}")
        rows.append(f"latency p50 {self.latency_p50_ms:.0f} ms  p95 {self.latency_p95_ms:.0f} ms")
        return "\n".join(rows)


def archive_hit_rank(answer: Answer, expected: str, urls: list[str]) -> int | None:
    """1-based rank of the first passage that holds the expected answer text in one of the articles
    that answer the question (every paper that carried the story is listed; no list: any article)."""
    for rank, passage in enumerate(answer.passages, start=1):
        if holds_answer(passage.text, passage.url, expected, urls):
            return rank
    return None


def holds_answer(text: str, url: str | None, expected: str, urls: list[str]) -> bool:
    """The text holds the expected answer and comes from one of the articles that answer (any, when none are listed)."""
    return normalize(expected) in normalize(text) and (not urls or url in urls)


def rank_metrics(ranks: list[int | None]) -> dict[str, float]:
    """hit@1/3/5 and MRR@10 from each question's first hit rank (None: no hit)."""
    n = max(len(ranks), 1)
    within = lambda k: sum(1 for r in ranks if r is not None and r <= k) / n  # noqa: E731
    return {"hit_at_1": within(1), "hit_at_3": within(3), "hit_at_5": within(5),
            "mrr_at_10": sum(1 / r for r in ranks if r) / n}


def _summary(ranks: list[int | None], answered: list[bool]) -> dict[str, float]:
    metrics = rank_metrics(ranks)
    return {"questions": float(len(ranks)), "hit_at_1": metrics["hit_at_1"], "hit_at_5": metrics["hit_at_5"],
            "mrr_at_10": metrics["mrr_at_10"], "answered": sum(answered) / max(len(ranks), 1)}


HALVES = {"tuning": 0, "held-out": 1, "all": 2}  # the report's order


def read_archive_questions(path: Path) -> list[dict]:
    """JSONL rows {question, answer (null: not in the archive), urls, half?, …}."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def evaluate_archive(service: AnswerService, questions: Path) -> ArchiveReport:
    """Ask each question of the index as it is, and score it by its half ("all" when rows name none)."""
    collected: dict[str, dict[str, tuple[list, list]]] = {}
    seconds = []
    for row in read_archive_questions(questions):
        started = time.perf_counter()
        answer = service.answer(row["question"], RANKS_KEPT)
        seconds.append(time.perf_counter() - started)
        parts = collected.setdefault(row.get("half", "all"), {"ar": ([], []), "en": ([], []), "off": ([], [])})
        if row.get("answer") is None:
            parts["off"][1].append(not answer.answered)
            continue
        ranks, answered = parts[language_of(row["question"])]
        ranks.append(archive_hit_rank(answer, row["answer"], row.get("urls") or []))
        answered.append(answer.answered)
    halves = {}
    for half in sorted(collected, key=lambda h: HALVES.get(h, len(HALVES))):
        parts = collected[half]
        halves[half] = {name: _summary(*parts[name]) for name in ("ar", "en") if parts[name][0]}
        declined = parts["off"][1]
        if declined:
            halves[half]["off"] = {"questions": float(len(declined)), "declined": sum(declined) / len(declined)}
    return ArchiveReport(halves, percentile(seconds, 0.5) * 1000, percentile(seconds, 0.95) * 1000)


def load_squad(path: Path) -> tuple[list[dict], list[Question]]:
    """Articles (one per context, titled by the dataset title) and the questions over them."""
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    articles, questions = [], []
    for a, article in enumerate(data):
        for p, paragraph in enumerate(article["paragraphs"]):
            context_id = f"{a}-{p}"
            articles.append({"id": context_id, "title": article.get("title") or context_id, "content": paragraph["context"]})
            for qa in paragraph["qas"]:
                spans = tuple((x["answer_start"], x["answer_start"] + len(x["text"])) for x in qa.get("answers", []))
                questions.append(Question(str(qa["id"]), qa["question"], context_id, spans))
    return articles, questions


def question_texts(path: Path) -> dict[str, str]:
    """Question texts by id from a parallel SQuAD-format file."""
    _, questions = load_squad(path)
    return {q.id: q.text for q in questions}


def with_parallel_texts(questions: list[Question], parallel: Path) -> list[Question]:
    """The questions that the parallel file also has, in its wording (same ids)."""
    texts = question_texts(parallel)
    return [replace(q, text=texts[q.id]) for q in questions if q.id in texts]


def first_hit_rank(answer: Answer, question: Question, gold_texts: frozenset[str] = frozenset()) -> int | None:
    """1-based rank of the first passage from the gold context overlapping a gold answer span.

    A passage with exactly the text of such a sentence counts too: Isnad shows a sentence found in
    several articles once, and the datasets repeat sentences across contexts.
    """
    for rank, passage in enumerate(answer.passages, start=1):
        if is_gold(passage.article_id, passage.start, passage.end, passage.text, question, gold_texts):
            return rank
    return None


def is_gold(article_key: str, start: int, end: int, text: str, question: Question, gold_texts: frozenset[str]) -> bool:
    """Whether a sentence answers the question: it overlaps a gold span of the gold context, or has
    the exact text of such a sentence."""
    in_span = article_key == question.context_id and any(start < e and s < end for s, e in question.spans)
    return in_span or text in gold_texts


def gold_sentence_texts(articles: dict[str, str], service: AnswerService, question: Question) -> frozenset[str]:
    """Texts of the indexed sentences of the gold context that overlap a gold answer span."""
    spans = service.sentence_spans_of(question.context_id)
    text = articles[question.context_id]
    return frozenset(text[a:b] for a, b in spans if any(a < end and start < b for start, end in question.spans))


def half_of(context_id: str) -> str:
    """'tuning' or 'held-out': a fixed split of a dataset by context (so a paragraph's questions stay
    together), from a hash, not from anything measured."""
    return "tuning" if int(hashlib.sha1(context_id.encode()).hexdigest(), 16) % 2 == 0 else "held-out"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))] if ordered else 0.0


@contextmanager
def dataset_service(settings: Settings, articles: list[dict], folder: Path | None = None) -> Iterator[AnswerService]:
    """An answering service over a store holding these articles, every sentence with its vector when
    vectors are on. In `folder` the store is kept for the next run (only what changed is redone);
    without one it is temporary."""
    with tempfile.TemporaryDirectory(prefix="isnad-eval-") as scratch:
        root = folder or Path(scratch)
        corpus = root / "corpus"
        corpus.mkdir(parents=True, exist_ok=True)
        lines = "".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles)
        contexts = corpus / "contexts.jsonl"
        if not contexts.exists() or contexts.read_text(encoding="utf-8") != lines:
            contexts.write_text(lines, encoding="utf-8")
        service = AnswerService(settings.with_paths(corpus, root / "eval.sqlite")
                                .override({"answer.max_question_chars": 10_000}))
        service.warm_up()
        try:
            service.sync()
            service.embed()
            yield service
        finally:
            service.close()


@dataclass(frozen=True)
class Asked:
    """One question's outcome."""

    half: str
    rank: int | None
    answered: bool
    seconds: float
    first_chars: int | None


def ask_all(service: AnswerService, questions: list[Question], contexts: dict[str, str]) -> list[Asked]:
    asked = []
    for question in questions:
        started = time.perf_counter()
        answer = service.answer(question.text, RANKS_KEPT)
        seconds = time.perf_counter() - started
        rank = first_hit_rank(answer, question, gold_sentence_texts(contexts, service, question))
        first = len(answer.passages[0].text) if answer.passages else None
        asked.append(Asked(half_of(question.context_id), rank, answer.answered, seconds, first))
    return asked


def report_of(asked: list[Asked], off: list[bool] | None) -> Report:
    """The metrics of these questions (and, given, the share of off-corpus questions declined)."""
    lengths = [a.first_chars for a in asked if a.first_chars is not None]
    latencies = [a.seconds for a in asked]
    return Report(
        questions=len(asked), **rank_metrics([a.rank for a in asked]),
        answered=sum(a.answered for a in asked) / max(len(asked), 1),
        mean_passage_chars=statistics.fmean(lengths) if lengths else 0.0,
        latency_p50_ms=percentile(latencies, 0.5) * 1000, latency_p95_ms=percentile(latencies, 0.95) * 1000,
        abstained_off_corpus=sum(off) / max(len(off), 1) if off is not None else None,
        off_corpus_questions=len(off or []),
    )


def evaluate_halves(settings: Settings, dataset: Path, parallel: Path | None = None, off_corpus: Path | None = None,
                    limit: int | None = None, folder: Path | None = None) -> dict[str, Report]:
    """Index the dataset's contexts (in `folder` to keep them), ask every question once, and score
    the passages: for all questions ("all") and for each half ("tuning", "held-out")."""
    articles, questions = load_squad(dataset)
    if parallel:
        questions = with_parallel_texts(questions, parallel)
    questions = questions[:limit] if limit else questions
    with dataset_service(settings, articles, folder) as service:
        asked = ask_all(service, questions, {a["id"]: a["content"] for a in articles})
        declined: list[tuple[str, bool]] | None = None
        if off_corpus:
            others = load_squad(off_corpus)[1]
            others = others[:limit] if limit else others
            declined = [(half_of(q.context_id), not service.answer(q.text).answered) for q in others]
    reports = {}
    for half in ("all", "tuning", "held-out"):
        chosen = [a for a in asked if half in ("all", a.half)]
        off = None if declined is None else [d for h, d in declined if half in ("all", h)]
        reports[half] = report_of(chosen, off)
    return reports


def evaluate(settings: Settings, dataset: Path, parallel: Path | None = None, off_corpus: Path | None = None,
             limit: int | None = None, folder: Path | None = None) -> Report:
    """Every question of the dataset, as `isnad eval` reports it."""
    return evaluate_halves(settings, dataset, parallel, off_corpus, limit, folder)["all"]
