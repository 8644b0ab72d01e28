from __future__ import annotations

import pytest

from conftest import SEED

from index.isri import isri_stem
from index.sentences import split_sentences
from index.tokens import WORD, _snowball, light_tokens, normalize, tokenize, with_taa_marbuta, word_token_groups, word_tokens


def sentences(text: str) -> list[str]:
    return [text[s.start : s.end] for s in split_sentences(text)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("ارتفع المؤشر 2.5 بالمئة. ثم هبط!", ["ارتفع المؤشر 2.5 بالمئة.", "ثم هبط!"]),
        ("نشر الموقع kremlin.ru البيان. وانتهى", ["نشر الموقع kremlin.ru البيان.", "وانتهى"]),
        ("قال د. محمد إنه سيحضر؟ نعم", ["قال د. محمد إنه سيحضر؟", "نعم"]),
        ("Gov. J. Smith spoke. Dr. Lee agreed.", ["Gov. J. Smith spoke.", "Dr. Lee agreed."]),
        ("سنقوم بذلك ... وسنحصن الحلفاء. تم", ["سنقوم بذلك ... وسنحصن الحلفاء.", "تم"]),
        ('قال إنه "لن يتراجع." ثم غادر', ['قال إنه "لن يتراجع."', "ثم غادر"]),
        ('وصف الأمر بأنه "غير مرض". وتابع', ['وصف الأمر بأنه "غير مرض".', "وتابع"]),
        ("سطر أول\nسطر ثان", ["سطر أول", "سطر ثان"]),
        # An attribution after a closing quote stays with the quotation it closes.
        ('أوضح: "نريد ضمانات". قال أوشاكوف. ثم غادر.', ['أوضح: "نريد ضمانات". قال أوشاكوف.', "ثم غادر."]),
        ('"لن نتراجع." وأضاف الوزير السعودي.', ['"لن نتراجع." وأضاف الوزير السعودي.']),
        # Not a bare attribution (too long), or no quotation closed: separate sentences.
        ('"لن نتراجع". قال الوزير للصحفيين في الرياض بعد لقاء طويل.', ['"لن نتراجع".', "قال الوزير للصحفيين في الرياض بعد لقاء طويل."]),
        ("انتهى الاجتماع. قال أوشاكوف.", ["انتهى الاجتماع.", "قال أوشاكوف."]),
        ('بأنها «محافظة». وأشارت إلى دينها.', ["بأنها «محافظة».", "وأشارت إلى دينها."]),
        ('جماعة «تضطرب». ويقول إن هذا عجيب.', ["جماعة «تضطرب».", "ويقول إن هذا عجيب."]),
    ],
)
def test_splitter_ends_sentences_only_where_they_end(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_splitter_has_no_limit_on_sentences() -> None:
    # pyarabic's splitter stops after 32 splits; ours must not.
    text = " ".join(f"الجملة رقم {n}." for n in range(100))
    assert len(sentences(text)) == 100


def test_normalization_folds_what_readers_type_differently() -> None:
    assert normalize("مَاذَا قَالَ") == normalize("ماذا قال")
    assert normalize("أإآٱ") == "اااا"
    assert normalize("٢٠٢١") == "2021"
    assert normalize("الحمـــــد") == "الحمد"


def test_tokens_drop_question_words_and_stem_before_folding() -> None:
    assert tokenize("ماذا قال سوليفان؟") == tokenize("قال سوليفان")
    assert tokenize("What did SULLIVAN say?") == ["sullivan"]
    # Two tokens a word: the ISRI root joins derived forms, stemmed before ة is folded (else مكتبه → كبه) …
    assert tokenize("المكتبة")[0] == tokenize("كاتب")[0] == "كتب"
    # … and the light stem catches what the root's pattern misreads: و and ب as prefixes.
    assert light_tokens("وقال") == light_tokens("قال") and tokenize("وقال")[0] != tokenize("قال")[0]
    assert light_tokens("بطاقة") == light_tokens("طاقة") and tokenize("بطاقة")[0] != tokenize("طاقة")[0]


def test_a_question_word_with_a_pronoun_after_its_t_also_asks_for_the_noun_with_taa_marbuta() -> None:
    assert with_taa_marbuta(normalize("قمتهما")) == "قمة" and with_taa_marbuta(normalize("زيارته")) == "زيارة"
    assert with_taa_marbuta(normalize("القمة")) is None and with_taa_marbuta(normalize("كتابهم")) is None
    [group] = word_token_groups("قمتهما")
    assert set(word_tokens(normalize("قمة"))) <= set(group) and set(word_tokens(normalize("قمتهما"))) <= set(group)
    assert set(word_tokens(normalize("القمة"))) & set(group)  # the root joins it to the article's word


def test_the_fast_stemmer_gives_the_pure_python_snowball_stems() -> None:
    """PyStemmer (C) stands in for snowballstemmer's Python when installed: every stem must be the
    one the reference algorithm gives, or an index would depend on which one was installed."""
    from snowballstemmer.arabic_stemmer import ArabicStemmer

    assert type(_snowball).__module__ == "Stemmer"  # the dependency is what stems, or this compares Python with itself
    reference = ArabicStemmer()
    seed_words = sorted(set(WORD.findall(normalize(SEED.read_text(encoding="utf-8")))))
    words = [w for w in seed_words if not w.isascii()] + ["والمستشفيات", "بالعاصمة", "فقالوا", "سيكتبونها"]
    assert len(words) > 300
    assert [_snowball.stemWord(w) for w in words] == [reference.stemWord(w) for w in words]


@pytest.mark.parametrize(
    "word, root",
    [
        ("مكتوب", "كتب"),  # مفعول
        ("استخدام", "خدم"),  # استفعال: no pattern fits, so one prefix letter at a time, then فعال
        ("المستشفيات", "شفي"),  # ال and ات off, then مستفعل
        ("اجتماع", "جمع"),  # افتعال
        ("تحلية", "حلي"),  # تفعلة
        ("سيارة", "سير"),  # فعالة
        ("جدد", "جدد"),  # three letters: as it is
    ],
)
def test_isri_roots_by_pattern(word: str, root: str) -> None:
    assert isri_stem(word) == root


def test_a_sentence_pointing_back_at_the_one_before() -> None:
    from index.sentences import refers_back

    assert refers_back("ويعبر هذا الحوض أراضي البرازيل.") and refers_back("وفي تلك الفترة ارتفعت الأسعار.")
    assert refers_back("وقال إن بهذه الخطوة تنتهي الأزمة.")
    assert not refers_back("يعبر نهر النيل أراضي مصر.")
    assert not refers_back("وقال هذا ما نريده.")  # a demonstrative alone points at no named thing
