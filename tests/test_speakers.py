from __future__ import annotations

import pytest

from index.query import Vocabulary, analyse
from index.records import StoredSentence
from index.search import speaker_match
from index.speakers import CONTINUATION, asked_speaker, attribute, speaker_of
from index.tokens import light_tokens
from index.transliterate import latin_skeleton


@pytest.mark.parametrize(
    "sentence, speaker",
    [
        ("وقال مستشار الأمن القومي الأمريكي جيك سوليفان بعد المكالمة إن بايدن أخبر بوتين.", "مستشار الأمن القومي الأمريكي جيك سوليفان"),
        ("وقالت فيكتوريا نولاند، مبعوثة أمريكية، إن الغزو سيعرض الخط للخطر.", "فيكتوريا نولاند"),
        ("ونقل أوشاكوف عن بوتين قوله إن روسيا قلقة.", "بوتين"),
        ("ونقلت وكالة الأنباء عن المتحدث باسم الوزارة قوله إن الطريق أغلق.", "المتحدث باسم الوزارة"),
        ("قال أوشاكوف.", "أوشاكوف"),
        ('وفي هذا الصدد، أوضح، بالطبع، أفكارنا حول الضمانات ". قال أوشاكوف.', "أوشاكوف"),
        ("يعلّق يوري أوشاكوف، مساعد الكرملين، للصحفيين على المحادثات.", "يوري أوشاكوف"),
        ('وصف الوضع بأنه "صعب" وقال الوزير إن الحل قريب.', "الوزير"),
        ("وأضاف أن الولايات المتحدة ستوفر مواد دفاعية.", CONTINUATION),
        ("The central bank kept rates steady, Gov. J. Smith said on Tuesday.", "Gov. J. Smith"),
        ("هيمنت قضية أوكرانيا على المحادثات.", None),
        ('وقال "العتيبي": "الفريق جاهز للمباراة".', "العتيبي"),  # a quoted name, then the words
        ('وقال «لن نتراجع» في ختام الاجتماع.', CONTINUATION),  # quoted words are not a name
        ("واختتم المدرب حديثه بالقول: «سنقاتل حتى النهاية».", "المدرب"),
        ("واستهل الأمير خالد الفيصل كلمته بالقول إن المنطقة تشهد نهضة.", "الأمير خالد الفيصل"),
        ("«سأبقى مع الفريق»، هذا ما قاله الحارس بعد التدريب.", "الحارس"),
        ("وقال النائب في رده على ما قاله الوزير إن الأرقام غير دقيقة.", "النائب"),
        ("واضاف رئيس البلدية أن العمل سينتهي قريبا.", "رئيس البلدية"),  # a bare alef for the hamza
        ("واكدت الوزارة أن الطريق أغلق.", "الوزارة"),
        ("والوضع واضح للجميع.", None),
        ("وتابع قائلاً: «سنعود أقوى».", CONTINUATION),  # how he went on, not who
        ("وأكد المدير موضحا أن الخطة جاهزة.", "المدير"),
        ("وقال لـ«الجزيرة»: «لن نتراجع».", CONTINUATION),  # the ل of لـ is no name
        ("وأشار د. العمري إلى أن النتائج مبشرة.", "د العمري"),  # the period of "د." ends no sentence
        ("واشار الى ان العمل مستمر.", CONTINUATION),
        ("وقال الوزير امس إن العمل مستمر.", "الوزير"),  # every stop word with either alef
        ("وقال بان كي مون إن الوضع خطير.", "بان كي مون"),  # only a first hamza may be bare: بان is a name
        ("وشرحت المصممة فكرتها قائلة: «الحركة عفوية».", "المصممة فكرتها"),  # any verb, its manner saying
        ("بعد ذلك نشر الطالب مشاري عن نفسه فيديو قائلا: “أتمنى أن يصل هذا العمل”.", "الطالب مشاري"),
        ("من جانبه عبر اللاعب علي البليهي عن سعادته قائلاً: نادي الفتح كبير.", "اللاعب علي البليهي"),
        ("ومضى قائلا “تحول ميزان القوى بالمنطقة”.", CONTINUATION),
        ("وجاء القرار متأخرا.", None),
    ],
)
def test_speaker_of_reporting_sentences(sentence: str, speaker: str | None) -> None:
    assert speaker_of(sentence) == speaker


