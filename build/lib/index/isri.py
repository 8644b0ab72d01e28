"""The ISRI Arabic stemmer (Taghva, Elkhoury and Coombs, 2005): affixes off, then the word's
pattern (وزن) gives its root, without a root dictionary. Input: a word already normalized by
`index.tokens.normalize` (no tashkeel, alef forms folded)."""
from __future__ import annotations

PREFIXES_3 = ("كال", "بال", "ولل", "وال")
PREFIXES_2 = ("ال", "لل")
SUFFIXES_3 = ("تما", "هما", "تان", "تين", "كما")
SUFFIXES_2 = ("ون", "ات", "ان", "ين", "تن", "كم", "هن", "نا", "يا", "ها", "تم", "كن", "ني", "وا", "ما", "هم")
SUFFIXES_1 = ("ة", "ه", "ي", "ك", "ت", "ا", "ن")
PREFIXES_1 = ("ل", "ب", "ف", "س", "و", "ي", "ت", "ن", "ا")

# Patterns, tried in this order: ف ع ل (and ق, a fourth radical) stand for the root's letters, any
# other letter must be there as written. A radical written twice (افعوعل) must be the same letter.
PATTERNS_4_TO_3 = ("مفعل", "فاعل", "فعال", "فعول", "فعيل", "فعلة")
PATTERNS_5_TO_3 = (
    "افتعل", "افاعل", "مفعول", "مفعال", "مفعيل", "مفعلة", "تفعلة", "افعلة", "مفتعل", "يفتعل", "تفتعل",
    "مفاعل", "تفاعل", "فعولة", "فعالة", "انفعل", "منفعل", "افعال", "فعلان", "تفعيل", "فاعول", "فواعل",
    "فعائل", "فاعلة", "فعالي",
)
PATTERNS_5_TO_4 = ("تفعلق", "افعلق", "مفعلق", "فعلقة", "فعالق")
PATTERNS_6_TO_3 = ("استفعل", "مستفعل", "مفعالة", "افتعال", "افعوعل", "تفاعيل")
PATTERNS_6_TO_4 = ("افعلاق", "متفعلق")
RADICALS = "فعلق"


def root_by_pattern(word: str, pattern: str) -> str | None:
    """The root letters of a word of this pattern, or None when the word does not fit it."""
    if len(word) != len(pattern):
        return None
    seen: dict[str, str] = {}
    for letter, slot in zip(word, pattern):
        if slot in RADICALS:
            if seen.setdefault(slot, letter) != letter:
                return None
        elif letter != slot:
            return None
    return "".join(seen[slot] for slot in RADICALS if slot in seen)


def _by_patterns(word: str, patterns: tuple[str, ...]) -> str | None:
    for pattern in patterns:
        root = root_by_pattern(word, pattern)
        if root is not None:
            return root
    return None


def _strip_prefix(word: str, prefixes: tuple[str, ...]) -> str:
    return next((word[len(p):] for p in prefixes if word.startswith(p)), word)


def _strip_suffix(word: str, suffixes: tuple[str, ...]) -> str:
    return next((word[: -len(s)] for s in suffixes if word.endswith(s)), word)


def _strip_long_affixes(word: str) -> str:
    """Three-letter affixes from words of six letters or more, two-letter ones from five or more."""
    if len(word) >= 6 and word.startswith(PREFIXES_3):
        word = _strip_prefix(word, PREFIXES_3)
    elif len(word) >= 5:
        word = _strip_prefix(word, PREFIXES_2)
    if len(word) >= 6 and word.endswith(SUFFIXES_3):
        word = _strip_suffix(word, SUFFIXES_3)
    elif len(word) >= 5:
        word = _strip_suffix(word, SUFFIXES_2)
    if len(word) >= 4 and word.startswith("وو"):  # the conjunction before a word that starts with و
        word = word[1:]
    return word


def _one_letter_off(word: str, length: int) -> str:
    """No pattern fits: drop a one-letter suffix, or else a one-letter prefix."""
    word = _strip_suffix(word, SUFFIXES_1)
    return _strip_prefix(word, PREFIXES_1) if len(word) == length else word


PATTERNS_TO_3 = {4: PATTERNS_4_TO_3, 5: PATTERNS_5_TO_3, 6: PATTERNS_6_TO_3}
PATTERNS_TO_4 = {5: PATTERNS_5_TO_4, 6: PATTERNS_6_TO_4}


def _root(word: str) -> str:
    """A word of four to six letters: its three-letter root by pattern, or else one letter off and
    again; a word that keeps its length may still show a four-letter root."""
    length = len(word)
    word = _by_patterns(word, PATTERNS_TO_3[length]) or _one_letter_off(word, length)
    if len(word) == length - 1 and length > 4:
        return _root(word)
    if len(word) == length and length in PATTERNS_TO_4:
        return _by_patterns(word, PATTERNS_TO_4[length]) or word
    return word


def isri_stem(word: str) -> str:
    """The word's root (three or four letters) when its pattern shows it, else its stem."""
    word = _strip_long_affixes(word)
    if len(word) == 7:
        word = _strip_suffix(word, SUFFIXES_1)
        if len(word) == 7:
            word = _strip_prefix(word, PREFIXES_1)
    return _root(word) if 4 <= len(word) <= 6 else word
