"""`isnad index` of the whole archive from scratch, side by side in one run: the code at another
revision and this code, both with PyStemmer (the C Snowball stemmer snowballstemmer runs on when it
is installed); with --pure-python-before, the older revision runs without it, as before PyStemmer
was a dependency, and this code runs both ways too.

Usage: python bench/index_time.py [--before REV] [--pure-python-before] [--rounds N]
(reads SaudiNewsNet from ../shared/data or $ISNAD_SHARED)

Each build runs in a fresh process into a fresh folder; the older revision runs from a temporary
git worktree. Builds take turns for --rounds rounds; prints each one's seconds, round by round.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, SAUDI, require_shared_data  # noqa: E402

# Runs the CLI with PyStemmer hidden when asked (snowballstemmer then stems in pure Python).
RUNNER = """
import sys
if sys.argv.pop(1) == "hide":
    sys.modules["Stemmer"] = None
from bot.cli import main
sys.argv[0] = "isnad"
main()
"""


def build(code: Path, db: Path, stemmer: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", RUNNER, stemmer, "--corpus", str(SAUDI), "--db", str(db), "index"],
                   cwd=code, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", default="HEAD~1", help="the revision to compare with (default HEAD~1)")
    parser.add_argument("--pure-python-before", action="store_true",
                        help="the older revision without PyStemmer, and this code both ways")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    require_shared_data()
    with tempfile.TemporaryDirectory(prefix="isnad-index-time-") as scratch:
        work = Path(scratch)
        old = work / "before"
        subprocess.run(["git", "worktree", "add", "--detach", str(old), args.before], cwd=ROOT, check=True,
                       capture_output=True)
        if args.pure_python_before:
            builds = [(f"{args.before}, pure-Python stemmer", old, "hide"), ("this code, pure-Python stemmer", ROOT, "hide"),
                      ("this code, PyStemmer (shipped)", ROOT, "use")]
        else:
            builds = [(f"{args.before}, PyStemmer", old, "use"), ("this code, PyStemmer (shipped)", ROOT, "use")]
        seconds: dict[str, list[float]] = {label: [] for label, _, _ in builds}
        try:
            for round_ in range(args.rounds):
                for n, (label, code, stemmer) in enumerate(builds):
                    seconds[label].append(build(code, work / f"{round_}-{n}" / "index.sqlite", stemmer))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT, capture_output=True)
    print("| `isnad index`, whole archive, fresh process | seconds, round by round |\n|---|---|")
    for label, values in seconds.items():
        print(f"| {label} | {' / '.join(f'{v:.1f}' for v in values)} |")


if __name__ == "__main__":
    main()