def test_continuations_inherit_the_last_speaker() -> None:
    texts = ["وقال سوليفان إن بايدن حذر بوتين.", "وأضاف أن العقوبات جاهزة.", "هيمنت أوكرانيا على المحادثات."]
    assert attribute(texts) == ["سوليفان", "سوليفان", None]


@pytest.mark.parametrize(
    "question, who",
    [("ماذا قال سوليفان؟", "سوليفان"), ("ماذا قالت فيكتوريا نولاند؟", "فيكتوريا نولاند"),
     ("What did Sullivan say?", "Sullivan"), ("كيف وصف الكرملين المناقشة؟", None),
     # the speaker ends where the topic begins
     ("ماذا قال سوليفان عن المواد الدفاعية الإضافية؟", "سوليفان"),
     ("ماذا قال تياغو موتا بشأن رغبته في مغادرة باريس؟", "تياغو موتا"),
     ("ماذا قال عبدالله البدري في موسكو بشأن أسعار الخام؟", "عبدالله البدري"),
     ("ماذا قالت فيكتوريا نولاند لـ CNN؟", "فيكتوريا نولاند"), ("ماذا قال عن الحرب؟", None),
     ("ماذا أكد وزير الصحة عن الجرب؟", "وزير الصحة")],  # the question is matched normalized: أكد → اكد
)
def test_asked_speaker(question: str, who: str | None) -> None:
    assert asked_speaker(question) == who


@pytest.mark.parametrize(
    "question, kind",
    [("كم عدد القتلى؟", "number"), ("ما نسبة النمو في مايو؟", "number"), ("How many people died?", "number"),
     ("في أيِّ عامٍ وُلد؟", "year"), ("في أي شهر التقيا؟", "month"), ("In which year was it built?", "year"),
     ("في أي يوم وقع الحادث؟", "date"), ("متى؟", "date"), ("When did it start?", "date"),
     ("في أي ساعة يبدأ الدوام؟", "time"), ("What time does the match start?", "time"),
     ("أين وقع الحادث؟", "place"), ("في أي مدينة عقد المؤتمر؟", "place"), ("Where was the summit held?", "place"),
     ("من هو مدرب الهلال الجديد؟", "person"), ("Who won the race?", "person"), ("من أين جاء؟", "place"),
     ("لماذا ألغي الحفل؟", "reason"), ("ما سبب الحريق؟", "reason"), ("Why was the flight delayed?", "reason"),
     ("ماذا قال سوليفان؟", "quote"), ("What did Sullivan say?", "quote"), ("كيف وصف الكرملين المناقشة؟", None),
     # a word or two between "which" and the noun, and nouns of places beyond cities
     ("In which Riyadh district was the fire?", "place"), ("On which road did the bus crash?", "place"),
     ("In what prison is he held?", "place"), ("What is the state of the economy?", None),
     ("Which model years does the recall cover?", "date"), ("على أي طريق وقع الحادث؟", "place"),
     ("على أي أساس رفضت المحكمة الطعن؟", "reason"), ("ما الذي أدى إلى انهيار المبنى؟", "reason"),
     ("ما الكمية التي صدرتها الشركة؟", "number"),
     # لم asks "why" only opening the question; "which country" needs no preposition before it
     ("لم تأخر القطار؟", "reason"), ("خلال المباراة، من لم يسجل؟", None), ("ما الذي لم يفعله الوزير؟", None),
     ("أي مدينة استضافت البطولة؟", "place"), ("ما هي الدولة التي تحوي معظم الغابة؟", "place")],
)
def test_the_kind_of_answer_asked_for(question: str, kind: str | None) -> None:
    from index.answer_types import asked_kind

    assert asked_kind(question) == kind


