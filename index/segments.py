"""The ranking segments on disk, kept in line with the store: add a segment for new sentences, mask
deleted ones, and merge everything into one segment when the pieces grow too many or too dead."""
from __future__ import annotations

import fcntl
import json
import logging
import multiprocessing
import os
import shutil
import uuid
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import numpy as np

from index.ranking import ARRAYS, BM25Index, BM25Params, Segment, build_segment
from index.store import Store

log = logging.getLogger(__name__)
MAX_SEGMENTS = 8
MAX_DEAD_SHARE = 0.25
# A build of at least this many sentences is split into one segment per core, each read from the
# store and numbered in its own process (the whole archive: ~15 s on one core, with the other idle).
PARALLEL_BUILD_MIN = 50_000


def save_segment(segment: Segment, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in ARRAYS:
        np.save(folder / f"{name}.npy", getattr(segment, name))
    (folder / "terms.txt").write_text("\n".join(segment.terms), encoding="utf-8")


def load_segment(folder: Path) -> Segment:
    """A saved segment, its arrays memory-mapped."""
    arrays = {name: np.load(folder / f"{name}.npy", mmap_mode="r") for name in ARRAYS}
    text = (folder / "terms.txt").read_text(encoding="utf-8")
    return Segment(text.split("\n") if text else [], **arrays)


def read_manifest(folder: Path) -> dict:
    try:
        return json.loads((folder / "segments.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {"epoch": None, "segments": []}


def write_manifest(folder: Path, manifest: dict) -> None:
    """Replace the manifest in one step, so readers see the old set or the new one."""
    temporary = folder / f"segments.json.{os.getpid()}.tmp"
    temporary.write_text(json.dumps(manifest), encoding="utf-8")
    os.replace(temporary, folder / "segments.json")


def load_segments(folder: Path, epoch: str) -> tuple[list[str], list[Segment], int | None]:
    """The saved segments of this store (by epoch), their names, and the store generation whose
    sentences they hold exactly (None when the manifest does not vouch for one); none when another
    store's or damaged."""
    manifest = read_manifest(folder)
    if manifest.get("epoch") != epoch:
        return [], [], None
    try:
        names = list(manifest["segments"])
        return names, [load_segment(folder / name) for name in names], manifest.get("generation")
    except (OSError, ValueError, KeyError):
        return [], [], None


def segments_folder(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".segments")


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One writer of the segment folder at a time, across processes."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _segment_from_store(store: Store, ids: np.ndarray) -> Segment:
    keys, docs = store.sentence_tokens(ids)
    return build_segment(docs, keys)


def _segment_arrays(path: Path, ids: np.ndarray) -> tuple:
    """In a worker process: a segment of these sentences, as its terms and arrays (cheap to send back)."""
    store = Store(path, readonly=True)
    try:
        segment = _segment_from_store(store, ids)
    finally:
        store.close()
    return (segment.terms, *(getattr(segment, name) for name in ARRAYS))


def _segments_from_store(store: Store, ids: np.ndarray) -> list[Segment]:
    """Segments holding these sentences, in id order: one, or one per core for a large build."""
    cores = os.cpu_count() or 1
    if len(ids) < PARALLEL_BUILD_MIN or cores < 2:
        return [_segment_from_store(store, ids)]
    parts = np.array_split(ids, cores)
    with ProcessPoolExecutor(max_workers=cores, mp_context=multiprocessing.get_context("fork")) as pool:
        built = list(pool.map(_segment_arrays, [store.path] * len(parts), parts))
    return [Segment(terms, **dict(zip(ARRAYS, arrays))) for terms, *arrays in built]


def _persist(folder: Path, epoch: str, segments: list[Segment], names: list[str | None],
             generation: int | None = None) -> None:
    """Save new segments and point the manifest at exactly these; drop folders no longer named. With
    `generation`, the manifest also says they hold exactly the store's sentences at that generation."""
    try:
        with _locked(folder):
            for n, segment in enumerate(segments):
                if names[n] is None:
                    names[n] = f"seg-{uuid.uuid4().hex[:12]}"
                    save_segment(segment, folder / names[n])
            old = set(read_manifest(folder).get("segments", []))
            manifest = {"epoch": epoch, "segments": names}
            if generation is not None:
                manifest["generation"] = generation
            write_manifest(folder, manifest)
            for stale in old - set(names):
                shutil.rmtree(folder / stale, ignore_errors=True)
    except OSError as error:
        log.warning("could not save the ranking segments (%s); they stay in memory", error)


def current_index(store: Store, params: BM25Params, persist: bool = True) -> BM25Index | None:
    """The ranking index for exactly the sentences in the store now, or None when it has none."""
    folder = segments_folder(store.path)
    epoch, generation = store.epoch(), store.generation()
    saved_names, segments, exact_at = load_segments(folder, epoch)
    if segments and exact_at == generation:  # a start after no change skips reading every sentence id
        return BM25Index(segments, [None] * len(segments), params)
    ids = store.sentence_ids()
    if len(ids) == 0:
        return None
    names: list[str | None] = list(saved_names)
    alive = [np.isin(s.keys, ids, assume_unique=True) for s in segments]
    known = np.concatenate([s.keys for s in segments]) if segments else np.empty(0, dtype=np.int64)
    missing = np.setdiff1d(ids, known, assume_unique=True)
    dead = sum(int((~a).sum()) for a in alive)
    if not segments or len(segments) >= MAX_SEGMENTS or dead > MAX_DEAD_SHARE * len(ids):
        segments = _segments_from_store(store, ids)
        names, alive = [None] * len(segments), [None] * len(segments)
    elif len(missing):
        segments.append(_segment_from_store(store, missing))
        names.append(None)
        alive.append(None)
    masks = [None if a is None or a.all() else a for a in alive]
    # Exact only if nothing was committed while the ids and tokens were read, and nothing is masked.
    settled = generation if store.generation() == generation and all(m is None for m in masks) else None
    if persist and (None in names or settled is not None):
        _persist(folder, epoch, segments, names, settled)
    return BM25Index(segments, masks, params)
