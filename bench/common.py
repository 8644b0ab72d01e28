"""Shared helpers for the benchmarks: where the shared data is, corpora at a given scale, timing."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from bot.evaluation import percentile

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("ISNAD_SHARED", ROOT.parent / "shared"))
SAUDI = SHARED / "data" / "saudinewsnet"
ARCD = SHARED / "data" / "arcd" / "arcd-train.json"


def require_shared_data() -> None:
    """Benchmarks read ../shared/data; without it they say so and exit cleanly."""
    if not SAUDI.is_dir() or not ARCD.is_file():
        print(f"skipped: shared data not found under {SHARED / 'data'} (set ISNAD_SHARED)")
        sys.exit(0)


def saudi_articles() -> list[dict]:
    articles = []
    for path in sorted(SAUDI.glob("*.zip")):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if name.endswith(".json"):
                    articles.extend(json.loads(archive.read(name)))
    return articles


def write_corpus(folder: Path, articles: list[dict], copies: int = 1, per_file: int = 2000) -> None:
    """JSONL files of the articles; extra copies get distinct ids and titles, so none is stored as a duplicate."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [{**a, "id": f"c{c}-{n}", "url": f"{a.get('url')}#copy{c}", "title": f"{a.get('title')}" + (f" [{c}]" if c else "")}
            for c in range(copies) for n, a in enumerate(articles)]
    for start in range(0, len(rows), per_file):
        with open(folder / f"part-{start // per_file:04d}.jsonl", "w", encoding="utf-8") as out:
            for row in rows[start : start + per_file]:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")


def arcd_questions() -> list[str]:
    data = json.loads(ARCD.read_text(encoding="utf-8"))
    return [qa["question"] for article in data["data"] for p in article["paragraphs"] for qa in p["qas"]]


def percentiles(values: list[float]) -> tuple[float, float]:
    """p50 and p95 in milliseconds of durations given in seconds."""
    return percentile(values, 0.5) * 1000, percentile(values, 0.95) * 1000


def run_isnad(corpus: Path, db: Path, *args: str) -> tuple[float, str]:
    """Seconds a fresh `isnad` process takes (dense vectors off), and what it printed."""
    command = [sys.executable, "-m", "bot", "--corpus", str(corpus), "--db", str(db), *args]
    env = {**os.environ, "ISNAD_DENSE": "0"}
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=True, env=env)
    return time.perf_counter() - started, done.stdout


def disk_bytes(db: Path) -> int:
    paths = [db, Path(f"{db}-wal")] + [p for p in db.with_name(db.name + ".segments").rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in paths if p.exists())


# A fresh serving process: the service warmed up, the first question answered (its time kept apart),
# then every other one timed. Optional settings overrides and passage word caps (title, sentence).
_SERVING_PROBE = """
import json, sys, time
from pathlib import Path
sys.path.insert(0, ".")
import index.dense as dense
from bench.common import percentiles
from bot.cli import configure_threads
from bot.service import AnswerService
from bot.settings import load_settings
configure_threads()  # as the `isnad` entry point does
corpus, db, questions, overrides, caps = Path(sys.argv[1]), Path(sys.argv[2]), *map(json.loads, sys.argv[3:6])
if caps:
    dense.TITLE_WORDS, dense.SENTENCE_WORDS = caps
service = AnswerService(load_settings().override(overrides).with_paths(corpus, db))
service.warm_up()
started = time.perf_counter()
service.answer(questions[0])
first = time.perf_counter() - started
durations = []
for q in questions[1:]:
    t = time.perf_counter()
    service.answer(q)
    durations.append(time.perf_counter() - t)
p50, p95 = percentiles(durations)
rss = next(int(l.split()[1]) / 1024 for l in open("/proc/self/status") if l.startswith("VmRSS:"))
print(json.dumps({"first_s": first, "p50_ms": p50, "p95_ms": p95, "rss_mb": rss, "vectors": len(service.refresh_vectors())}))
"""


def serving_latencies(corpus: Path, db: Path, questions: list[str], overrides: dict | None = None,
                      caps: tuple[int, int] | None = None) -> dict:
    """A fresh serving process (vectors on): the first answer's seconds, p50/p95 of the rest, its RSS after them."""
    done = subprocess.run([sys.executable, "-c", _SERVING_PROBE, str(corpus), str(db), json.dumps(questions),
                           json.dumps(overrides or {}), json.dumps(caps)], capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise SystemExit(f"the measuring process failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])
