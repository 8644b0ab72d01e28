"""Shared fixtures: a scratch corpus folder with the seed article, and a way to run the real CLI."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "000_8512d675b68cda5e.txt"
PAGES = Path(__file__).resolve().parent / "fixtures" / "pages"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    return folder


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "index.sqlite"


class Isnad:
    """Runs the real `isnad` command in a subprocess against one corpus folder and database."""

    def __init__(self, corpus: Path, db: Path) -> None:
        self.corpus, self.db = corpus, db

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ISNAD_")}
        command = [sys.executable, "-m", "bot", "--corpus", str(self.corpus), "--db", str(self.db), *args]
        result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
        if check and result.returncode != 0:
            raise AssertionError(f"isnad {args} exited {result.returncode}: {result.stderr}")
        return result

    def ask(self, question: str, *flags: str) -> dict:
        return json.loads(self.run("ask", "--json", *flags, question).stdout)


@pytest.fixture
def isnad(corpus: Path, db: Path) -> Isnad:
    return Isnad(corpus, db)
