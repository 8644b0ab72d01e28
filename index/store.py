"""The SQLite store (system of record): articles, their sentences, and a manifest of indexed files."""
from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from index.dates import normalized_date
from index.dense import ARTICLE_RECIPE, VECTOR_RECIPE
from index.records import PIPELINE_VERSION, ProcessedArticle, StoredArticle, StoredSentence

log = logging.getLogger(__name__)
SCHEMA_VERSION = "5"  # 5: two ranking tokens a word (root and light stem)
SENTENCE_COLUMNS = 'id, article, paragraph, start, "end", source, speaker, tokens'
# The vector caches: a sentence's vector, and an article's, kept under the id of the article's first
# sentence (sentence ids are never reused; an article's row id may be, after the last one is deleted).
SENTENCE_VECTORS, ARTICLE_VECTORS = "vectors", "article_vectors"
RECIPES = {SENTENCE_VECTORS: ("vector_recipe", VECTOR_RECIPE), ARTICLE_VECTORS: ("article_vector_recipe", ARTICLE_RECIPE)}


class StoreError(RuntimeError):
    """The index database cannot be used; the message names the way out."""


class SchemaMismatch(sqlite3.DatabaseError):
    """The database is an Isnad index of another version (or not one at all)."""


@dataclass(frozen=True)
class FileState:
    path: str
    size: int
    mtime_ns: int
    sha256: str
    error: str | None


def connect(path: Path, readonly: bool = False) -> sqlite3.Connection:
    """A connection in autocommit mode (we BEGIN ourselves), waiting on writers instead of failing."""
    try:
        if readonly:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False, timeout=30)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
        conn.isolation_level = None
        conn.execute("PRAGMA busy_timeout = 30000")
        return conn
    except (sqlite3.Error, OSError) as error:
        raise StoreError(f"cannot open the index at {path}: {error}") from None


