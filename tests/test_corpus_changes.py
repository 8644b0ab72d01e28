"""Adding, changing, deleting and refusing article files; the index follows, losing nothing."""
from __future__ import annotations

import json
import sqlite3
import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import PAGES, SEED, Isnad

from index.articles import parse_bytes
from index.pipeline import process
from index.records import PIPELINE_VERSION
from index.store import FileState, Store
from index.sync import sync_corpus

WATER = "كم تبلغ طاقة محطة تحلية المياه في العلمين؟"


def reads(result) -> list[str]:
    return [line.split("reading ", 1)[1] for line in result.stderr.splitlines() if "reading " in line]


def test_dropped_article_is_answered_on_next_ask_without_rereading_the_rest(isnad: Isnad) -> None:
    isnad.run("index")
    assert isnad.ask(WATER)["answered"] is False
    shutil.copy(PAGES / "reuters_style.md", isnad.corpus / "water.md")
    result = isnad.run("-v", "ask", "--json", WATER)
    assert reads(result) == ["water.md"]  # the seed is unchanged: not read again
    passages = json.loads(result.stdout)["passages"]
    # The new article answers (which of its sentences comes first is the ranking's business: the
    # cost sentence shares «تبلغ» with the question, the capacity one only the title's words).
    capacity = next(p for p in passages if "150 ألف متر مكعب" in p["text"])
    assert capacity["source"] == "Reuters (رويترز)"
    assert all(p["url"] == "https://example.com/news/desalination-alamein" and p["published"] == "2024-03-14"
               for p in passages[:2])
    assert reads(isnad.run("-v", "ask", "--json", WATER)) == []


def test_changed_and_deleted_files_follow_the_folder(isnad: Isnad) -> None:
    target = isnad.corpus / "water.md"
    shutil.copy(PAGES / "reuters_style.md", target)
    isnad.run("index")
    target.write_text(target.read_text(encoding="utf-8").replace("150 ألف", "300 ألف"), encoding="utf-8")
    assert any("300 ألف" in p["text"] for p in isnad.ask(WATER)["passages"])
    target.unlink()
    assert isnad.ask(WATER)["answered"] is False
    assert json.loads(isnad.run("stats", "--json").stdout)["articles"] == 1


def test_index_summary_counts(isnad: Isnad) -> None:
    shutil.copy(PAGES / "saudi_style.json", isnad.corpus / "saudi.json")
    assert "2 added" in isnad.run("index").stdout
    assert "0 added, 0 updated, 0 removed, 2 unchanged" in isnad.run("index").stdout
    assert "3 articles indexed" in isnad.run("index", "--rebuild").stdout


def _zip_with_broken_member(path: Path) -> None:
    good = (PAGES / "saudi_style.json").read_bytes()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("good.json", good)
        archive.writestr("broken.json", good * 3)
    data = bytearray(path.read_bytes())
    broken_at = data.index(b"broken.json") + len("broken.json") + 40  # inside the member's deflated bytes
    data[broken_at : broken_at + 20] = b"\xff" * 20
    path.write_bytes(bytes(data))


def test_bad_files_are_reported_one_line_each_and_the_rest_indexed(isnad: Isnad) -> None:
    corpus = isnad.corpus
    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (corpus / "invalid.json").write_text('{"title": "x", "content": ', encoding="utf-8")
    (corpus / "arabic-1256.txt").write_bytes("قال الوزير إن الميزانية ستزيد هذا العام.".encode("cp1256"))
    _zip_with_broken_member(corpus / "archive.zip")
    shutil.copy(PAGES / "english_wire.txt", corpus / "wire.txt")
    result = isnad.run("index")
    problems = [line for line in result.stderr.splitlines() if line.startswith("skipped ")]
    assert len(problems) == 5, result.stderr
    reasons = "\n".join(problems)
    assert "empty.txt: empty file" in reasons
    assert "binary.txt: binary file" in reasons
    assert "invalid.json: invalid JSON" in reasons
    assert "arabic-1256.txt: not UTF-8" in reasons
    assert "archive.zip!broken.json" in reasons
    assert result.stdout.startswith("3 added")  # seed, wire, and the zip with its good member
    stats = json.loads(isnad.run("stats", "--json").stdout)
    assert stats["articles"] == 1 + 1 + 2
    assert isnad.ask("What did the central bank do with interest rates?")["answered"] is True
    assert "problems" in isnad.run("index").stdout  # failures are remembered, not re-read
    assert reads(isnad.run("-v", "index")) == []


