"""Cross-script consonant skeletons: 'Moscowtimes' and 'موسكو تايمز' both become 'msktms'."""
from __future__ import annotations

import re

from index.script import ARABIC_LETTER, LATIN_WORD
from index.tokens import normalize

# Arabic letters to the Latin consonant class a reader would write; long vowels and hamza vanish.
ARABIC_CONSONANTS = str.maketrans(
    {
        "ب": "b", "ت": "t", "ث": "s", "ج": "j", "ح": "h", "خ": "k", "د": "d", "ذ": "d",
        "ر": "r", "ز": "s", "س": "s", "ش": "s", "ص": "s", "ض": "d", "ط": "t", "ظ": "d",
        "ع": "", "غ": "j", "ف": "f", "ق": "k", "ك": "k", "ل": "l", "م": "m", "ن": "n",
        "ه": "h", "و": "", "ي": "", "ا": "", "ء": "", "ئ": "", "ؤ": "", "ى": "", "ة": "",
        "پ": "b", "چ": "j", "ڤ": "f", "گ": "j",
    }
)
LATIN_DIGRAPHS = re.compile(r"(?<=[sckgpt])h|(?<=[a-z])h(?=[^aeiouy]|$)")
LATIN_CONSONANTS = str.maketrans(
    {"p": "b", "v": "f", "c": "k", "q": "k", "x": "k", "z": "s", "g": "j",
     "a": "", "e": "", "i": "", "o": "", "u": "", "y": "", "w": ""}
)
ARABIC_ARTICLE = re.compile(r"^(?:وال|بال|فال|كال|لل|ال)(?=\w{2,})")


def _collapse(skeleton: str) -> str:
    return re.sub(r"(.)\1+", r"\1", skeleton)


def latin_skeleton(word: str) -> str:
    """Consonant skeleton of a Latin-script word."""
    letters = "".join(LATIN_WORD.findall(word.lower()))
    return _collapse(LATIN_DIGRAPHS.sub("", letters).translate(LATIN_CONSONANTS))


def arabic_skeleton(word: str) -> str:
    """Consonant skeleton of an Arabic word, its definite article dropped."""
    word = ARABIC_ARTICLE.sub("", normalize(word))
    return _collapse(re.sub(r"[^a-z]", "", word.translate(ARABIC_CONSONANTS)))


def skeleton(text: str) -> str:
    """Skeleton of a name in either script; the words run together."""
    parts = normalize(text).split()
    return _collapse("".join(arabic_skeleton(p) if ARABIC_LETTER.search(p) else latin_skeleton(p) for p in parts))


def name_variants(name: str) -> set[str]:
    """Skeletons a name may be cited by: the whole name, and its first word (تاس الروسية → tas)."""
    variants = {skeleton(name)}
    words = name.split()
    if len(words) > 1:
        variants.add(skeleton(words[0]))
    return {v for v in variants if len(v) >= 2}


def marker_skeletons(marker: str) -> set[str]:
    """Skeletons of a citation marker: numbering, a domain suffix and a Latin 'al-' do not count."""
    base = re.sub(r"\d+$", "", marker.strip())
    base = re.sub(r"\.(?:[a-z]{2,3})$", "", base, flags=re.I)
    without_article = re.sub(r"^(?:al|el)[-\s]?(?=\w{3})", "", base, flags=re.I)
    return {s for s in (skeleton(base), skeleton(without_article)) if len(s) >= 2}


def match_marker(marker: str, names: list[str]) -> str | None:
    """The footer name a citation marker stands for, matched across scripts."""
    for name in names:
        if name.strip().lower() == marker.strip().lower():
            return name
    wanted = marker_skeletons(marker)
    return next((name for name in names if wanted & name_variants(name)), None)
