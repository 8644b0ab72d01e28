from __future__ import annotations

from index.bilingual import arabic_for, parse_dictionary

SAMPLE = """Abandon /ɐbˈandən/
1. يترك
2. يتخلّى عن
3. يتنازل عن
4. يهجر
Football /fˈʊtbɔːl/
كرة القدم
Mosque /mˈɒsk/
المسجد
"""


def test_dictionary_entries_keep_the_first_senses() -> None:
    entries = parse_dictionary(SAMPLE)
    assert entries["abandon"] == ("يترك", "يتخلّى عن", "يتنازل عن")
    assert entries["football"] == ("كرة القدم",)


def test_news_words_come_before_the_dictionary_and_inflections_fall_back() -> None:
    entries = parse_dictionary(SAMPLE)
    assert arabic_for("said", entries) == ("قال",)  # not the dictionary's قيل
    assert arabic_for("mosques", entries) == ("مساجد", "مسجد")
    assert arabic_for("abandoned", entries) == arabic_for("abandon", entries)
    assert arabic_for("zzzz", entries) == ()


def test_the_parsed_dictionary_is_kept_until_the_file_changes(tmp_path, monkeypatch) -> None:
    import gzip
    import os

    import bot.service as service

    source = tmp_path / "freedict-eng-ara.dict.dz"
    source.write_bytes(gzip.compress(SAMPLE.encode("utf-8")))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    read = service.installed_dictionary.__wrapped__  # the function behind its in-process cache
    first = read(source)
    assert first == parse_dictionary(SAMPLE) and service.dictionary_cache(source).exists()

    def unparsed(text: str) -> dict:
        raise AssertionError("parsed again although the file did not change")

    with monkeypatch.context() as patched:
        patched.setattr(service, "parse_dictionary", unparsed)
        assert read(source) == first  # from the cache folder
    source.write_bytes(gzip.compress((SAMPLE + "Minister /mˈɪnɪstə/\nوزير\n").encode("utf-8")))
    os.utime(source, ns=(1, 1))
    assert read(source)["minister"] == ("وزير",)  # a changed file is parsed again
