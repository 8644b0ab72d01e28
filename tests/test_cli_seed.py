"""The `isnad` CLI in a subprocess on the seed article: the questions the product is judged by."""
from __future__ import annotations

import json

import pytest
from conftest import Isnad

PASSAGE_FIELDS = {"text", "score", "article_id", "title", "publisher", "author", "published", "url", "source", "start", "end"}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Isnad:
    import shutil

    from conftest import SEED

    root = tmp_path_factory.mktemp("seeded")
    (root / "corpus").mkdir()
    shutil.copy(SEED, root / "corpus" / SEED.name)
    runner = Isnad(root / "corpus", root / "index.sqlite")
    runner.run("index")
    return runner


def test_sullivan_top_two_are_his_statements_one_credited_to_ap(seeded: Isnad) -> None:
    answer = seeded.ask("ماذا قال سوليفان؟")
    assert answer["answered"] is True
    top_two = answer["passages"][:2]
    assert all("سوليفان" in p["text"] for p in top_two)
    ap = [p for p in top_two if p["text"].startswith("وقال مستشار الأمن القومي الأمريكي جيك سوليفان بعد المكالمة")]
    assert len(ap) == 1 and ap[0]["source"] == "AP"
    assert ap[0]["title"].startswith("قمة بايدن بوتين") and ap[0]["publisher"] == "ليفانت نيوز"


def test_json_passages_are_verbatim_spans_with_every_field(seeded: Isnad) -> None:
    article_text = seeded.corpus.joinpath("000_8512d675b68cda5e.txt").read_text(encoding="utf-8")
    body = article_text.split("+++\n", 2)[2]
    answer = seeded.ask("ماذا قال سوليفان؟")
    assert set(answer) == {"question", "answered", "passages"}
    for passage in answer["passages"]:
        assert PASSAGE_FIELDS <= set(passage)
        assert body[passage["start"] : passage["end"]] == passage["text"]


def test_nuland_question_finds_the_nord_stream_sentence(seeded: Isnad) -> None:
    top = seeded.ask("ماذا قالت فيكتوريا نولاند؟")["passages"][0]
    assert "نورد ستريم 2" in top["text"] and "فيكتوريا نولاند" in top["text"]


def test_kremlin_description_is_credited_to_moscow_times(seeded: Isnad) -> None:
    top = seeded.ask("كيف وصف الكرملين المناقشة؟")["passages"][0]
    assert '"صريحة وعملية"' in top["text"]
    assert "Moscowtimes" in top["source"] and "موسكو تايمز" in top["source"]


def test_full_tashkeel_question_answers_like_the_bare_one(seeded: Isnad) -> None:
    bare = seeded.ask("ماذا قال سوليفان؟")["passages"]
    voweled = seeded.ask("مَاذَا قَالَ سُولِيفَانُ؟")["passages"]
    assert [p["text"] for p in voweled] == [p["text"] for p in bare]


def test_tweet_is_credited_to_the_account(seeded: Isnad) -> None:
    top = seeded.ask("Байден выразил сожаление Путиным")["passages"][0]
    assert top["text"].startswith("Байден выразил сожаление")
    assert top["source"] == "Кремлевский пул РИА (@Kremlinpool_RIA)"


@pytest.mark.parametrize("question", ["من فاز بكأس العالم؟", "ما هي عاصمة أستراليا؟", "كم سعر الذهب اليوم؟"])
def test_questions_off_the_articles_are_not_answered(seeded: Isnad, question: str) -> None:
    answer = seeded.ask(question)
    assert answer == {"question": question, "answered": False, "passages": []}


def test_plain_text_not_found_message(seeded: Isnad) -> None:
    assert "لم أجد" in seeded.run("ask", "من فاز بكأس العالم؟").stdout
    assert "AP" in seeded.run("ask", "ماذا قال سوليفان؟").stdout


def test_top_k_and_context(seeded: Isnad) -> None:
    answer = seeded.ask("ماذا قال سوليفان؟", "--top-k", "1", "--context")
    [passage] = answer["passages"]
    assert passage["context_before"] or passage["context_after"]


def test_batch_answers_in_order_one_json_per_line(seeded: Isnad, tmp_path) -> None:
    questions = tmp_path / "questions.txt"
    questions.write_text("ماذا قال سوليفان؟\nمن فاز بكأس العالم؟\n\n   \nماذا قالت فيكتوريا نولاند؟\n", encoding="utf-8")
    lines = seeded.run("ask", "--batch", str(questions), "--json").stdout.splitlines()
    answers = [json.loads(line) for line in lines]
    # One object per input line, blank and whitespace-only ones included, so answers zip with questions.
    assert [a["question"] for a in answers] == ["ماذا قال سوليفان؟", "من فاز بكأس العالم؟", "", "", "ماذا قالت فيكتوريا نولاند؟"]
    assert [a["answered"] for a in answers] == [True, False, False, False, True]
    assert [("error" in a) for a in answers] == [False, False, True, True, False]
    assert answers[2]["passages"] == [] and "empty" in answers[2]["error"]


def test_a_refused_batch_line_says_why_in_its_language(seeded: Isnad, tmp_path) -> None:
    questions = tmp_path / "questions.txt"
    questions.write_text("س" * 600 + "\n" + "w" * 600 + "\n", encoding="utf-8")
    arabic, english = [json.loads(line) for line in seeded.run("ask", "--batch", str(questions), "--json").stdout.splitlines()]
    assert "600" in arabic["error"] and "السؤال طويل" in arabic["error"]
    assert "600" in english["error"] and "too long" in english["error"]


