"""What kind of answer a question asks for, and which kinds a sentence holds: how many / how much
(a number), when (a date or a day), what time, where, who, why (a cause), what did X say (a
quotation). A sentence that holds the asked kind beyond the question's own words is more likely the
answer than one that only repeats them. Pure: text in, kinds out."""
from __future__ import annotations

import re
from functools import lru_cache

from index.speakers import asked_speaker
from index.tokens import WORD, kept_words, light_stem, normalize

NUMBER, DATE, TIME, PLACE, PERSON, REASON, QUOTE = "number", "date", "time", "place", "person", "reason", "quote"
# "In which year / month": a date, but not any date ("يوم الثلاثاء" answers neither).
YEAR, MONTH = "year", "month"
KINDS = (NUMBER, DATE, YEAR, MONTH, TIME, PLACE, PERSON, REASON, QUOTE)


def _alternatives(words: str) -> str:
    return "|".join(normalize(w).replace(" ", r"\s+") for w in words.split("|"))


# Questions, matched on normalized text (no marks, أ/إ/آ → ا). The first kind that matches wins,
# so the narrower "what time" comes before "when" and "from where" before "who".
_UNIT_NOUNS = "عدد|نسبة|قيمة|حجم|مساحة|طول|مبلغ|تكلفة|كلفة|سعر|مقدار|حصيلة|ارتفاع|عمر|مدة|إجمالي|رصيد|معدل|كمية|زمن|ترتيب|وزن|درجة"
_TIME_NOUNS = "ساعة|وقت|توقيت"
_DATE_NOUNS = "عام|سنة|يوم|شهر|تاريخ|موعد|أسبوع|فصل"
_PLACE_NOUNS = "مدينة|دولة|بلد|بلدة|منطقة|حي|محافظة|مكان|موقع|مستشفى|ملعب|قرية|مركز|جامعة|شارع|طريق|مطار|ميناء|سجن|فندق|قاعة|جهة|قاعدة|ولاية|جزيرة|مخيم"
_ENGLISH_PLACES = ("city|country|town|village|region|province|state|district|neighbou?rhood|area|place|island|hospital|"
                   "stadium|road|street|highway|prison|jail|airport|port|hotel|hall|university|school|mosque|camp|base|"
                   "venue|site|location|border|crossing")
_ENGLISH_DATES = "year|years|month|day|date"
_WHICH_DATE = r"(?:^|\s)(?:في|منذ|حتى)?\s*اي\s+"  # "في أي …" before a date noun
QUESTION_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        (TIME, rf"(?:^|\s)(?:في\s+)?(?:اي|اية)\s+(?:{_alternatives(_TIME_NOUNS)})\b|\bwhat\s+time\b|\bat\s+what\s+hour\b"),
        (NUMBER, rf"(?:^|\s)(?:كم|بكم|لكم)(?=[\s؟?،,.!]|$)|(?:^|\s)(?:ما|ماهي|ما\s+هي|ما\s+هو)\s+(?:ال)?(?:{_alternatives(_UNIT_NOUNS)})\b"
                 r"|\bhow\s+(?:many|much|far|long|old|big|large|high)\b|\bwhat\s+(?:percentage|proportion|share|number|amount)\b"),
        (MONTH, rf"{_WHICH_DATE}شهر\b|\b(?:what|which)\s+month\b"),
        (YEAR, rf"{_WHICH_DATE}(?:{_alternatives('عام|سنة')})\b|\b(?:what|which)\s+year\b"),
        (DATE, rf"(?:^|\s)متى(?=[\s؟?،,.!]|$)|{_WHICH_DATE}(?:{_alternatives(_DATE_NOUNS)})\b"
               rf"|\bwhen\b|\b(?:what|which)\s+(?:[a-z'-]+\s+){{0,2}}?(?:{_ENGLISH_DATES})\b"),
        (PLACE, rf"(?:^|\s)(?:اين|من\s+اين|الى\s+اين)(?=[\s؟?،,.!]|$)|(?:^|\s)(?:في|الى|من|على|ب)?\s*(?:اي)\s+(?:{_alternatives(_PLACE_NOUNS)})\b"
                rf"|(?:^|\s)(?:ما|ماهي|ما\s+هي|ما\s+هو)\s+ال(?:{_alternatives(_PLACE_NOUNS)})\s+(?:التي|الذي)\b"
                rf"|\bwhere\b|\b(?:which|(?:in|to|from|at|on|near|into)\s+what)\s+(?:[a-z'-]+\s+){{0,2}}?(?:{_ENGLISH_PLACES})\b"),
        # لم and لما ask "why" only opening the question; within it لم is "did not" ("من لم يرم؟").
        (REASON, r"(?:^|\s)(?:لماذا|ما\s+سبب|ما\s+اسباب|ما\s+الدافع|ما\s+دوافع|على\s+اي\s+اساس)(?=[\s؟?،,.!]|$)"
                 r"|^\s*[وف]?(?:لما|لم)(?=[\s؟?،,.!]|$)"
                 r"|(?:^|\s)ما\s+الذي\s+(?:دفع|ادى|اودى|تسبب|جعل)"
                 r"|\bwhy\b|\bwhat\s+(?:caused|led\s+to|was\s+the\s+reason|is\s+the\s+reason|prompted)\b|\bfor\s+what\s+reason\b"),
        (PERSON, r"^\s*(?:و|ف)?من\s+(?:هو|هي|هم|الذي|التي|الذين)?\s*\S|(?:^|\s)اي\s+(?:لاعب|مدرب|شخص|وزير|مسؤول|امير|فنان)\b"
                 r"|^\s*(?:who|whom)\b|\bwhich\s+(?:player|coach|minister|official|person|prince|artist)\b"),
    )
)

