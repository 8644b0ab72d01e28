"""Faults and hostile files: killed builds, concurrent readers, full disks, damaged and unwritable
indexes, zip bombs, escaping paths, links out of the corpus, invisible characters, duplicates."""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import time
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, SEED, Isnad

from bot.service import AnswerService
from bot.settings import load_settings
from index.sync import safe_file_name

SEED_QUESTION = "ماذا قال سوليفان؟"
FAST = {"ISNAD_DENSE": "0"}


def synthetic_corpus(folder: Path, files: int = 30, per_file: int = 60) -> None:
    """Many small distinct articles in JSONL files, each naming a unique made-up city."""
    rng = random.Random(4)
    letters = "بتثجحخدذرزسشصضطظعغفقكلمنهوي"
    for f in range(files):
        with open(folder / f"batch-{f:03d}.jsonl", "w", encoding="utf-8") as out:
            for n in range(per_file):
                city = "".join(rng.choice(letters) for _ in range(7))
                text = (f"افتتحت بلدية مدينة {city} مكتبة عامة جديدة رقم {f}{n}. "
                        f"وقال رئيس البلدية إن المكتبة ستخدم سكان {city} كلهم. "
                        f"وتضم المكتبة {n + 100} ألف كتاب.")
                out.write(json.dumps({"id": f"{f}-{n}", "title": f"مكتبة {city}", "content": text}, ensure_ascii=False) + "\n")


def index_seed_alone(isnad: Isnad) -> Path:
    """Index only the seed article into `isnad`'s database: the previous index that must survive."""
    seed_only = isnad.corpus.parent / "seed-only"
    seed_only.mkdir(exist_ok=True)
    shutil.copy(SEED, seed_only / SEED.name)
    Isnad(seed_only, isnad.db, **FAST).run("index")
    return seed_only


def counts(isnad: Isnad) -> tuple[int, int]:
    stats = json.loads(isnad.run("stats", "--json").stdout)
    return stats["articles"], stats["sentences"]


