"""One frozen settings object: config.toml, then environment variables, then command-line flags."""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from index.ranking import BM25Params
from index.rerank import RerankWeights

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """The configuration cannot be used; the message says which value and why."""


@dataclass(frozen=True)
class TelegramSettings:
    token: str | None = None
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    admins: frozenset[int] = frozenset()
    rate_per_minute: int = 20
    page_ttl: int = 3600
    mode: str = "polling"
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_path: str = "isnad"
    webhook_url: str = ""
    webhook_secret: str = ""
    channels: frozenset[str] = frozenset()
    allow_private_links: bool = False
    inline_cache_seconds: int = 30


@dataclass(frozen=True)
class Settings:
    corpus: Path
    db: Path
    max_file_bytes: int = 200_000_000
    max_db_bytes: int = 0
    ranking: BM25Params = BM25Params()
    top_k: int = 3
    min_coverage: float = 0.4
    context: bool = False
    max_question_chars: int = 500
    dense: bool = True
    rerank: RerankWeights = RerankWeights()
    english_dense_weight: float = 10.0
    min_dense: float = 0.5
    english_min_dense: float = 0.35
    evidence_dense_weight: float = 1.75
    min_evidence: float = 1.1
    telegram: TelegramSettings = field(default_factory=TelegramSettings)
    web_timeout: float = 10.0
    web_max_bytes: int = 5_000_000
    web_max_redirects: int = 5

    def with_paths(self, corpus: Path | None = None, db: Path | None = None) -> "Settings":
        return replace(self, corpus=corpus or self.corpus, db=db or self.db)


def default_config_path(environ: Mapping[str, str]) -> Path:
    return Path(environ.get("ISNAD_CONFIG") or PROJECT_ROOT / "config.toml")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"config file {path} not found") from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"config file {path} is not valid TOML: {error}") from None


