"""`isnad index` of the whole archive from scratch, side by side in one run: the code at another
revision, and this code with and without PyStemmer (the C Snowball stemmer snowballstemmer runs on
when it is installed).

Usage: python bench/index_time.py [--before REV]   (reads SaudiNewsNet from ../shared/data or $ISNAD_SHARED)

Each build runs in a fresh process into a fresh folder; the older revision runs from a temporary
git worktree, with PyStemmer hidden as it was not a dependency then. Prints seconds per build.
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
    args = parser.parse_args()
    require_shared_data()
    with tempfile.TemporaryDirectory(prefix="isnad-index-time-") as scratch:
        work = Path(scratch)
        old = work / "before"
        subprocess.run(["git", "worktree", "add", "--detach", str(old), args.before], cwd=ROOT, check=True,
                       capture_output=True)
        try:
            rows = [
                (f"{args.before}, pure-Python stemmer", build(old, work / "a" / "index.sqlite", "hide")),
                ("this code, pure-Python stemmer", build(ROOT, work / "b" / "index.sqlite", "hide")),
                ("this code, PyStemmer (shipped)", build(ROOT, work / "c" / "index.sqlite", "use")),
            ]
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT, capture_output=True)
    print("| `isnad index`, whole archive, fresh process | seconds |\n|---|---|")
    for label, seconds in rows:
        print(f"| {label} | {seconds:.1f} |")


if __name__ == "__main__":
    main()