@pytest.fixture
def big(tmp_path: Path) -> tuple[Isnad, Isnad]:
    """The same large corpus (seed + 1,800 articles) for an uninterrupted run and one that is hurt."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    synthetic_corpus(corpus)
    return Isnad(corpus, tmp_path / "reference.sqlite", **FAST), Isnad(corpus, tmp_path / "hurt.sqlite", **FAST)


def test_killed_builds_resume_to_the_same_index_and_the_old_one_keeps_answering(big: tuple[Isnad, Isnad]) -> None:
    reference, hurt = big
    started = time.perf_counter()
    reference.run("index")
    duration = time.perf_counter() - started
    expected = counts(reference)

    index_seed_alone(hurt)  # the previous index, which must keep answering while builds are killed

    survived = 0
    for share in (0.15, 0.4, 0.65, 0.9):
        process = hurt.start("index")
        time.sleep(duration * share)
        answer = json.loads(hurt.run("ask", "--json", SEED_QUESTION).stdout)  # while the build runs
        assert answer["answered"] is True
        process.send_signal(signal.SIGKILL)
        process.wait(30)
        survived += 1
        assert json.loads(hurt.run("ask", "--json", SEED_QUESTION).stdout)["answered"] is True
    hurt.run("index")
    assert survived == 4
    assert counts(hurt) == expected
    question = "كم كتاباً تضم مكتبة مدينة"  # any synthetic article
    assert hurt.ask(question)["answered"] == reference.ask(question)["answered"]


def test_readers_answer_while_another_process_indexes(big: tuple[Isnad, Isnad]) -> None:
    _, isnad = big
    seed_only = index_seed_alone(isnad)
    settings = load_settings(ROOT / "config.toml", environ={}).with_paths(seed_only, isnad.db).override({"dense.enabled": False})
    service = AnswerService(settings)
    last_file = sorted(isnad.corpus.glob("batch-*.jsonl"))[-1].read_text(encoding="utf-8").splitlines()[-1]
    late_city = json.loads(last_file)["title"].split()[-1]
    late_question = f"كم كتاباً تضم مكتبة {late_city}؟"
    process = isnad.start("index")
    answered, errors, switched = 0, [], False
    try:
        while process.poll() is None or not switched:
            try:
                assert service.answer(SEED_QUESTION).answered
                answered += 1
                switched = service.answer(late_question).answered
            except Exception as error:  # noqa: BLE001 - any error reaching a user fails the test
                errors.append(repr(error))
            if process.poll() is not None and not switched:
                switched = service.answer(late_question).answered
                break
    finally:
        process.wait(60)
        service.close()
    print(f"answered {answered} questions while another process indexed")  # shown with pytest -s
    assert process.returncode == 0
    assert errors == []
    assert answered >= 3
    assert switched, "answers did not switch to the new articles after the write committed"


def test_full_disk_is_a_clear_message_and_keeps_what_was_indexed(big: tuple[Isnad, Isnad]) -> None:
    _, isnad = big
    seed_only = index_seed_alone(isnad)
    limited = Isnad(isnad.corpus, isnad.db, ISNAD_MAX_DB_BYTES="400000", **FAST)
    result = limited.run("index", check=False)
    assert result.returncode == 1
    assert "no space left" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert json.loads(Isnad(seed_only, isnad.db, **FAST).run("ask", "--json", SEED_QUESTION).stdout)["answered"]


def test_damaged_index_names_the_rebuild_command_which_fixes_it(isnad: Isnad) -> None:
    isnad.run("index")
    isnad.db.write_bytes(b"this is not a database" * 100)
    for suffix in ("-wal", "-shm"):
        Path(f"{isnad.db}{suffix}").unlink(missing_ok=True)
    result = isnad.run("ask", SEED_QUESTION, check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "isnad index --rebuild" in result.stderr
    isnad.run("index", "--rebuild")
    assert isnad.ask(SEED_QUESTION)["answered"] is True


def test_unwritable_index_location_is_a_clear_message(corpus: Path) -> None:
    result = Isnad(corpus, Path("/proc/isnad/index.sqlite")).run("index", check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("isnad: ") and len(result.stderr.strip().splitlines()) == 1


def _zip(path: Path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def test_hostile_files_are_refused_or_ignored(isnad: Isnad, tmp_path: Path) -> None:
    corpus = isnad.corpus
    good = json.dumps({"title": "خبر سليم عن الزراعة", "content": "زرع المزارعون القمح في الوادي الأخضر هذا الموسم."}, ensure_ascii=False)
    _zip(corpus / "bomb.zip", {"bomb.json": b" " * 60_000_000})
    _zip(corpus / "paths.zip", {"../escape.json": good.encode(), "/absolute.json": good.encode(), "fine.json": good.encode()})
    (corpus / "nul.txt").write_bytes("عنوان خبر طويل بما يكفي\nنص\x00مع بايت صفري.".encode())
    outside = tmp_path / "outside.txt"
    outside.write_text("مقال خارج المجلد يتحدث عن الطاقة الشمسية في الصحراء الكبرى\nنص المقال هنا.", encoding="utf-8")
    os.symlink(outside, corpus / "link.txt")
    (corpus / "huge.txt").write_text("عنوان طويل لمقال كبير جداً\n" + "كلمة " * 20000, encoding="utf-8")
    result = Isnad(corpus, isnad.db, ISNAD_MAX_FILE_BYTES="100000", **FAST).run("index")
    reasons = result.stderr
    assert "bomb.zip!bomb.json: zip member compresses" in reasons
    assert "paths.zip!../escape.json: unsafe path" in reasons and "paths.zip!/absolute.json: unsafe path" in reasons
    assert "nul.txt: binary file" in reasons
    assert "huge.txt: file is" in reasons and "over the 100,000-byte limit" in reasons
    assert len(reasons.strip().splitlines()) == 5  # one line each
    assert "link.txt" not in result.stdout + reasons
    assert isnad.ask("ماذا زرع المزارعون في الوادي الأخضر؟")["answered"] is True  # the zip's fine member
    assert isnad.ask("الطاقة الشمسية في الصحراء الكبرى")["answered"] is False  # the link was not followed


def test_invisible_and_bidi_characters_do_not_hide_words(isnad: Isnad) -> None:
    text = "عنوان خبر عن السدود المائية\nأعلنت الوزارة بناء سد\u200c جديد على نهر\u200f الفرات\u200b قرب مدينة الرقة.\n"
    (isnad.corpus / "bidi.txt").write_text(text, encoding="utf-8")
    answer = isnad.ask("أين يبنى السد الجديد على نهر الفرات؟")
    assert answer["answered"] and "\u200f" in answer["passages"][0]["text"]
    body = (isnad.corpus / "bidi.txt").read_text(encoding="utf-8")
    assert body[answer["passages"][0]["start"] : answer["passages"][0]["end"]] == answer["passages"][0]["text"]


def test_thousands_of_duplicate_articles_are_stored_once(isnad: Isnad) -> None:
    article = {"title": "نتائج الانتخابات البلدية", "content": "فاز المرشح المستقل بمقعد الدائرة الثالثة في الانتخابات البلدية."}
    lines = [json.dumps({**article, "id": f"copy-{n}"}, ensure_ascii=False) for n in range(2000)]
    (isnad.corpus / "copies.jsonl").write_text("\n".join(lines), encoding="utf-8")
    (isnad.corpus / "more-copies.jsonl").write_text("\n".join(lines[:500]), encoding="utf-8")
    summary = isnad.run("index").stdout
    assert "2499 duplicates stored once" in summary
    assert counts(isnad)[0] == 2
    (isnad.corpus / "copies.jsonl").unlink()  # the stored copy goes: another file's copy takes its place
    isnad.run("index")
    assert counts(isnad)[0] == 2
    assert isnad.ask("من فاز بمقعد الدائرة الثالثة في الانتخابات البلدية؟")["answered"] is True


@pytest.mark.parametrize("name", ["../../etc/passwd.txt", "/tmp/abs.json", "..\\..\\win.md", ".hidden.txt", "con\x00.txt"])
def test_added_file_names_cannot_leave_the_corpus(name: str) -> None:
    safe = safe_file_name(name)
    assert "/" not in safe and "\\" not in safe and not safe.startswith(".") and "\x00" not in safe


def test_read_only_index_still_answers_and_refuses_writes_clearly(isnad: Isnad) -> None:
    import subprocess

    fast = Isnad(isnad.corpus, isnad.db, **FAST)
    fast.run("index")
    if subprocess.run(["chattr", "+i", str(isnad.db)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not supported on this file system")
    try:
        shutil.copy(ROOT / "tests" / "fixtures" / "pages" / "english_wire.txt", isnad.corpus / "wire.txt")
        asked = fast.run("ask", "--json", SEED_QUESTION)
        assert json.loads(asked.stdout)["answered"] is True and "read-only" in asked.stderr
        indexed = fast.run("index", check=False)
        assert indexed.returncode == 1 and "Traceback" not in indexed.stderr
        assert indexed.stderr.strip() == "isnad: cannot write the index (attempt to write a readonly database); use a writable --db path"
    finally:
        subprocess.run(["chattr", "-i", str(isnad.db)], check=True)


def test_an_index_missing_part_of_its_schema_gets_it_back_when_opened(tmp_path: Path) -> None:
    """An existing index skips creating its schema only when every part of it is there."""
    import sqlite3

    from index.store import Store

    path = tmp_path / "index.sqlite"
    Store(path).close()
    with sqlite3.connect(path) as conn:
        made = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")}
        assert made == Store.SCHEMA_OBJECTS  # the check knows every part `_create_schema` makes
        conn.execute("DROP INDEX idx_sentences_article")
        conn.execute("DELETE FROM meta WHERE key = 'paragraphs'")
    Store(path).close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'idx_sentences_article'").fetchone()
        assert conn.execute("SELECT value FROM meta WHERE key = 'paragraphs'").fetchone() == ("0",)