def _env(environ: Mapping[str, str], name: str, default: Any, kind: type = str) -> Any:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        if kind is bool:
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        return kind(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is not a valid {kind.__name__}") from None


def _admins(value: Any) -> frozenset[int]:
    items = value.split(",") if isinstance(value, str) else value
    try:
        return frozenset(int(str(item).strip()) for item in items if str(item).strip())
    except ValueError:
        raise SettingsError(f"Telegram admins must be numeric user ids, got {value!r}") from None


def channel_key(channel: str | int) -> str:
    """How a channel is named in [telegram] channels: its numeric chat id, or its @username lower-cased."""
    text = str(channel).strip()
    return text if re.fullmatch(r"-?\d+", text) else text.lstrip("@").lower()


def _channels(value: Any) -> frozenset[str]:
    items = value.split(",") if isinstance(value, str) else value
    channels = frozenset(channel_key(item) for item in items if str(item).strip())
    bad = sorted(c for c in channels if not re.fullmatch(r"-?\d+|[a-z][a-z0-9_]{3,}", c))
    if bad:
        raise SettingsError(f"Telegram channels must be chat ids or @usernames, got {', '.join(bad)}")
    return channels


def _telegram(section: dict[str, Any], environ: Mapping[str, str]) -> TelegramSettings:
    d = TelegramSettings()
    get = lambda key: section.get(key, getattr(d, key))  # noqa: E731
    return TelegramSettings(
        token=environ.get("ISNAD_TELEGRAM_TOKEN") or None,
        base_url=_env(environ, "ISNAD_TELEGRAM_BASE_URL", get("base_url")),
        base_file_url=_env(environ, "ISNAD_TELEGRAM_BASE_FILE_URL", get("base_file_url")),
        admins=_admins(environ.get("ISNAD_TELEGRAM_ADMINS") or get("admins")),
        rate_per_minute=_env(environ, "ISNAD_TELEGRAM_RATE_PER_MINUTE", get("rate_per_minute"), int),
        page_ttl=_env(environ, "ISNAD_TELEGRAM_PAGE_TTL", get("page_ttl"), int),
        mode=_env(environ, "ISNAD_TELEGRAM_MODE", get("mode")),
        webhook_listen=get("webhook_listen"),
        webhook_port=int(get("webhook_port")),
        webhook_path=get("webhook_path"),
        webhook_url=_env(environ, "ISNAD_TELEGRAM_WEBHOOK_URL", get("webhook_url")),
        webhook_secret=_env(environ, "ISNAD_TELEGRAM_WEBHOOK_SECRET", get("webhook_secret")),
        channels=_channels(environ.get("ISNAD_TELEGRAM_CHANNELS") or get("channels")),
        allow_private_links=_env(environ, "ISNAD_TELEGRAM_ALLOW_PRIVATE_LINKS", get("allow_private_links"), bool),
        inline_cache_seconds=_env(environ, "ISNAD_TELEGRAM_INLINE_CACHE_SECONDS", get("inline_cache_seconds"), int),
    )


def _path(from_env: str | None, from_file: str, config_folder: Path) -> Path:
    """An environment path is relative to the working folder; a config path to the config's folder."""
    if from_env:
        return Path(from_env).expanduser().resolve()
    return (config_folder / Path(from_file).expanduser()).resolve()


def load_settings(config: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from the config file with environment overrides; paths resolved against the file's folder."""
    environ = os.environ if environ is None else environ
    path = config or default_config_path(environ)
    data = _read_toml(path)
    base = path.resolve().parent
    paths, index, ranking, answer, dense = (data.get(k, {}) for k in ("paths", "index", "ranking", "answer", "dense"))
    return Settings(
        corpus=_path(environ.get("ISNAD_CORPUS"), paths.get("corpus", "corpus"), base),
        db=_path(environ.get("ISNAD_DB"), paths.get("db", ".isnad/index.sqlite"), base),
        max_file_bytes=_env(environ, "ISNAD_MAX_FILE_BYTES", index.get("max_file_bytes", 200_000_000), int),
        max_db_bytes=_env(environ, "ISNAD_MAX_DB_BYTES", index.get("max_db_bytes", 0), int),
        ranking=BM25Params(**{k: float(v) for k, v in ranking.items()}),
        top_k=_env(environ, "ISNAD_TOP_K", answer.get("top_k", 3), int),
        min_coverage=_env(environ, "ISNAD_MIN_COVERAGE", answer.get("min_coverage", 0.4), float),
        context=_env(environ, "ISNAD_CONTEXT", answer.get("context", False), bool),
        max_question_chars=_env(environ, "ISNAD_MAX_QUESTION_CHARS", answer.get("max_question_chars", 500), int),
        dense=_env(environ, "ISNAD_DENSE", dense.get("enabled", True), bool),
        rerank=RerankWeights(
            paragraph=float(answer.get("paragraph_weight", 1.0)),
            paragraph_bm25=float(answer.get("paragraph_bm25_weight", 0.5)),
            speaker=float(answer.get("speaker_weight", 1.0)),
            answer_type=float(answer.get("answer_type_weight", 0.3)),
            dense=float(dense.get("weight", 1.0)),
        ),
        english_dense_weight=float(dense.get("english_weight", 10.0)),
        min_dense=_env(environ, "ISNAD_MIN_DENSE", dense.get("min_similarity", 0.5), float),
        english_min_dense=float(dense.get("english_min_similarity", 0.35)),
        evidence_dense_weight=float(dense.get("evidence_weight", 1.75)),
        min_evidence=_env(environ, "ISNAD_MIN_EVIDENCE", dense.get("min_evidence", 1.1), float),
        telegram=_telegram(data.get("telegram", {}), environ),
        web_timeout=_env(environ, "ISNAD_WEB_TIMEOUT", data.get("web", {}).get("timeout", 10.0), float),
        web_max_bytes=_env(environ, "ISNAD_WEB_MAX_BYTES", data.get("web", {}).get("max_bytes", 5_000_000), int),
        web_max_redirects=int(data.get("web", {}).get("max_redirects", 5)),
    )