def test_a_failing_write_leaves_the_previous_articles(tmp_path: Path, corpus: Path) -> None:
    store = Store(tmp_path / "index.sqlite")
    sync_corpus(store, corpus)
    before = store.counts()
    record = next(parse_bytes((PAGES / "english_wire.txt").read_bytes(), "wire.txt", "wire.txt"))

    def articles_then_crash():
        yield process(record)
        raise RuntimeError("crash while writing")

    state = FileState(SEED.name, 1, 1, "x", None)
    with pytest.raises(RuntimeError):
        store.replace_file(state, articles_then_crash())
    assert store.counts() == before
    assert store.files()[SEED.name].sha256 != "x"


def test_add_copies_into_the_corpus_and_indexes(isnad: Isnad, tmp_path: Path) -> None:
    outside = tmp_path / "incoming"
    outside.mkdir()
    shutil.copy(PAGES / "tweet_newsletter.txt", outside / "drought.txt")
    (outside / "bad.json").write_text("[", encoding="utf-8")
    result = isnad.run("add", str(outside / "drought.txt"), str(outside / "bad.json"))
    assert (isnad.corpus / "drought.txt").exists() and not (isnad.corpus / "bad.json").exists()
    assert "refused" in result.stderr and "invalid JSON" in result.stderr
    assert isnad.ask("ما عدد المحتاجين الذين تكفيهم المساعدات الحالية؟")["answered"] is True
    assert isnad.run("add", str(outside / "bad.json"), check=False).returncode == 1


def test_the_paragraph_count_follows_adds_changes_and_removals(tmp_path: Path, corpus: Path) -> None:
    store = Store(tmp_path / "index.sqlite")

    def counted() -> int:
        return store.conn.execute("SELECT COUNT(*) FROM (SELECT DISTINCT article, paragraph FROM sentences)").fetchone()[0]

    sync_corpus(store, corpus)
    first = store.paragraph_count()
    assert first == counted() > 0
    shutil.copy(PAGES / "reuters_style.md", corpus / "water.md")
    shutil.copy(PAGES / "english_wire.txt", corpus / "wire.txt")
    sync_corpus(store, corpus)
    assert store.paragraph_count() == counted() > first
    (corpus / "water.md").write_text("عنوان\n\nفقرة واحدة قصيرة.", encoding="utf-8")
    (corpus / "wire.txt").unlink()
    sync_corpus(store, corpus)
    assert store.paragraph_count() == counted()
    store.conn.execute("DELETE FROM meta WHERE key = 'paragraphs'")  # an index made before the count was kept
    store.conn.commit()
    assert Store(tmp_path / "index.sqlite").paragraph_count() == counted()


def test_an_index_made_by_another_pipeline_version_is_read_again(isnad: Isnad) -> None:
    isnad.run("index")
    with sqlite3.connect(isnad.db) as conn:  # as an older Isnad left it: no speakers, another version
        conn.execute("UPDATE sentences SET speaker = NULL")
        conn.execute("UPDATE meta SET value = 'older' WHERE key = 'pipeline'")
    result = isnad.run("ask", "--json", "ماذا قال سوليفان؟")
    assert "another version of Isnad's article pipeline" in result.stderr
    with sqlite3.connect(isnad.db) as conn:
        version = conn.execute("SELECT value FROM meta WHERE key = 'pipeline'").fetchone()[0]
        speakers = conn.execute("SELECT count(*) FROM sentences WHERE speaker LIKE '%سوليفان%'").fetchone()[0]
    assert version == PIPELINE_VERSION and speakers > 0
    assert "سوليفان" in json.loads(result.stdout)["passages"][0]["text"]
    assert "another version" not in isnad.run("ask", "--json", "ماذا قال سوليفان؟").stderr  # once only
