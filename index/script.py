"""Which script a text is written in: the Arabic and Latin letter ranges, and a text's language."""
from __future__ import annotations

import re

ARABIC_LETTERS = "\u0621-\u064a"  # hamza to yeh: the letters of Arabic words (no tashkeel, digits or signs)
ARABIC_LETTER = re.compile(f"[{ARABIC_LETTERS}]")
ARABIC_WORD = re.compile(f"^[{ARABIC_LETTERS}]+$")
LATIN_LETTER = re.compile("[A-Za-z]")
LATIN_WORD = re.compile("[a-z]+")  # a normalized (lower-case) Latin token


def language_of(text: str) -> str:
    """'ar' when the text has more Arabic than Latin letters, else 'en'."""
    arabic = len(ARABIC_LETTER.findall(text))
    latin = len(LATIN_LETTER.findall(text))
    return "ar" if arabic >= latin and arabic else "en"