# Sentences, matched on normalized text.
_MONTHS = (
    "يناير|فبراير|مارس|ابريل|أبريل|مايو|يونيو|يونيه|يوليو|يوليه|اغسطس|أغسطس|سبتمبر|اكتوبر|أكتوبر|نوفمبر|ديسمبر|"
    "كانون الثاني|شباط|آذار|نيسان|أيار|حزيران|تموز|آب|أيلول|تشرين الأول|تشرين الثاني|كانون الأول|"
    "محرم|صفر|ربيع الأول|ربيع الآخر|ربيع الثاني|جمادى الأولى|جمادى الآخرة|جمادى الثانية|رجب|شعبان|رمضان|شوال|"
    "ذو القعدة|ذي القعدة|ذو الحجة|ذي الحجة"
)
_WEEKDAYS = "السبت|الأحد|الاثنين|الإثنين|الثلاثاء|الأربعاء|الخميس|الجمعة"
_NUMBER_WORDS = (
    "ألف|آلاف|ألفا|مليون|ملايين|مليار|مليارات|مئة|مائة|مئات|ثلاثة|أربعة|خمسة|ستة|سبعة|ثمانية|تسعة|عشرة|عشرين|"
    "ثلاثين|أربعين|خمسين|ستين|سبعين|ثمانين|تسعين|اثنين|اثنان|ثلاث|أربع|خمس|ست|سبع|ثماني|تسع|عشر|نصف|ربع|ضعف|"
    # the dual is a number: "استمرت ساعتين" answers "how long"
    "ساعتين|ساعتان|يومين|يومان|أسبوعين|أسبوعان|شهرين|شهران|عامين|عامان|سنتين|سنتان|دقيقتين|دقيقتان|مرتين|"
    "ضعفين|ألفين|ألفان|مليونين|مليونان|قرنين"
)
_PLACE_WORDS = (
    "مدينة|بمدينة|محافظة|بمحافظة|منطقة|بمنطقة|حي|بحي|قرية|بقرية|مركز|بمركز|شارع|بشارع|طريق|بطريق|مطار|بمطار|"
    "ميناء|بميناء|مستشفى|بمستشفى|ملعب|بملعب|جامعة|بجامعة|مقر|بمقر|العاصمة|بالعاصمة|ساحة|ميدان|فندق|بفندق|قاعة|بقاعة|"
    "سجن|بسجن|قاعدة|بقاعدة|مخيم|بمخيم|جزيرة|بجزيرة|ولاية|بولاية|بلدة|ببلدة|موقع|بموقع|مكان|بمكان|دولة|بدولة|"
    "الرياض|بالرياض|جدة|بجدة|مكة|بمكة|المدينة المنورة|الدمام|بالدمام|الطائف|بالطائف|أبها|بأبها|تبوك|بتبوك|جازان|بجازان|"
    "نجران|بنجران|حائل|بحائل|القصيم|بالقصيم|الأحساء|بالأحساء|الخبر|بالخبر|القطيف|بالقطيف|بريدة|ببريدة|عسير|بعسير|"
    "الباحة|بالباحة|الجوف|بالجوف|ينبع|بينبع|القاهرة|بالقاهرة|دبي|بدبي|لندن|بلندن|باريس|بباريس|واشنطن|بواشنطن|"
    "بيروت|ببيروت|دمشق|بدمشق|بغداد|ببغداد|صنعاء|بصنعاء|عدن|بعدن|طهران|بطهران|اسطنبول|إسطنبول|بإسطنبول|موسكو|بموسكو|"
    "جنيف|بجنيف|نيويورك|بنيويورك|الكويت|بالكويت|الدوحة|بالدوحة|المنامة|بالمنامة|مسقط|بمسقط|عمان|بعمان|أبوظبي|بأبوظبي"
)
_TITLES = (
    "الأمير|الملك|الشيخ|الدكتور|د\\.|المهندس|الأستاذ|السيد|السيدة|الرئيس|الوزير|وزير|الفريق|اللواء|العميد|العقيد|"
    "المقدم|الرائد|النقيب|اللاعب|المدرب|الفنان|الفنانة|الشاعر|الكاتب|الكاتبة|المواطن|المواطنة|الشاب|الطفل|الطفلة|"
    "المتحدث|مدير|رئيس|أمين|محافظ|سمو|معالي|فضيلة|سعادة"
)
_CAUSES = (
    "لأن|لان|لأنه|لأنها|لأنهم|بسبب|نتيجة|نتيجة ل|إثر|اثر|على إثر|جراء|من جراء|بهدف|من أجل|لأجل|لكون|كون|نظرا|"
    "بداعي|على خلفية|يعود إلى|يعود ل|يرجع إلى|ترجع إلى|يعزى|تعزى|عزا|عزت|سبب|أسباب|السبب|الأسباب|مما أدى|ما أدى|أدى إلى|"
    "تسبب|تسببت|بفعل|بحجة|ذريعة|لعدم|لغياب|لنقص|لوجود|بغية|سعيا|حرصا|تفاديا|تجنبا|خوفا"
)
_MONTH_NAME = rf"(?:^|\s)[وب]?(?:{_alternatives(_MONTHS)})(?=\s|$|[،,.])"
_NUMERIC_DATE = r"\d{1,2}\s*/\s*\d{1,2}\s*/\s*\d{2,4}"
_HIJRI_YEAR = r"\dه\b|\d\s+ه(?:ـ|\b)"
# A speaker's own words in quotation marks (a quotation may run on past the sentence's end).
_DIRECT_QUOTE = r'[«"“][^«»"“”]{12,}'
SENTENCE_KINDS: dict[str, re.Pattern[str]] = {
    kind: re.compile(pattern)
    for kind, pattern in (
        (NUMBER, rf"\d|%|(?:^|\s)[وب]?(?:{_alternatives(_NUMBER_WORDS)})(?=\s|$|[،,.])|في\s+الم(?:ا)?[ئي]ة"),
        (DATE, rf"{_MONTH_NAME}|(?:^|\s)[وفل]?(?:ال)?(?:يوم\s+)?(?:{_alternatives(_WEEKDAYS)})(?=\s|$|[،,.)])"
               rf"|\b(?:1[34]|19|20)\d\d\b|{_NUMERIC_DATE}|{_HIJRI_YEAR}|(?:^|\s)(?:امس|غدا|البارحة)(?=\s|$|[،,.])"),
        (MONTH, rf"{_MONTH_NAME}|{_NUMERIC_DATE}"),
        (YEAR, rf"\b(?:1\d\d\d|20\d\d)\b|{_HIJRI_YEAR}"),
        (TIME, r"(?:^|\s)(?:ال|ب|في\s+)?ساعة\s+\S|\d{1,2}[:.]\d\d\b|(?:^|\s)(?:صباحا|مساء|مساءا|ظهرا|عصرا|فجرا|ليلا|منتصف\s+الليل)(?=\s|$|[،,.])"),
        (PLACE, rf"(?:^|\s)(?:{_alternatives(_PLACE_WORDS)})(?=\s|$|[،,.])"),
        (PERSON, rf"(?:^|\s)[وف]?(?:{_alternatives(_TITLES)})(?=\s|$)|\s(?:بن|ابن|بنت)\s+\S"),
        (REASON, rf"(?:^|\s)[وف]?(?:{_alternatives(_CAUSES)})(?=\s|$|[،,.])"),
        (QUOTE, _DIRECT_QUOTE),
    )
}


