"""Bring the store in line with a corpus folder: read only new and changed files, drop deleted ones."""
from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from index.articles import (
    ARTICLE_SUFFIXES,
    ArticleError,
    ArticleRecord,
    Problem,
    parse_bytes,
)
from index.pipeline import ProcessedArticle, process
from index.store import FileState, Store, StoreError

log = logging.getLogger(__name__)
PARALLEL_MIN_ARTICLES = 200


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    read: list[str] = field(default_factory=list)
    articles: int = 0
    duplicates: int = 0
    problems: list[Problem] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
            f"{self.unchanged} unchanged; {self.articles} articles indexed"
            + (f" ({self.duplicates} duplicates stored once)" if self.duplicates else "")
            + f"; {len(self.problems)} problems"
        )


def corpus_files(root: Path) -> dict[str, Path]:
    """Article files under root by their path relative to it; hidden files and links out of root are skipped."""
    if not root.is_dir():
        raise FileNotFoundError(f"corpus folder {root} does not exist")
    real_root = root.resolve()
    found = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts) or path.suffix.lower() not in ARTICLE_SUFFIXES:
            continue
        if not path.is_file() or not path.resolve().is_relative_to(real_root):
            continue
        found[relative.as_posix()] = path
    return found


def safe_file_name(name: str) -> str:
    """A plain file name that cannot leave the corpus folder, whatever the given name says."""
    base = Path(name.replace("\\", "/")).name.lstrip(".").replace("\x00", "")
    if Path(base).suffix.lower() not in ARTICLE_SUFFIXES:
        base = f"{base or 'article'}.txt"
    return base


def free_target(folder: Path, name: str, data: bytes) -> Path | None:
    """Where to save a file in the corpus folder; None when the same content is already there."""
    target = folder / name
    stem, suffix, n = target.stem, target.suffix, 1
    while target.exists():
        if target.read_bytes() == data:
            return None
        n += 1
        target = folder / f"{stem}-{n}{suffix}"
    return target


def check_articles(name: str, data: bytes) -> None:
    """ArticleError, saying why, unless the file's bytes hold at least one readable article."""
    items = list(parse_bytes(data, name, name))
    if not any(isinstance(item, ArticleRecord) for item in items):
        raise ArticleError("; ".join(i.reason for i in items if isinstance(i, Problem)) or "no articles found")


def put_article_file(root: Path, relative: str, data: bytes) -> None:
    """Save a file holding articles at this place in the corpus folder, replacing what is there in
    one step; ArticleError, and nothing written, when it holds no article."""
    if Path(relative).is_absolute() or ".." in Path(relative).parts:
        raise ValueError(f"not a place inside the corpus folder: {relative}")
    check_articles(relative, data)
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")  # not an article suffix: never indexed half-written
    partial.write_bytes(data)
    partial.replace(target)


def save_article_file(root: Path, name: str, data: bytes) -> str | None:
    """Save a file that holds articles into the corpus folder under a safe, unused name; its path
    relative to the folder, or None when the same content is already there. ArticleError, and nothing
    saved, when it holds no article."""
    name = safe_file_name(name)
    check_articles(name, data)
    root.mkdir(parents=True, exist_ok=True)
    target = free_target(root, name, data)
    if target is None:
        return None
    target.write_bytes(data)
    return target.relative_to(root).as_posix()


def file_state(relative: str, path: Path, data: bytes | None = None) -> FileState:
    stat = path.stat()
    digest = hashlib.sha256(data).hexdigest() if data is not None else ""
    return FileState(relative, stat.st_size, stat.st_mtime_ns, digest, None)


