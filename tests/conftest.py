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

    def __init__(self, corpus: Path, db: Path, **env: str) -> None:
        self.corpus, self.db, self.extra_env = corpus, db, env

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "bot", "--corpus", str(self.corpus), "--db", str(self.db), *args]

    def env(self) -> dict[str, str]:
        return {**{k: v for k, v in os.environ.items() if not k.startswith("ISNAD_")}, **self.extra_env}

    def start(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(self.command(*args), env=self.env(), cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(self.command(*args), capture_output=True, text=True, env=self.env(), cwd=ROOT, timeout=300)
        if check and result.returncode != 0:
            raise AssertionError(f"isnad {args} exited {result.returncode}: {result.stderr}")
        return result

    def ask(self, question: str, *flags: str) -> dict:
        return json.loads(self.run("ask", "--json", *flags, question).stdout)


@pytest.fixture
def isnad(corpus: Path, db: Path) -> Isnad:
    return Isnad(corpus, db)