def asked_kind(question: str) -> str | None:
    """The kind of answer the question asks for, or None when it does not say."""
    if asked_speaker(question):
        return QUOTE
    match = _kind_match(normalize(question))
    return match[0] if match else None


def _kind_match(text: str) -> tuple[str, re.Match[str]] | None:
    for kind, pattern in QUESTION_KINDS:
        if found := pattern.search(text):
            return kind, found
    return None


def asked_frame(question: str) -> tuple[str, ...]:
    """The words of an Arabic question that name the precise kind it asks for ("شهر" of "في أي شهر",
    "عام" of "في أي عام"): words an answer holding that kind has no need to repeat ("في يونيو")."""
    if asked_speaker(question):
        return ()
    text = normalize(question)
    match = _kind_match(text)
    if match is None or match[0] not in _FRAME_NOUNS:
        return ()
    kind, found = match
    window = kept_words(text[found.start():])[: len(kept_words(found.group())) + 1]  # the match and the word after it
    return tuple(w for w in window if light_stem(w) in _FRAME_NOUNS[kind])


def holding(sentences: dict[int, str], kind: str, asked: frozenset[str] = frozenset()) -> set[int]:
    """The keys of the sentences that hold this kind of answer in words other than the question's
    (`holds`, for a question's candidates at once): a sentence the kind's pattern misses is passed over
    (blanking words only takes matches away), and the asked words are blanked by one pattern of their
    forms in these sentences, not by stemming every word of every sentence."""
    pattern = SENTENCE_KINDS.get(kind)
    if pattern is None:
        return set()
    texts = {key: text for key, sentence in sentences.items() if pattern.search(text := normalize(sentence))}
    forms = {w for text in texts.values() for w in WORD.findall(text)} if asked else set()
    blank = _word_pattern({w for w in forms if light_stem(w) in asked})
    return {key for key, text in texts.items() if pattern.search(blank.sub(" ", text) if blank else text)}


