"""Settings: one table drives loading; bad files and values are refused with one line and exit 2;
an installed wheel runs from any folder on the table's defaults."""
from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest
from conftest import ROOT, SEED, Isnad

from bot.settings import SettingsError, load_settings


def config_with(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "named"), [
    ("[answer]\ntopk = 5\n", "[answer] topk"),
    ("[ranking]\nkone = 1\n", "[ranking] kone"),
    ("[anwser]\ntop_k = 5\n", "[anwser]"),
    ('[ranking]\nk1 = "high"\n', "[ranking] k1"),
    ("[answer]\ntop_k = 2.5\n", "[answer] top_k"),
    ('[dense]\nenabled = "yes"\n', "[dense] enabled"),
    ('[telegram]\nadmins = ["me"]\n', "[telegram] admins"),
    ('[telegram]\ntoken = "123:abc"\n', "[telegram] token"),
    ("[answer\n", "not valid TOML"),
])
def test_a_bad_config_file_is_refused_with_one_line_naming_it(tmp_path: Path, corpus: Path, db: Path,
                                                              text: str, named: str) -> None:
    config = config_with(tmp_path, text)
    result = Isnad(corpus, db).run("--config", str(config), "stats", check=False)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0] and str(config) in lines[0] and "Traceback" not in result.stderr


def test_a_wrongly_typed_environment_value_is_refused_naming_the_variable(corpus: Path, db: Path) -> None:
    result = Isnad(corpus, db, ISNAD_TOP_K="three").run("stats", check=False)
    assert result.returncode == 2 and result.stderr.strip().splitlines() == [
        "isnad: ISNAD_TOP_K='three': [answer] top_k must be a whole number"]


def test_values_come_from_defaults_then_the_file_then_the_environment(tmp_path: Path) -> None:
    config = config_with(tmp_path, "[answer]\ntop_k = 5\nmin_coverage = 1\n[paths]\ncorpus = 'articles'\n")
    from_file = load_settings(config, environ={})
    assert from_file.answer.top_k == 5 and from_file.answer.min_coverage == 1.0
    assert from_file.corpus == tmp_path / "articles"  # relative to the file's folder
    assert from_file.answer.max_question_chars == 500  # untouched: the table's default
    from_env = load_settings(config, environ={"ISNAD_TOP_K": "7", "ISNAD_DENSE": "off", "ISNAD_TELEGRAM_ADMINS": "1, 2"})
    assert from_env.answer.top_k == 7 and from_env.dense.enabled is False and from_env.telegram.admins == {1, 2}
    with pytest.raises(SettingsError, match="ISNAD_DENSE"):
        load_settings(config, environ={"ISNAD_DENSE": "maybe"})


def test_the_config_file_is_found_by_flag_then_environment_then_working_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    bare = load_settings(None, environ={})
    assert bare.source == "defaults"
    assert bare.corpus == tmp_path / "corpus" and bare.db == tmp_path / ".isnad" / "index.sqlite"
    (tmp_path / "config.toml").write_text("[answer]\ntop_k = 4\n", encoding="utf-8")
    env_file = config_with(tmp_path, "[answer]\ntop_k = 6\n")
    flag_file = tmp_path / "flag.toml"
    flag_file.write_text("[answer]\ntop_k = 8\n", encoding="utf-8")
    assert load_settings(None, environ={}).answer.top_k == 4
    assert load_settings(None, environ={"ISNAD_CONFIG": str(env_file)}).answer.top_k == 6
    assert load_settings(flag_file, environ={"ISNAD_CONFIG": str(env_file)}).answer.top_k == 8
    with pytest.raises(SettingsError, match="not found"):
        load_settings(tmp_path / "missing.toml", environ={})


def test_override_by_dotted_name_refuses_unknown_settings() -> None:
    settings = load_settings(ROOT / "config.toml", environ={})
    assert settings.override({"answer.top_k": 9}).answer.top_k == 9
    with pytest.raises(KeyError):
        settings.override({"answer.topk": 9})


def test_an_installed_wheel_answers_from_another_folder(tmp_path: Path) -> None:
    """Build the wheel, install it (alone) into a fresh virtual environment whose dependencies come
    from this one, and ask a question in a folder holding only a corpus: no config file at all."""
    source, wheels = tmp_path / "source", tmp_path / "wheels"
    source.mkdir()  # built from a copy: building writes build/ beside the source
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for name in ("bot", "index"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(wheels)], check=True, capture_output=True, cwd=tmp_path, timeout=300)
    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    # The dependencies, not this checkout: a plain path entry does not run the editable-install hook.
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q",
                    *map(str, wheels.glob("*.whl"))], check=True, capture_output=True, timeout=300)
    work = tmp_path / "elsewhere"
    (work / "corpus").mkdir(parents=True)
    shutil.copy(SEED, work / "corpus" / SEED.name)
    env = {"PATH": f"{env_dir / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path), "ISNAD_DENSE": "0"}
    where = subprocess.run([str(python), "-c", "import bot; print(bot.__file__)"], capture_output=True, text=True,
                           cwd=work, env=env, check=True).stdout
    assert where.startswith(str(site))
    isnad = str(env_dir / "bin" / "isnad")
    indexed = subprocess.run([isnad, "index"], capture_output=True, text=True, cwd=work, env=env, timeout=300)
    assert indexed.returncode == 0, indexed.stderr
    asked = subprocess.run([isnad, "ask", "ماذا قال سوليفان؟"], capture_output=True, text=True, cwd=work, env=env, timeout=300)
    assert asked.returncode == 0 and "سوليفان" in asked.stdout, asked.stderr
    assert (work / ".isnad" / "index.sqlite").is_file()