def test_stats_json(seeded: Isnad) -> None:
    stats = json.loads(seeded.run("stats", "--json").stdout)
    assert set(stats) == {"articles", "sentences", "sources", "vectors", "article_vectors", "db_bytes"}
    assert stats["articles"] == 1 and stats["sentences"] > 40 and stats["sources"] >= 6 and stats["db_bytes"] > 0


def test_exit_codes(seeded: Isnad) -> None:
    assert seeded.run("ask", check=False).returncode == 2  # neither a question nor --batch
    assert seeded.run("frobnicate", check=False).returncode == 2
    too_long = seeded.run("ask", "س" * 5000, check=False)
    assert too_long.returncode == 1 and len(too_long.stderr.strip().splitlines()) == 1


def test_every_command_has_help(seeded: Isnad) -> None:
    from bot.cli import cli

    assert {"index", "add", "ask", "chat", "stats", "eval", "serve"} <= set(cli.commands)
    for command in cli.commands:
        result = seeded.run(command, "--help")
        assert result.stdout.startswith("Usage: ") and f" {command} " in result.stdout.splitlines()[0], command


def test_what_did_ushakov_say_ranks_his_statements_first(seeded: Isnad) -> None:
    passages = seeded.ask("ماذا قال أوشاكوف؟")["passages"]
    assert passages and all(p["speaker"] and "أوشاكوف" in p["speaker"] for p in passages[:2])


def test_continuation_sentences_carry_the_speaker(seeded: Isnad) -> None:
    passages = seeded.ask("ماذا قال سوليفان عن المواد الدفاعية الإضافية للأوكرانيين؟")["passages"]
    added = next(p for p in passages if p["text"].startswith("وأضاف أن بايدن قال"))
    assert "سوليفان" in added["speaker"]


def test_english_question_finds_the_arabic_sentence(seeded: Isnad) -> None:
    answer = seeded.ask("What did Sullivan say?")
    assert answer["answered"] and "سوليفان" in answer["passages"][0]["text"]
    assert seeded.ask("Who won the football world cup?")["answered"] is False


def test_hostile_questions_get_answers_or_refusals_never_tracebacks(seeded: Isnad, tmp_path) -> None:
    hostile = ["   .  ", "؟؟؟!!!", "😀😀😀", '" OR 1=1 --', "NEAR(سوليفان", "*", "<script>alert(1)</script> ماذا قال سوليفان",
               "**ماذا** قال _سوليفان_", "ماذا قال Sullivan سوليفان?", "\x01\x02\x1b[31m", "س" * 100_000]
    batch = tmp_path / "hostile.txt"
    batch.write_text("\n".join(hostile), encoding="utf-8")
    result = seeded.run("ask", "--batch", str(batch), "--json")
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(answers) == len(hostile) and "Traceback" not in result.stderr
    assert "question refused" in result.stderr  # the 100 KB one
    for markup in (answers[7], answers[8]):  # Markdown and mixed scripts around a real question
        assert markup["answered"] and "سوليفان" in markup["passages"][0]["text"]
    assert not any(answers[n]["answered"] for n in (0, 1, 2, 3, 5, 9))  # noise and operators alone
    empty = seeded.run("ask", "   ", check=False)
    assert empty.returncode == 1 and empty.stderr.strip() == "isnad: The question is empty; write a question."


def test_chat_answers_each_question_until_an_empty_line(seeded: Isnad) -> None:
    import subprocess

    done = subprocess.run(seeded.command("chat"), input="ماذا قال سوليفان؟\nمن فاز بكأس العالم؟\n\n", text=True,
                          capture_output=True, env=seeded.env(), timeout=120)
    assert done.returncode == 0
    assert "سوليفان" in done.stdout and "AP" in done.stdout and "لم أجد" in done.stdout


def test_what_did_putin_say_puts_his_own_statements_before_joint_and_others(seeded: Isnad) -> None:
    passages = seeded.ask("ماذا قال بوتين؟", "--top-k", "5")["passages"]
    speakers = [p["speaker"] for p in passages]
    own = [i for i, s in enumerate(speakers) if s in ("بوتين", "فلاديمير بوتين")]
    assert own[:3] == [0, 1, 2], speakers  # شدد بوتين…, شدد فلاديمير بوتين…, نقل أوشاكوف عن بوتين قوله…
    assert any(p["text"].startswith("ونقل أوشاكوف عن بوتين قوله") for p in passages[:3])
    joint = speakers.index("بوتين وبايدن") if "بوتين وبايدن" in speakers else len(speakers)
    assert joint >= 3 and all(s and "بوتين" in s for s in speakers[:joint])


def test_the_entry_point_leaves_numpy_one_blas_thread() -> None:
    """OpenBLAS's spinning threads would take the cores the encoder's OpenMP threads need."""
    import numpy  # noqa: F401  (loads OpenBLAS)
    from threadpoolctl import threadpool_info, threadpool_limits

    from bot.cli import configure_threads

    with threadpool_limits(limits=2, user_api="blas"):  # restored afterwards, whatever this test sets
        configure_threads()
        blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
        assert blas and all(pool["num_threads"] == 1 for pool in blas)


def test_a_name_spelled_without_its_long_vowel_is_found_by_words_alone(tmp_path) -> None:
    import shutil

    from conftest import SEED

    (tmp_path / "corpus").mkdir()
    shutil.copy(SEED, tmp_path / "corpus" / SEED.name)
    words_only = Isnad(tmp_path / "corpus", tmp_path / "index.sqlite", ISNAD_DENSE="0")
    answer = words_only.ask("ماذا قالت فكتوريا؟")  # the article writes فيكتوريا: no word of the question is in it
    assert answer["answered"] and answer["passages"][0]["speaker"] == "فيكتوريا نولاند"
