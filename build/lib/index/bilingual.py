"""English words to the Arabic words a news text would use: a small news vocabulary first, then the
FreeDict English–Arabic dictionary (Debian's dict-freedict-eng-ara) when it is installed (the
answering service reads it and passes its entries in)."""
from __future__ import annotations

import re

from index.script import ARABIC_LETTER

HEADWORD = re.compile(r"^([A-Za-z][A-Za-z' -]*?) /[^/]*/$")
SENSES_KEPT = 3
# The dictionary's first senses are often wrong for news (said → قيل); these come first.
NEWS_WORDS: dict[str, tuple[str, ...]] = {
    "say": ("قال",), "said": ("قال",), "says": ("قال",), "told": ("قال", "أبلغ"), "tell": ("قال",),
    "kill": ("قتل", "مقتل"), "killed": ("قتل", "مقتل", "قتلى"), "dead": ("قتلى", "وفاة"), "died": ("توفي", "حتفهم", "مقتل"),
    "win": ("فاز",), "won": ("فاز", "فوز"), "votes": ("صوت", "أصوات"), "vote": ("صوت", "تصويت"),
    "profit": ("أرباح", "ربح"), "profits": ("أرباح",), "revenue": ("إيرادات",), "fall": ("هبوط", "انخفاض"),
    "fell": ("هبط", "انخفض"), "rise": ("ارتفاع",), "rose": ("ارتفع",), "attack": ("هجوم",), "attacks": ("هجمات", "هجوم"),
    "attacked": ("هاجم", "هجوم"), "army": ("الجيش",), "police": ("الشرطة", "شرطي", "شرطيا"), "officers": ("ضباط", "شرطيا"),
    "minister": ("وزير",), "ministry": ("وزارة",), "president": ("رئيس",), "king": ("الملك",), "prince": ("الأمير",),
    "government": ("الحكومة",), "hotel": ("فندق",), "helicopter": ("مروحية",), "crash": ("تحطم",), "crashed": ("تحطم", "تحطمت"),
    "spectators": ("متفرج", "متفرجا"), "mosques": ("مساجد", "مسجد"), "world": ("العالم",), "year": ("عام", "سنة"),
    "people": ("شخص", "أشخاص", "شخصا"), "security": ("الأمن", "أمن"), "canal": ("قناة",), "opening": ("افتتاح",),
    "chicken": ("دجاجة",), "leg": ("رجل", "ساق"), "printed": ("الطباعة", "طباعة"), "class": ("فصل",), "late": ("متأخرا",),
    "far": ("يبعد", "بعد"), "greeted": ("سلم", "السلام"), "winter": ("الشتوية",), "olympics": ("الأولمبية", "أولمبياد"),
    "host": ("تنظيم", "استضافة"), "fighters": ("عناصر", "مقاتلين"), "name": ("اسم",), "called": ("دعت", "دعا"),
}
INFLECTIONS = (("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""), ("ed", "e"), ("es", ""), ("s", ""))


def parse_dictionary(text: str) -> dict[str, tuple[str, ...]]:
    """Headword (lower case) → its first Arabic senses, from a dictd text in FreeDict's layout."""
    entries: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        head = HEADWORD.match(line.strip())
        if head:
            current = entries.setdefault(head.group(1).lower(), [])
            continue
        sense = re.sub(r"^\d+\.\s*", "", line.strip()).strip(" ،,")
        if current is not None and sense and len(current) < SENSES_KEPT and ARABIC_LETTER.search(sense):
            current.append(sense)
    return {word: tuple(senses) for word, senses in entries.items() if senses}


def arabic_for(word: str, entries: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """Arabic renderings of an English word: the news vocabulary, else the dictionary's entries (by a
    light stem when the word form itself is missing)."""
    word = word.lower()
    if word in NEWS_WORDS:
        return NEWS_WORDS[word]
    if word in entries:
        return entries[word]
    for suffix, replacement in INFLECTIONS:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)] + replacement
            if base in entries:
                return entries[base]
    return ()
