"""Tests that guard the design: the pipeline does not reach into the front ends, settings are documented."""
from __future__ import annotations

import ast
import tomllib
from dataclasses import fields

from bot.settings import Settings, TelegramSettings, load_settings
from conftest import ROOT


def test_the_pipeline_imports_nothing_from_the_front_ends() -> None:
    for path in (ROOT / "index").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n == "bot" or n.startswith(("bot.", "telegram")) for n in names), path.name


def test_every_setting_in_config_toml_is_documented_in_place() -> None:
    lines = (ROOT / "config.toml").read_text(encoding="utf-8").splitlines()
    for n, line in enumerate(lines):
        if "=" in line and not line.lstrip().startswith("#"):
            above = lines[max(0, n - 12) : n]
            assert any(l.lstrip().startswith("#") for l in above), f"undocumented setting: {line}"
    tomllib.loads("\n".join(lines))


def test_config_toml_sets_every_setting_and_loads() -> None:
    settings = load_settings(ROOT / "config.toml", environ={})
    assert isinstance(settings, Settings)
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    for field in fields(TelegramSettings):
        assert field.name == "token" or f"{field.name} =" in text, field.name
    assert "ISNAD_TELEGRAM_TOKEN" in text  # the token is named, never set, in the config