@pytest.mark.parametrize(
    "sentence, kind",
    [("ارتفع المؤشر 3 في المائة.", "number"), ("وبلغت التكلفة مليون ريال.", "number"),
     ("وذلك يوم الثلاثاء الماضي.", "date"), ("في 15 رمضان 1436هـ", "date"), ("في الأول من ذي الحجة.", "date"),
     ("بدأ الحفل الساعة التاسعة مساءً.", "time"), ("وأقيم الحفل في مدينة جدة.", "place"),
     ("وعيّن النادي المدرب الجديد.", "person"), ("ألغي الحفل بسبب الأمطار.", "reason"),
     ("وتأخرت الرحلة نتيجةً لسوء الأحوال الجوية.", "reason"), ("وهو موقوف في سجن إيفين شمال طهران.", "place"),
     ("في حفل أقيم في قاعدة إيستر الجوية.", "place"), ("واستمرت المحادثات ساعتين.", "number")],
)
def test_the_kinds_a_sentence_holds(sentence: str, kind: str) -> None:
    from index.answer_types import sentence_kinds

    assert kind in sentence_kinds(sentence)


def test_a_month_or_a_year_is_asked_by_name_not_by_any_date() -> None:
    from index.answer_types import holds

    assert holds("وعقدت القمة في جنيف في يونيو 2021.", "month")
    assert holds("وعقدت القمة في جنيف في 16/6/2021.", "month")
    assert not holds("والتقى الزعيمان يوم الثلاثاء.", "month")  # a date, but no month
    assert holds("وتأسس النادي عام 1957.", "year") and holds("في 15 رمضان 1436هـ", "year")
    assert not holds("والتقى الزعيمان يوم الثلاثاء في يونيو.", "year")


def test_the_words_naming_the_asked_kind_are_its_frame() -> None:
    from index.answer_types import asked_frame

    assert asked_frame("في أي شهر التقى الرئيسان في قمتهما السابقة؟") == ("شهر",)
    assert asked_frame("في أيِّ عامٍ وُلد الشاعر؟") == ("عام",)
    assert asked_frame("في أي ساعة يبدأ الدوام؟") == ("ساعة",)
    # broad kinds have none: a number is no area, a place word no site
    assert asked_frame("ما المساحة التي يغطيها الحوض؟") == asked_frame("في أي موقع وقع الحادث؟") == ()
    assert asked_frame("ماذا قال الوزير عن شهر رمضان؟") == ()  # a frame word outside the frame


def test_a_sentence_without_the_asked_kind() -> None:
    from index.answer_types import sentence_kinds

    assert sentence_kinds("وأكد الوزير أهمية المشروع للمنطقة.") & {"number", "date", "time", "reason"} == set()


def test_a_kind_held_only_in_the_question_s_own_words_is_no_answer() -> None:
    from index.answer_types import asked_words, holds

    asked = asked_words("كم عدد زوار سوسة في يوليو 2015؟")
    assert not holds("وزار سوسة في 2015 سياح كثيرون.", "number", asked)
    assert holds("وزار سوسة في 2015 ثلاثة آلاف سائح فقط.", "number", asked)
    assert holds("وزار سوسة في 2015 سياح كثيرون.", "number")  # without the question, 2015 is a number
    where = asked_words("في أي مدينة افتتح المعرض؟")
    assert holds("وافتتح المعرض في مدينة ساحلية.", "place", where)  # the asked noun itself is kept


