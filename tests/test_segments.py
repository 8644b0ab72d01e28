"""Saved ranking segments follow the store: a segment per batch of new sentences, deletions masked,
merging when too many, and a store rebuilt from scratch never trusts another store's segments."""
from __future__ import annotations

import shutil
from pathlib import Path

from conftest import PAGES
from rank_bm25 import BM25Plus

from bot.settings import defaults
from index.segments import MAX_SEGMENTS, current_index, read_manifest, segments_folder
from index.store import Store
from index.sync import rebuild, sync_corpus
from index.tokens import tokenize


def reference_best(store: Store, query: list[str]) -> float:
    keys, docs = store.sentence_tokens(store.sentence_ids())
    return max(BM25Plus(docs, k1=0.9, b=0.4, delta=1.0).get_scores(query))


def test_new_files_add_a_segment_and_deleted_ones_are_masked(corpus: Path, db: Path) -> None:
    store = Store(db)
    sync_corpus(store, corpus)
    first = current_index(store, defaults().ranking)
    assert len(read_manifest(segments_folder(db))["segments"]) == 1
    shutil.copy(PAGES / "saudi_style.json", corpus / "saudi.json")
    sync_corpus(store, corpus)
    second = current_index(store, defaults().ranking)
    assert len(second.segments) == 2 and second.size > first.size
    query = ["مستشف", "جده"]
    assert abs(second.search(query, 1)[0].score - reference_best(store, query)) < 1e-9
    (corpus / "saudi.json").unlink()
    sync_corpus(store, corpus)
    third = current_index(store, defaults().ranking)
    assert third.size == first.size and third.search(query, 1) == []
    assert abs(third.search(["قال", "سوليف"], 1)[0].score - first.search(["قال", "سوليف"], 1)[0].score) < 1e-9


def test_too_many_segments_are_merged_into_one(corpus: Path, db: Path) -> None:
    store = Store(db)
    for n in range(MAX_SEGMENTS + 1):
        shutil.copy(PAGES / "english_wire.txt", corpus / f"wire-{n}.txt")
        (corpus / f"wire-{n}.txt").write_text(f"{(PAGES / 'english_wire.txt').read_text()}\nExtra line {n}.\n")
        sync_corpus(store, corpus)
        index = current_index(store, defaults().ranking)
    assert len(index.segments) < MAX_SEGMENTS
    assert index.size == len(store.sentence_ids())


def test_rebuilt_store_does_not_reuse_old_segments(corpus: Path, db: Path) -> None:
    store = Store(db)
    sync_corpus(store, corpus)
    before = current_index(store, defaults().ranking)
    store.close()
    shutil.copy(PAGES / "saudi_style.json", corpus / "saudi.json")
    rebuild(db, corpus)
    store = Store(db)
    after = current_index(store, defaults().ranking)
    assert after.size == len(store.sentence_ids()) > before.size
    query = ["مستشف", "جده"]
    assert abs(after.search(query, 1)[0].score - reference_best(store, query)) < 1e-9


def test_a_start_trusts_segments_saved_at_the_same_generation_only(corpus: Path, db: Path, monkeypatch) -> None:
    store = Store(db)
    sync_corpus(store, corpus)
    first = current_index(store, defaults().ranking)
    assert read_manifest(segments_folder(db))["generation"] == store.generation()

    def unread(self: Store) -> None:
        raise AssertionError("the sentence ids were read although the saved segments are exact")

    with monkeypatch.context() as patched:
        patched.setattr(Store, "sentence_ids", unread)
        again = current_index(store, defaults().ranking)
    assert again.size == first.size
    shutil.copy(PAGES / "saudi_style.json", corpus / "saudi.json")
    sync_corpus(store, corpus)  # a new generation: the saved manifest no longer vouches for the store
    after = current_index(store, defaults().ranking)
    assert after.size == len(store.sentence_ids()) > first.size
    assert read_manifest(segments_folder(db))["generation"] == store.generation()


def test_a_large_build_split_over_processes_scores_as_one_segment(corpus: Path, db: Path, monkeypatch) -> None:
    import index.segments as segments_module

    store = Store(db)
    shutil.copy(PAGES / "saudi_style.json", corpus / "saudi.json")
    sync_corpus(store, corpus)
    single = current_index(store, defaults().ranking, persist=False)
    monkeypatch.setattr(segments_module, "PARALLEL_BUILD_MIN", 1)
    monkeypatch.setattr(segments_module.os, "cpu_count", lambda: 2)
    split = current_index(store, defaults().ranking)
    assert len(single.segments) == 1 and len(split.segments) == 2 and split.size == single.size
    for query in (["مستشف", "جده"], ["قال", "سوليف"], tokenize("ماذا قال بوتين عن أوكرانيا؟")):
        assert [(h.key, round(h.score, 9)) for h in split.search(query, 10)] == \
               [(h.key, round(h.score, 9)) for h in single.search(query, 10)]
        assert abs(split.search(query, 1)[0].score - reference_best(store, query)) < 1e-9