class Workers:
    """Processes articles on every core when a file holds many (a zip of thousands); else in-process."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    def start(self, records: list[ArticleRecord]) -> Callable[[], list[ProcessedArticle]]:
        """Begin processing these records; the returned call waits for them (and raises what they raised)."""
        cores = os.cpu_count() or 1
        if len(records) < PARALLEL_MIN_ARTICLES or cores < 2:
            return lambda: [process(r) for r in records]
        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=cores, mp_context=multiprocessing.get_context("fork"))
        results = self._pool.map(process, records, chunksize=64)  # every chunk is submitted now
        return lambda: list(results)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()


@dataclass
class PendingFile:
    """A file read and parsed whose articles are being processed, to be written when they are ready."""

    state: FileState
    known: FileState | None
    articles: Callable[[], list[ProcessedArticle]]


def _records(data: bytes, path: Path, relative: str, report: SyncReport) -> list[ArticleRecord]:
    records = []
    for item in parse_bytes(data, path.name, relative):
        if isinstance(item, Problem):
            report.problems.append(item)
        else:
            records.append(item)
    return records


def _read_file(
    store: Store, relative: str, path: Path, known: FileState | None, report: SyncReport, max_bytes: int,
    workers: Workers,
) -> PendingFile | None:
    """Read and parse a changed file and start processing its articles; None when there is nothing
    to write (unchanged content, or a file that is refused, whose failure is recorded)."""
    size = path.stat().st_size
    if size > max_bytes:
        reason = f"file is {size:,} bytes, over the {max_bytes:,}-byte limit (index.max_file_bytes)"
        report.problems.append(Problem(relative, reason))
        store.record_failure(FileState(relative, size, path.stat().st_mtime_ns, "", reason))
        return None
    log.info("reading %s", relative)
    data = path.read_bytes()
    state = file_state(relative, path, data)
    report.read.append(relative)
    if known and known.sha256 == state.sha256:
        store.touch_file(state)
        report.unchanged += 1
        return None
    try:
        return PendingFile(state, known, workers.start(_records(data, path, relative, report)))
    except (ArticleError, OSError) as error:
        _record_failure(store, state, report, error)
        return None


def _write_file(store: Store, pending: PendingFile, report: SyncReport) -> None:
    """Write a file's articles once all are processed: a file that fails halfway leaves the store as it was."""
    try:
        articles = pending.articles()
    except (ArticleError, OSError) as error:
        _record_failure(store, pending.state, report, error)
        return
    stored, duplicates = store.replace_file(pending.state, articles)
    report.articles += stored
    report.duplicates += duplicates
    (report.updated if pending.known else report.added).append(pending.state.path)


def _record_failure(store: Store, state: FileState, report: SyncReport, error: Exception) -> None:
    report.problems.append(Problem(state.path, str(error)))
    store.record_failure(FileState(state.path, state.size, state.mtime_ns, state.sha256, str(error)))


def sync_corpus(
    store: Store,
    root: Path,
    progress: Callable[[str], None] | None = None,
    max_bytes: int = 200_000_000,
) -> SyncReport:
    """Index new and changed files (by size and time, then content hash), drop vanished ones. While a
    file's articles are written, the next file's are processed on the other cores."""
    report = SyncReport()
    files = corpus_files(root)
    known = store.files()
    for relative in sorted(set(known) - set(files)):
        store.remove_file(relative)
        report.removed.append(relative)
    if report.removed:
        known = store.files()  # a removal can send files that held duplicates back to be read
    workers = Workers()
    pending: PendingFile | None = None

    def write_pending() -> None:
        if pending:
            _write_file(store, pending, report)
            if progress:
                progress(pending.state.path)

    try:
        for relative, path in files.items():
            before = known.get(relative)
            stat = path.stat()
            read = None
            if before and before.size == stat.st_size and before.mtime_ns == stat.st_mtime_ns:
                report.unchanged += 1
            else:
                read = _read_file(store, relative, path, before, report, max_bytes, workers)
            write_pending()
            pending = read
            if progress and not read:
                progress(relative)
        write_pending()
    finally:
        workers.close()
    for problem in report.problems:
        log.info("skipped %s: %s", problem.where, problem.reason)
    return report


def _sidecars(path: Path) -> list[Path]:
    return [path, Path(f"{path}-wal"), Path(f"{path}-shm")]


def rebuild(db_path: Path, root: Path, progress: Callable[[str], None] | None = None, max_bytes: int = 200_000_000) -> SyncReport:
    """Index the whole corpus into a fresh file, then copy it over the live index in one step.

    Until the copy, readers keep answering from the old index; a crash leaves it untouched. A live
    index that cannot be opened (damaged, another version) is replaced by the fresh file instead.
    """
    fresh_path = db_path.with_name(db_path.name + ".rebuild")
    for leftover in _sidecars(fresh_path):
        leftover.unlink(missing_ok=True)
    fresh = Store(fresh_path)
    try:
        report = sync_corpus(fresh, root, progress, max_bytes)
        try:
            live = Store(db_path)
        except StoreError:
            fresh.close()
            for damaged in _sidecars(db_path):
                damaged.unlink(missing_ok=True)
            os.replace(fresh_path, db_path)
            return report
        old_generation = live.generation()
        fresh.adopt_vectors(live)
        fresh.conn.backup(live.conn)
        # The copy carries the fresh file's counter; move past the old one so every reader reloads.
        live.conn.execute(
            "UPDATE meta SET value = ? WHERE key = 'generation'", (str(old_generation + 1 + fresh.generation()),)
        )
        live.close()
    finally:
        fresh.close()
        for leftover in _sidecars(fresh_path):
            leftover.unlink(missing_ok=True)
    return report