class Store:
    """Reads and writes the index database. Every file's articles change in one transaction."""

    def __init__(self, path: Path, readonly: bool = False, max_bytes: int | None = None) -> None:
        self.path = path
        self.conn = connect(path, readonly)
        try:
            if max_bytes:
                page = self.conn.execute("PRAGMA page_size").fetchone()[0]
                self.conn.execute(f"PRAGMA max_page_count = {max(int(max_bytes) // page, 1)}")
            if not readonly:
                self._create_schema_unless_readonly()
            self._check_schema()
        except SchemaMismatch:
            self.conn.close()
            raise StoreError(
                f"the index at {path} was made by another version of Isnad; rebuild it with `isnad index --rebuild`"
            ) from None
        except sqlite3.DatabaseError as error:
            self.conn.close()
            raise StoreError(
                f"the index at {path} is damaged ({error}); rebuild it with `isnad index --rebuild`"
            ) from None

    def _create_schema_unless_readonly(self) -> None:
        """Create what is missing; a database we may not write is still read (writes then fail clearly)."""
        if self._schema_is_complete():
            return
        try:
            self._create_schema()
        except sqlite3.OperationalError as error:
            if "readonly" not in str(error):
                raise

    SCHEMA_OBJECTS = frozenset({"meta", "files", "articles", "sentences", "skeletons", "vectors", "article_vectors",
                                "idx_articles_digest",
                                "idx_articles_file", "idx_sentences_article"})

    def _schema_is_complete(self) -> bool:
        """Whether an existing index already has every table, index and meta row `_create_schema` makes
        (then an `isnad ask` skips it, and sqlite-utils' import and plugin loading, ~50-80 ms of a cold start)."""
        names = {name for (name,) in self.conn.execute("SELECT name FROM sqlite_master")}
        if not self.SCHEMA_OBJECTS <= names or self.conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            return False
        meta = dict(self.conn.execute("SELECT key, value FROM meta"))
        return (meta.get("schema") == SCHEMA_VERSION and "paragraphs" in meta
                and all(meta.get(key) == recipe for key, recipe in RECIPES.values()))

    def _create_schema(self) -> None:
        import sqlite_utils  # only where a schema is made: see _schema_is_complete

        db = sqlite_utils.Database(self.conn)
        if self.conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            db.enable_wal()
        db["meta"].create({"key": str, "value": str}, pk="key", if_not_exists=True)
        db["files"].create(
            {"path": str, "size": int, "mtime_ns": int, "sha256": str, "articles": int, "error": str,
             "duplicates": int},
            pk="path",
            if_not_exists=True,
        )
        db["articles"].create(
            {"id": int, "file": str, "key": str, "has_id": int, "title": str, "publisher": str,
             "author": str, "published": str, "url": str, "language": str, "text": str, "sources": str,
             "digest": str},
            pk="id",
            if_not_exists=True,
        )
        db["articles"].create_index(["digest"], if_not_exists=True)
        # AUTOINCREMENT: a sentence id is never reused, so saved ranking segments can trust it.
        self.conn.execute(
            'CREATE TABLE IF NOT EXISTS sentences (id INTEGER PRIMARY KEY AUTOINCREMENT,'
            ' article INTEGER REFERENCES articles(id), start INTEGER, "end" INTEGER, paragraph INTEGER,'
            " section TEXT, source TEXT, speaker TEXT, tokens TEXT)"
        )
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS skeletons (skeleton TEXT, term TEXT, PRIMARY KEY (skeleton, term)) WITHOUT ROWID"
        )
        # Sentence vectors, a cache filled after indexing (`isnad embed`, the bot's background worker):
        # seq grows with every write, so readers fetch only what is new since they last looked.
        for table in RECIPES:
            self.conn.execute(
                f"CREATE TABLE IF NOT EXISTS {table} (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
                " sentence INTEGER UNIQUE NOT NULL, vector BLOB NOT NULL)"
            )
        db["articles"].create_index(["file"], if_not_exists=True)
        db["sentences"].create_index(["article"], if_not_exists=True)
        if db["meta"].count == 0:
            self.conn.execute(
                "INSERT INTO meta VALUES ('schema', ?), ('generation', '0'), ('epoch', ?), ('pipeline', ?)",
                (SCHEMA_VERSION, uuid.uuid4().hex, PIPELINE_VERSION),
            )
        if self.conn.execute("SELECT 1 FROM meta WHERE key = 'paragraphs'").fetchone() is None:  # an older index
            self.conn.execute("INSERT INTO meta VALUES ('paragraphs', ?)", (str(self._count_paragraphs()),))
        self._drop_vectors_of_another_recipe()

    def _drop_vectors_of_another_recipe(self) -> None:
        """Vectors made from other passage texts (or by another model) no longer equal fresh ones: the
        cache starts over, and `isnad embed` or the bot's worker fills it again."""
        for table, (key, recipe) in RECIPES.items():
            row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            if row and row[0] == recipe:
                continue
            with self.conn:
                if self.conn.execute(f"DELETE FROM {table}").rowcount:
                    log.warning("stored %s were made by another recipe; they are dropped and will be re-encoded",
                                table.replace("_", " "))
                self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, recipe))

    def _check_schema(self) -> None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if not row or row[0] != SCHEMA_VERSION:
            raise SchemaMismatch(row[0] if row else None)

    def close(self) -> None:
        self.conn.close()

    # -- reading ---------------------------------------------------------------------------------

    def generation(self) -> int:
        """A counter bumped by every committed change, so readers know when to reload."""
        return int(self.conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0])

    def pipeline_version(self) -> str | None:
        """The article pipeline that made this index's sentences (None: one from before versions)."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'pipeline'").fetchone()
        return row[0] if row else None

    def epoch(self) -> str:
        """Names this database file's lineage of sentence ids (a rebuild starts a new one)."""
        return self.conn.execute("SELECT value FROM meta WHERE key = 'epoch'").fetchone()[0]

    def sentence_ids(self) -> np.ndarray:
        ids = self.conn.execute("SELECT id FROM sentences ORDER BY id")
        return np.fromiter((r[0] for r in ids), dtype=np.int64)

    def sentence_tokens(self, ids: np.ndarray) -> tuple[np.ndarray, list[list[str]]]:
        """Ranking tokens of the given sentences (sorted ids), in id order."""
        wanted = set(ids.tolist())
        first = int(ids[0]) if len(ids) else 0
        rows = self.conn.execute("SELECT id, tokens FROM sentences WHERE id >= ? ORDER BY id", (first,))
        found = [(i, t.split()) for i, t in rows if i in wanted]
        return np.array([i for i, _ in found], dtype=np.int64), [t for _, t in found]

    def passage_texts(self, ids: list[int]) -> list[tuple[str, str]]:
        """(article title, verbatim sentence) of the given sentences, in the given order."""
        rows = {}
        for i in range(0, len(ids), 900):
            chunk = [int(x) for x in ids[i : i + 900]]
            marks = ",".join("?" * len(chunk))
            for row in self.conn.execute(
                f'SELECT s.id, s.article, a.title, substr(a.text, s.start + 1, s."end" - s.start) FROM sentences s'
                f" JOIN articles a ON a.id = s.article WHERE s.id IN ({marks})", chunk):
                rows[row[0]] = row
        return [(rows[int(i)][2] or "", rows[int(i)][3]) for i in ids]

    def sentences_without_vectors(self, limit: int, after: int = 0) -> list[int]:
        """Ids (ascending, above `after`) of sentences that have no vector yet."""
        return [r[0] for r in self.conn.execute(
            "SELECT s.id FROM sentences s WHERE s.id > ? AND NOT EXISTS (SELECT 1 FROM vectors v WHERE v.sentence = s.id)"
            " ORDER BY s.id LIMIT ?", (after, limit))]

    def articles_without_vectors(self, limit: int, after: int = 0) -> list[int]:
        """First-sentence ids (ascending, above `after`) of the articles that have no vector yet."""
        return [r[0] for r in self.conn.execute(
            "SELECT first FROM (SELECT min(id) AS first FROM sentences GROUP BY article) WHERE first > ?"
            " AND NOT EXISTS (SELECT 1 FROM article_vectors v WHERE v.sentence = first) ORDER BY first LIMIT ?",
            (after, limit))]

    def article_openings(self, firsts: list[int]) -> list[tuple[str, list[str]]]:
        """(title, verbatim sentences in order) of the articles whose first sentences these are."""
        out = []
        for first in firsts:
            rows = self.conn.execute(
                'SELECT a.title, substr(a.text, s.start + 1, s."end" - s.start) FROM sentences s'
                " JOIN articles a ON a.id = s.article"
                " WHERE s.article = (SELECT article FROM sentences WHERE id = ?) ORDER BY s.id", (int(first),)).fetchall()
            out.append((rows[0][0] or "", [text for _, text in rows]) if rows else ("", []))
        return out

    def articles_with_sentences(self) -> int:
        return self.conn.execute("SELECT count(DISTINCT article) FROM sentences").fetchone()[0]

    def vector_count(self, table: str = SENTENCE_VECTORS) -> int:
        """Sentences (or articles) that have a vector (one goes with its sentence, so every row counts)."""
        return self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def vectors_since(self, seq: int, table: str = SENTENCE_VECTORS) -> tuple[int, np.ndarray, np.ndarray]:
        """Vectors written after `seq`: the newest seq, their sentence ids, their int8 rows."""
        rows = self.conn.execute(f"SELECT seq, sentence, vector FROM {table} WHERE seq > ? ORDER BY seq", (seq,)).fetchall()
        if not rows:
            return seq, np.empty(0, dtype=np.int64), np.empty((0, 0), dtype=np.int8)
        ids = np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows))
        matrix = np.frombuffer(b"".join(r[2] for r in rows), dtype=np.int8).reshape(len(rows), -1)
        return rows[-1][0], ids, matrix

    def write_vectors(self, ids: list[int], rows: np.ndarray, table: str = SENTENCE_VECTORS) -> int:
        """Store the int8 vectors of these sentences (or of the articles they open) in one transaction
        (sentences deleted meanwhile are skipped); how many were written."""
        with self._transaction():
            written = 0
            for sentence, row in zip(ids, rows):
                cursor = self.conn.execute(
                    f"INSERT OR REPLACE INTO {table} (sentence, vector) SELECT ?, ? WHERE EXISTS"
                    " (SELECT 1 FROM sentences WHERE id = ?)", (int(sentence), row.astype(np.int8).tobytes(), int(sentence)))
                written += cursor.rowcount
        return written

    def adopt_vectors(self, other: "Store") -> int:
        """Copy the vectors of another store's sentences (and articles) that this store holds too (same
        article content, same span): a rebuild keeps what was already encoded. How many sentences' were copied."""
        before = self.vector_count()
        self.conn.execute("ATTACH DATABASE ? AS other", (str(other.path),))
        try:
            with self._transaction():
                for table in RECIPES:
                    self.conn.execute(
                        f"INSERT OR IGNORE INTO {table} (sentence, vector)"
                        f" SELECT s.id, ov.vector FROM other.{table} ov"
                        " JOIN other.sentences os ON os.id = ov.sentence JOIN other.articles oa ON oa.id = os.article"
                        ' JOIN articles a ON a.digest = oa.digest JOIN sentences s ON s.article = a.id'
                        ' AND s.start = os.start AND s."end" = os."end" ORDER BY s.id'
                    )
        finally:
            self.conn.execute("DETACH DATABASE other")
        return self.vector_count() - before

    def sentence_spans_of(self, article_key: str) -> list[tuple[int, int]]:
        """Spans of the sentences of the article(s) with this key."""
        return self.conn.execute(
            'SELECT s.start, s."end" FROM sentences s JOIN articles a ON a.id = s.article WHERE a.key = ?', (article_key,)
        ).fetchall()

    def sentence_rows(self, ids: list[int]) -> dict[int, StoredSentence]:
        marks = ",".join("?" * len(ids))
        rows = self.conn.execute(f"SELECT {SENTENCE_COLUMNS} FROM sentences WHERE id IN ({marks})", ids)
        return {r[0]: StoredSentence(*r[:7], r[7].split()) for r in rows}

    def article_outline(self, articles: set[int]) -> list[tuple[int, int, int]]:
        """(sentence id, article, paragraph) of every sentence of the given articles, in order: which
        rows to read whole is decided from this, without reading every row's tokens."""
        ids = sorted(articles)
        marks = ",".join("?" * len(ids))
        return self.conn.execute(f"SELECT id, article, paragraph FROM sentences WHERE article IN ({marks}) ORDER BY id",
                                 ids).fetchall()

    def neighbours(self, sentence_id: int, article_id: int) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
        """Spans of the sentences just before and after one, within its article."""
        before = self.conn.execute(
            'SELECT start, "end" FROM sentences WHERE article = ? AND id < ? ORDER BY id DESC LIMIT 1',
            (article_id, sentence_id),
        ).fetchone()
        after = self.conn.execute(
            'SELECT start, "end" FROM sentences WHERE article = ? AND id > ? ORDER BY id LIMIT 1',
            (article_id, sentence_id),
        ).fetchone()
        return before, after

    def sources(self) -> list[str]:
        """Every source a sentence is credited to."""
        return [s for (s,) in self.conn.execute("SELECT DISTINCT source FROM sentences WHERE source IS NOT NULL ORDER BY source")]

    def terms_with_skeleton(self, skeleton: str) -> list[str]:
        """Ranking tokens of Arabic words whose consonant skeleton this is (Sullivan → سوليفان's token)."""
        return [t for (t,) in self.conn.execute("SELECT term FROM skeletons WHERE skeleton = ?", (skeleton,))]

    def files(self) -> dict[str, FileState]:
        rows = self.conn.execute("SELECT path, size, mtime_ns, sha256, error FROM files")
        return {r[0]: FileState(*r) for r in rows}

    def article(self, article_id: int) -> StoredArticle:
        row = self.conn.execute(
            "SELECT id, key, has_id, title, publisher, author, published, url, text, sources"
            " FROM articles WHERE id = ?",
            (article_id,),
        ).fetchone()
        if row is None:
            raise KeyError(article_id)
        return StoredArticle(*row[:2], bool(row[2]), *row[3:9], json.loads(row[9] or "[]"))

    def paragraph_count(self) -> int:
        """Paragraphs holding sentences (kept in meta by every write; counted when an older index lacks it)."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'paragraphs'").fetchone()
        return int(row[0]) if row else self._count_paragraphs()

    def _count_paragraphs(self) -> int:
        return self.conn.execute("SELECT COUNT(*) FROM (SELECT DISTINCT article, paragraph FROM sentences)").fetchone()[0]

    def counts(self) -> dict[str, int]:
        one = lambda sql: self.conn.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "articles": one("SELECT count(*) FROM articles"),
            "sentences": one("SELECT count(*) FROM sentences"),
            "sources": one("SELECT count(DISTINCT source) FROM sentences"),
            "vectors": self.vector_count(),
            "article_vectors": self.vector_count(ARTICLE_VECTORS),
            "db_bytes": self.size_on_disk(),
        }

    def size_on_disk(self) -> int:
        return sum(p.stat().st_size for p in (self.path, Path(f"{self.path}-wal")) if p.exists())

    def catalogue(self) -> list[tuple[str, str | None, str | None, int]]:
        """Every article: title, publisher, date, and how many sentences it gave."""
        return self.conn.execute(
            "SELECT a.title, a.publisher, a.published, count(s.id) FROM articles a"
            " LEFT JOIN sentences s ON s.article = a.id GROUP BY a.id ORDER BY a.id"
        ).fetchall()

    def file_articles(self, path: str) -> list[tuple[str, int, list[str]]]:
        """The articles one file gave: title, sentence count, and the sources their sentences credit."""
        rows = self.conn.execute(
            "SELECT a.title, count(s.id), group_concat(DISTINCT s.source) FROM articles a"
            " LEFT JOIN sentences s ON s.article = a.id WHERE a.file = ? GROUP BY a.id ORDER BY a.id",
            (path,),
        ).fetchall()
        return [(title, count, sorted((sources or "").split(",")) if sources else []) for title, count, sources in rows]

    def article_listing(self, key: str | None = None) -> list[dict]:
        """Every article (or those with this key): `id` is its key, as answers give it; its file and sentence count;
        `published` in ISO 8601 when it can be read."""
        return [fields for _, fields in self._listing(key)]

    def article_views(self, key: str) -> list[dict]:
        """The articles with this key as indexed: their listing plus `text`, credited `sources` and `paragraphs`."""
        views = []
        for article_id, fields in self._listing(key):
            paragraphs = self._indexed_paragraphs(article_id)
            text = self.conn.execute("SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()[0]
            sources = list(dict.fromkeys(p["source"] for p in paragraphs if p["source"]))
            views.append({**fields, "text": text, "sources": sources, "paragraphs": paragraphs})
        return views

    def _listing(self, key: str | None) -> list[tuple[int, dict]]:
        names = ("id", "title", "publisher", "author", "published", "url", "file", "sentences")
        rows = self.conn.execute(
            "SELECT a.id, a.key, a.title, a.publisher, a.author, a.published, a.url, a.file, count(s.id) FROM articles a"
            " LEFT JOIN sentences s ON s.article = a.id" + (" WHERE a.key = ?" if key is not None else "")
            + " GROUP BY a.id ORDER BY a.id",
            () if key is None else (key,),
        )
        listed = [(row[0], dict(zip(names, row[1:]))) for row in rows]
        for _, fields in listed:  # stored as the file gave it; listed in ISO 8601 when it can be read
            fields["published"] = normalized_date(fields["published"])
        return listed

    def _indexed_paragraphs(self, article_id: int) -> list[dict]:
        """An article's paragraphs as indexed: from their first sentence's start to their last's end, source, section."""
        rows = self.conn.execute(
            'SELECT min(start), max("end"), source, section FROM sentences WHERE article = ?'
            " GROUP BY paragraph ORDER BY paragraph",
            (article_id,),
        )
        return [dict(zip(("start", "end", "source", "section"), row)) for row in rows]

    # -- writing ---------------------------------------------------------------------------------

    def replace_file(self, state: FileState, articles: Iterable[ProcessedArticle]) -> tuple[int, int]:
        """Swap a file's articles for new ones and record its state, all or nothing.

        An article whose title and text are already stored (from any file) is stored once: returns
        (articles stored, duplicates skipped).
        """
        stored = duplicates = 0
        with self._transaction():
            self._delete_articles(state.path)
            for article in articles:
                if self._has_digest(article_digest(article)):
                    duplicates += 1
                else:
                    self._insert_article(state.path, article)
                    stored += 1
            self._record_file(state, stored, duplicates)
            self._bump_generation()
        return stored, duplicates

    def _has_digest(self, digest: str) -> bool:
        return self.conn.execute("SELECT 1 FROM articles WHERE digest = ? LIMIT 1", (digest,)).fetchone() is not None

    def record_failure(self, state: FileState) -> None:
        """Remember a file that could not be read, so it is not read again until it changes."""
        with self._transaction():
            self.conn.execute(
                "INSERT INTO files (path, size, mtime_ns, sha256, articles, error) VALUES (?, ?, ?, ?, 0, ?)"
                " ON CONFLICT(path) DO UPDATE SET"
                " size = excluded.size, mtime_ns = excluded.mtime_ns, sha256 = excluded.sha256,"
                " error = excluded.error",
                (state.path, state.size, state.mtime_ns, state.sha256, state.error),
            )

    def touch_file(self, state: FileState) -> None:
        """Record a new size and time for a file whose content did not change."""
        with self._transaction():
            self.conn.execute(
                "UPDATE files SET size = ?, mtime_ns = ? WHERE path = ?", (state.size, state.mtime_ns, state.path)
            )

    def remove_file(self, path: str) -> None:
        with self._transaction():
            self._delete_articles(path)
            self.conn.execute("DELETE FROM files WHERE path = ?", (path,))
            self._bump_generation()

    def _transaction(self) -> "_Transaction":
        return _Transaction(self.conn)

    def _delete_articles(self, path: str) -> None:
        gone = self.conn.execute(
            "SELECT COUNT(*) FROM (SELECT DISTINCT article, paragraph FROM sentences"
            " WHERE article IN (SELECT id FROM articles WHERE file = ?))", (path,)
        ).fetchone()[0]
        self._add_paragraphs(-gone)
        for table in RECIPES:
            self.conn.execute(
                f"DELETE FROM {table} WHERE sentence IN (SELECT s.id FROM sentences s JOIN articles a ON a.id = s.article"
                " WHERE a.file = ?)", (path,)
            )
        self.conn.execute("DELETE FROM sentences WHERE article IN (SELECT id FROM articles WHERE file = ?)", (path,))
        if self.conn.execute("DELETE FROM articles WHERE file = ?", (path,)).rowcount:
            # Files whose copies of these articles were skipped as duplicates must be read again.
            self.conn.execute(
                "UPDATE files SET sha256 = '', mtime_ns = -1 WHERE duplicates > 0 AND path != ?", (path,)
            )

    def _insert_article(self, path: str, article: ProcessedArticle) -> int:
        r = article.record
        cursor = self.conn.execute(
            "INSERT INTO articles (file, key, has_id, title, publisher, author, published, url, language, text,"
            " sources, digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (path, r.key, int(r.has_id), article.title, r.publisher, article.author, r.published, r.url,
             r.language, r.text, json.dumps(list(article.sources), ensure_ascii=False), article_digest(article)),
        )
        article_id = cursor.lastrowid
        self.conn.executemany("INSERT OR IGNORE INTO skeletons VALUES (?, ?)", sorted(article.names))
        self.conn.executemany(
            'INSERT INTO sentences (article, start, "end", paragraph, section, source, speaker, tokens)'
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(article_id, s.start, s.end, s.paragraph, s.section, s.source, s.speaker, " ".join(s.tokens))
             for s in article.sentences],
        )
        self._add_paragraphs(len({s.paragraph for s in article.sentences}))
        return article_id

    def _add_paragraphs(self, count: int) -> None:
        if count:
            self.conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + ? WHERE key = 'paragraphs'", (count,))

    def _record_file(self, state: FileState, count: int, duplicates: int = 0) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO files (path, size, mtime_ns, sha256, articles, error, duplicates)"
            " VALUES (?, ?, ?, ?, ?, NULL, ?)",
            (state.path, state.size, state.mtime_ns, state.sha256, count, duplicates),
        )

    def _bump_generation(self) -> None:
        self.conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'generation'")


def article_digest(article: ProcessedArticle) -> str:
    """What makes two articles the same one: their title and text."""
    return hashlib.sha256(f"{article.title}\x00{article.record.text}".encode("utf-8")).hexdigest()


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT, rolled back on any exception (our connections are in autocommit mode)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        if kind is None:
            self.conn.execute("COMMIT")
        elif self.conn.in_transaction:  # SQLite may already have rolled back (disk full, I/O error)
            self.conn.execute("ROLLBACK")
