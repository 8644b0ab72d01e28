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
