"""Article files (.txt/.md with TOML front matter, .json, .jsonl, saved web pages, .zip of those) → article records."""
from __future__ import annotations

import io
import json
import re
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Iterator

from index.records import ArticleRecord

ARTICLE_SUFFIXES = (".txt", ".md", ".json", ".jsonl", ".html", ".htm", ".zip")
TEXT_FIELDS = ("content", "text", "body")
PUBLISHER_FIELDS = ("publisher", "source")
DATE_FIELDS = ("published", "date", "date_extracted")
FRONT_MATTER_FIELDS = ("title", "publisher", "author", "url", "published", "language", "id")
MAX_MEMBER_BYTES = 200_000_000
MAX_COMPRESSION_RATIO = 200


def _read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    """A member's bytes, stopping at the size limit whatever its header claims."""
    with archive.open(member) as stream:
        data = stream.read(MAX_MEMBER_BYTES + 1)
    if len(data) > MAX_MEMBER_BYTES:
        raise ArticleError(f"zip member expands past the {MAX_MEMBER_BYTES:,}-byte limit")
    return data


class ArticleError(ValueError):
    """A file or zip member that cannot be read as articles; the message says why."""


@dataclass(frozen=True)
class Problem:
    """A part of a file that was skipped, with the reason."""

    where: str
    reason: str


def decode_text(data: bytes) -> str:
    """UTF-8 text or an ArticleError that says what the bytes look like instead."""
    if not data.strip():
        raise ArticleError("empty file")
    if b"\x00" in data:
        raise ArticleError("binary file (contains NUL bytes), not article text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ArticleError(
            f"not UTF-8 text (invalid byte 0x{data[error.start]:02x} at offset {error.start}); "
            "save it as UTF-8 (a windows-1256 file must be converted first)"
        ) from None


def split_front_matter(text: str) -> tuple[dict, str]:
    """TOML front matter between `+++` lines, and the article text after it."""
    if not text.startswith("+++"):
        return {}, text
    first_break = text.find("\n")
    closing = text.find("\n+++", first_break)
    if first_break < 0 or closing < 0:
        raise ArticleError("front matter opened with +++ but never closed")
    try:
        meta = tomllib.loads(text[first_break + 1 : closing])
    except tomllib.TOMLDecodeError as error:
        raise ArticleError(f"invalid TOML front matter: {error}") from None
    body_start = text.find("\n", closing + 1)
    return meta, "" if body_start < 0 else text[body_start + 1 :]


def _text_field(value: object) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    return str(value).strip() or None


def _first(obj: dict, names: tuple[str, ...]) -> str | None:
    return next((v for v in (_text_field(obj.get(n)) for n in names) if v), None)


def record_from_fields(fields: dict, text: str, fallback_key: str) -> ArticleRecord:
    """An article record from metadata fields (front matter or JSON object) and its text."""
    if not text.strip():
        raise ArticleError("article has no text")
    given_id = _text_field(fields.get("id"))
    return ArticleRecord(
        key=given_id or fallback_key,
        text=text,
        title=_text_field(fields.get("title")),
        publisher=_first(fields, PUBLISHER_FIELDS),
        author=_text_field(fields.get("author")),
        url=_text_field(fields.get("url")),
        published=_first(fields, DATE_FIELDS),
        language=_text_field(fields.get("language")),
        has_id=given_id is not None,
    )


def record_from_json_object(obj: object, key: str) -> ArticleRecord:
    if not isinstance(obj, dict):
        raise ArticleError(f"expected a JSON object, found {type(obj).__name__}")
    text = next((obj[n] for n in TEXT_FIELDS if isinstance(obj.get(n), str)), None)
    if text is None:
        raise ArticleError("JSON article has no content/text/body field")
    return record_from_fields(obj, text, key)


def _parse_json(text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ArticleError(f"invalid JSON: {error.msg} at line {error.lineno} column {error.colno}") from None


def parse_json(text: str, key: str) -> Iterator[ArticleRecord | Problem]:
    data = _parse_json(text)
    objects = data if isinstance(data, list) else [data]
    for number, obj in enumerate(objects):
        where = f"{key}#{number}" if isinstance(data, list) else key
        try:
            yield record_from_json_object(obj, where)
        except ArticleError as error:
            yield Problem(where, str(error))


def parse_jsonl(text: str, key: str) -> Iterator[ArticleRecord | Problem]:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            where = f"{key}#{number}"
            try:
                yield record_from_json_object(_parse_json(line), where)
            except ArticleError as error:
                yield Problem(where, str(error))


def parse_page(text: str, key: str) -> Iterator[ArticleRecord | Problem]:
    meta, body = split_front_matter(text)
    unknown = sorted(set(meta) - set(FRONT_MATTER_FIELDS))
    if unknown:
        raise ArticleError(f"unknown front matter field(s): {', '.join(unknown)}")
    yield record_from_fields(meta, body, key)


def parse_bytes(data: bytes, name: str, key: str) -> Iterator[ArticleRecord | Problem]:
    """Articles in one file's bytes, by its suffix; a problem with the whole file raises ArticleError."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix == ".zip":
        yield from parse_zip(data, key)
        return
    if suffix in (".html", ".htm"):
        from index.html_pages import (
            parse_html,  # imports trafilatura, which only web pages need
        )

        yield parse_html(data, key)
        return
    text = decode_text(data)
    parsers = {".json": parse_json, ".jsonl": parse_jsonl}
    yield from parsers.get(suffix, parse_page)(text, key)


def unsafe_member(member: zipfile.ZipInfo) -> str | None:
    """Why a zip member is refused: a path leaving the archive, or a size or ratio that looks like a bomb."""
    name = member.filename.replace("\\", "/")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in PurePosixPath(name).parts:
        return "unsafe path in zip (absolute or with ..)"
    if member.file_size > MAX_MEMBER_BYTES:
        return f"zip member would expand to {member.file_size:,} bytes, over the {MAX_MEMBER_BYTES:,}-byte limit"
    if member.compress_size and member.file_size / member.compress_size > MAX_COMPRESSION_RATIO:
        return f"zip member compresses {member.file_size // member.compress_size}:1, which looks like a zip bomb"
    return None


def parse_zip(data: bytes, key: str) -> Iterator[ArticleRecord | Problem]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise ArticleError(f"not a readable zip archive: {error}") from None
    with archive:
        for member in archive.infolist():
            if member.is_dir() or not member.filename.lower().endswith(ARTICLE_SUFFIXES[:-1]):
                continue
            where = f"{key}!{member.filename}"
            refusal = unsafe_member(member)
            if refusal:
                yield Problem(where, refusal)
                continue
            try:
                yield from parse_bytes(_read_member(archive, member), member.filename, where)
            except (ArticleError, zipfile.BadZipFile, OSError, EOFError) as error:
                yield Problem(where, str(error) or type(error).__name__)
            except Exception as error:  # zlib.error and friends from a damaged member
                yield Problem(where, f"damaged zip member: {error}")