def _word_pattern(forms: set[str]) -> re.Pattern[str] | None:
    """Any of these words, whole (as `WORD` finds them), or None for none."""
    if not forms:
        return None
    return re.compile(r"(?<![^\W_])(?:" + "|".join(map(re.escape, sorted(forms, key=len, reverse=True))) + r")(?![^\W_])")


def holds(sentence: str, kind: str, asked: frozenset[str] = frozenset()) -> bool:
    """Whether a sentence holds this kind of answer in words other than the question's (`asked`:
    their light stems): the 2015 or the city a question names is no answer to it. For "what did X
    say" it is a quotation; who speaks is the speaker match's to weigh."""
    return bool(holding({0: sentence}, kind, asked))


# The nouns that say what kind is asked ("في أي مدينة", "كم عدد"): an answer holds them too.
_FRAME = frozenset(light_stem(normalize(w)) for w in "|".join(
    (_UNIT_NOUNS, _TIME_NOUNS, _DATE_NOUNS, _PLACE_NOUNS)).split("|"))


# Only kinds a sentence shows precisely: any number is no area ("ما المساحة"), and any place word no
# site ("في أي موقع"); a month's name is a month (on the archive set's tuning half the broad kinds'
# frames lost two questions and won none).
_FRAME_NOUNS = {
    kind: frozenset(light_stem(normalize(w)) for w in nouns.split("|"))
    for kind, nouns in ((YEAR, "عام|سنة"), (MONTH, "شهر"), (TIME, _TIME_NOUNS))
}


# Words that, after "في", make it a time or place adjunct ("في يوليو", "في عام 2010", "في حي الجبور")
# rather than an argument of the verb ("شارك في الحرب").
_SETTING = frozenset(light_stem(normalize(word)) for name in "|".join(
    (_TIME_NOUNS, _DATE_NOUNS, _PLACE_NOUNS, _MONTHS, _WEEKDAYS)).split("|") for word in name.split())
_ENGLISH_SETTING = re.compile(rf"(?:{_ENGLISH_DATES}|{_ENGLISH_PLACES}|january|february|march|april|may|june|july|"
                              r"august|september|october|november|december|monday|tuesday|wednesday|thursday|"
                              r"friday|saturday|sunday|morning|evening|night)")


def is_setting_word(word: str) -> bool:
    """A time or place noun, a month, a weekday or a number (Arabic or English): what a time or place
    adjunct opens with."""
    folded = normalize(word)
    return folded[:1].isdigit() or light_stem(folded) in _SETTING or bool(_ENGLISH_SETTING.fullmatch(folded))


@lru_cache(maxsize=256)
def asked_words(question: str) -> frozenset[str]:
    """The light stems of the question's own content words, which no answer needs to repeat."""
    return frozenset(stem for w in kept_words(question) if (stem := light_stem(w)) not in _FRAME)


def sentence_kinds(sentence: str) -> frozenset[str]:
    """Every kind of answer a sentence holds."""
    text = normalize(sentence)
    return frozenset(kind for kind, pattern in SENTENCE_KINDS.items() if pattern.search(text))