def test_a_question_s_candidates_hold_its_kind_as_each_one_alone_does() -> None:
    from index.answer_types import KINDS, SENTENCE_KINDS, asked_words, holding
    from index.tokens import WORD, light_stem, normalize

    def holds_word_by_word(sentence: str, kind: str, asked: frozenset[str]) -> bool:
        """The oracle: every word of the sentence stemmed, the asked ones blanked, the kind looked for."""
        blanked = WORD.sub(lambda m: " " if light_stem(m.group()) in asked else m.group(), normalize(sentence))
        return bool(SENTENCE_KINDS[kind].search(blanked))

    sentences = dict(enumerate([
        "وزار سوسة في 2015 سياح كثيرون.", "وزار سوسة في 2015 ثلاثة آلاف سائح فقط.", "وسوسة، سوسة 2015!",
        "وافتتح المعرض في مدينة ساحلية يوم الثلاثاء 16/6/2015 عند الساعة 4:30 فجرا.",
        "وقال الوزير: «إن الزيارة كانت لأداء العمرة فقط» بسبب الزحام.", "(زوار) سوسة [يوليو]", "",
    ]))
    for question in ("كم عدد زوار سوسة في يوليو 2015؟", "في أي مدينة افتتح المعرض؟", "ماذا قال الوزير؟"):
        asked = asked_words(question)
        for kind in KINDS:  # blanking the asked words once for all, the sentences that keep the kind are the same
            assert holding(sentences, kind, asked) == {k for k, s in sentences.items() if holds_word_by_word(s, kind, asked)}, kind
    assert holding(sentences, "number", asked_words("كم عدد زوار سوسة في يوليو 2015؟")) == {1, 3}


def test_what_did_x_say_is_answered_by_a_quotation() -> None:
    from index.answer_types import holds

    assert holds("وقال الوزير: «إن الزيارة كانت لأداء العمرة فقط».", "quote")
    assert holds('وأضاف المومني: "علاقاتنا مع المملكة متينة وقوية', "quote")  # runs on past the sentence
    assert not holds("وأكد الوزير أن الزيارة كانت لأداء العمرة.", "quote")
    assert not holds("وشارك في برنامج «صباح الخير» أمس.", "quote")  # a title in quotation marks


def _vocabulary(idf: dict[str, float], names: dict[str, list[str]] | None = None,
                senses: dict[str, tuple[str, ...]] | None = None) -> Vocabulary:
    return Vocabulary(idf_of=idf.get, unseen_idf=9.0, terms_with_skeleton=lambda shape: (names or {}).get(shape, []),
                      translations=lambda word: (senses or {}).get(word, ()))


def _statement(speaker: str) -> StoredSentence:
    return StoredSentence(1, 1, 0, 0, 10, None, speaker, [])


def test_a_statement_must_name_the_asked_speaker_not_only_his_title() -> None:
    stem = {word: light_tokens(word)[0] for word in ("وزير", "الخارجية", "عادل", "الجبير", "الصحة")}
    vocabulary = _vocabulary({stem["وزير"]: 1.0, stem["الخارجية"]: 1.4, stem["عادل"]: 3.0, stem["الجبير"]: 3.5,
                              stem["الصحة"]: 1.5})
    query = analyse("ماذا قال وزير الخارجية عادل الجبير بشأن الوفد؟", vocabulary)
    assert query.speaker_name == {stem["عادل"], stem["الجبير"]}  # both names are rare; the title is not
    assert speaker_match(query, _statement("وزير الخارجية عادل الجبير")) == 1.0
    assert speaker_match(query, _statement("الجبير")) == 1.0
    assert speaker_match(query, _statement("وزير الصحة")) == 0.0  # another minister


def test_an_english_speaker_is_his_family_name_not_the_look_alikes_of_his_description() -> None:
    stem = {arabic: light_tokens(arabic)[0] for arabic in ("بحريني", "سمير", "زين", "طارق")}
    names = {latin_skeleton(word): [stem[arabic]] for word, arabic in
             (("bahraini", "بحريني"), ("swimmer", "سمير"), ("zain", "زين"), ("tarek", "طارق"))}
    vocabulary = _vocabulary({stem["سمير"]: 2.0, stem["طارق"]: 3.0, stem["زين"]: 4.0, stem["بحريني"]: 5.0}, names,
                             {"swimmer": ("سباح",)})
    query = analyse("What did Bahraini swimmer Al-Zain Tarek say about the championship?", vocabulary)
    assert stem["طارق"] in query.speaker_name
    assert not {stem["سمير"], stem["بحريني"], stem["زين"]} & query.speaker_name
    assert speaker_match(query, _statement("طارق")) == 1.0
    assert speaker_match(query, _statement("سمير")) == 0.0
