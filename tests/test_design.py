"""Tests that guard the design: the pipeline does not reach into the front ends, the pure modules
touch neither the database nor files, and one table of settings drives loading and config.toml."""
from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from conftest import ROOT

from bot.settings import SECTIONS, SETTINGS, load_settings, render_config

# The modules of index/ that may touch the disk: the store, the corpus sync, the saved segments and
# the vector cache kept in the store.
IMPURE = {"store.py", "sync.py", "segments.py", "vector_cache.py", "fast_engine.py"}  # files, SQLite, a compiler
FILE_CALLS = {"open", "read_text", "read_bytes", "write_text", "write_bytes", "mkdir", "unlink", "rmtree", "load", "save"}


def imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names.append(node.module or "")
    return names


def file_calls(path: Path) -> list[str]:
    """Calls that read or write files: open(…), gzip.open(…), Path.read_text(…), np.load(…), …
    (a zip member opened from bytes in memory, `archive.open`, is not a file)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id == "open":
            found.append("open")
        elif isinstance(func, ast.Attribute) and func.attr in FILE_CALLS:
            owner = func.value.id if isinstance(func.value, ast.Name) else ""
            if func.attr == "open" and owner == "archive":
                continue
            if func.attr in {"load", "save"} and owner not in {"np", "numpy", "json", "pickle"}:
                continue
            found.append(f"{owner}.{func.attr}")
    return found


def test_the_pipeline_imports_nothing_from_the_front_ends() -> None:
    for path in (ROOT / "index").glob("*.py"):
        names = imported_modules(path)
        assert not any(n == "bot" or n.startswith(("bot.", "telegram")) for n in names), path.name


def test_pure_modules_touch_neither_the_database_nor_files() -> None:
    pure = [p for p in (ROOT / "index").glob("*.py") if p.name not in IMPURE]
    assert len(pure) >= 10
    for path in pure:
        names = imported_modules(path)
        assert not any(n.split(".")[0] in {"sqlite3", "sqlite_utils"} for n in names), path.name
        assert not any(n in {"index.store", "index.sync", "index.segments", "index.vector_cache"} for n in names), path.name
        assert file_calls(path) == [], path.name


def test_the_file_check_would_catch_a_file_read(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import gzip\nfrom pathlib import Path\nPath('x').read_text()\ngzip.open('y')\nopen('z')\n")
    assert file_calls(sample) == [".read_text", "gzip.open", "open"]


def test_the_store_does_not_import_the_pipeline_and_ranking_not_the_encoder() -> None:
    assert not any(n in {"index.pipeline", "index.cleaning", "index.articles"} for n in imported_modules(ROOT / "index" / "store.py"))
    for name in ("ranking.py", "rerank.py", "search.py", "query.py"):
        assert "index.dense" not in imported_modules(ROOT / "index" / name), name


def test_config_toml_is_exactly_what_the_settings_table_documents() -> None:
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    assert text == render_config(), "regenerate it: python -m bot.settings > config.toml"
    data = tomllib.loads(text)
    for setting in SETTINGS:
        assert setting.help.splitlines()[0] in text, setting.name
        if setting.in_file:
            assert data[setting.section][setting.key] == setting.default, setting.name
        else:
            assert setting.key not in data[setting.section] and setting.env in text, setting.name


def test_every_setting_is_declared_once_and_every_field_has_a_declaration() -> None:
    names = [(s.section, s.key) for s in SETTINGS]
    assert len(names) == len(set(names))
    for section, kind in SECTIONS.items():
        assert set(kind.__dataclass_fields__) == {k for s, k in names if s == section}, section


def test_config_toml_loads_to_the_table_defaults() -> None:
    settings = load_settings(ROOT / "config.toml", environ={})
    assert settings.answer.top_k == 3 and settings.ranking.k1 == 0.9 and settings.dense.enabled is True
    assert settings.corpus == ROOT / "corpus" and settings.db == ROOT / ".isnad" / "index.sqlite"
