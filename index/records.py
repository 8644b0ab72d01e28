"""The plain records that flow through the pipeline and into and out of the store."""
from __future__ import annotations

from dataclasses import dataclass

# Names what `index.pipeline.process` makes of an article (sentences, tokens, speakers). Bump it
# with any change to them: an index built by another version is read again in full by its next sync.
PIPELINE_VERSION = "10"  # 6: quoted speakers, "X closed by saying", "هذا ما قاله X"; 7: واضاف، واكد (bare alef);
# 8: "وتابع قائلا" and "قال لـ«…»" name nobody, "د. X" is one name; 9: every stop word with either alef;
# 10: "X … قائلا: «…»" after any verb


@dataclass(frozen=True)
class ArticleRecord:
    """One article as its file gives it. `text` is what every quote's offsets point into."""

    key: str
    text: str
    title: str | None = None
    publisher: str | None = None
    author: str | None = None
    url: str | None = None
    published: str | None = None
    language: str | None = None
    has_id: bool = False


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    paragraph: int
    section: str | None
    source: str | None
    tokens: tuple[str, ...]
    speaker: str | None = None


@dataclass(frozen=True)
class ProcessedArticle:
    record: ArticleRecord
    title: str
    author: str | None
    sources: tuple[str, ...]
    sentences: tuple[Sentence, ...]
    names: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True)
class StoredSentence:
    id: int
    article: int
    paragraph: int
    start: int
    end: int
    source: str | None
    speaker: str | None
    tokens: list[str]


@dataclass(frozen=True)
class StoredArticle:
    id: int
    key: str
    has_id: bool
    title: str
    publisher: str | None
    author: str | None
    published: str | None
    url: str | None
    text: str
    sources: list[str]
