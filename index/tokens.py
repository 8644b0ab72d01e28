"""Normalization and tokenization for ranking: the displayed text is never changed, only its tokens."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer
from pyarabic import araby

from index.isri import isri_stem
from index.script import ARABIC_LETTER

# pyarabic's tashkeel and tatweel, plus the Quranic marks and superscript alef it leaves; one regex
# (pyarabic's strip_tashkeel tests every character in Python and was a tenth of indexing time).
MARKS = re.compile("[" + "".join(araby.TASHKEEL) + araby.TATWEEL + "\u0610-\u061a\u0656-\u065f\u0670\u06d6-\u06ed]")
ALEF_FORMS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا"})
ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
FOLDS = {**ALEF_FORMS, **ARABIC_DIGITS}  # one pass over the text instead of two
FINAL_FOLD = str.maketrans({"ى": "ي", "ة": "ه"})
INVISIBLES = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\u00ad]")
WORD = re.compile(r"[^\W_]+")  # underscores join nothing: _word_ is word

ARABIC_STOPWORDS = frozenset(
    """
    في من على الى إلى عن مع او أو ثم ان أن إن لا لم لن ما ماذا متى اين أين كيف لماذا كم هل اي أي
    هذا هذه ذلك تلك هؤلاء الذي التي الذين اللذين اللتين اللواتي هو هي هم هن انا أنا نحن انت أنت انتم
    كان كانت يكون تكون كانوا قد لقد بعد قبل عند عندما حتى اذا إذا لو الا إلا بين حول كل بعض غير
    منذ خلال ضد لدى وفي ومن وعلى والى وإلى وعن ومع وهو وهي وقد وكان وكانت ولم ولا وما وان وأن وإن
    فقد فإن فان به بها له لها لهم منه منها عليه عليها فيه فيها كما ايضا أيضا اما أما بل لكن ولكن
    حيث وهذا وهذه ذات ذو الى يا هناك هنا مثل نحو فى ف و ب ل ك
    ما هو ما هي من هو من هي فيما بما مما ممن عما لما
    """.split()
)
# Question words are stopwords too: they say what kind of answer is wanted, not what it is about.
ENGLISH_STOPWORDS = frozenset(
    """
    a an the of to in on at by for from with about as into over after before under between and or but
    not no is are was were be been being do does did has have had will would can could should may might
    this that these those it its he she they them his her their we you i me my our your
    what who whom whose which when where why how did does said say says tell told
    there here than then so such very also just only any some all each
    """.split()
)


def without_marks(text: str) -> str:
    """The text without tashkeel, tatweel and invisible characters: how news text is written."""
    return MARKS.sub("", INVISIBLES.sub("", unicodedata.normalize("NFKC", text)))


def normalize(text: str) -> str:
    """Fold the forms a reader may type differently: tashkeel, tatweel, alef forms, digits, invisibles."""
    return without_marks(text).translate(FOLDS).lower()


_snowball = snowballstemmer.stemmer("arabic")
# Marks the light stem so that it never equals a root: "_" is never part of a word (see WORD).
LIGHT = "_"


@lru_cache(maxsize=None)  # the vocabulary is bounded; stemming is most of the indexing time
def word_tokens(word: str) -> tuple[str, ...]:
    """An Arabic word's two ranking tokens, its ISRI root and its Snowball light stem: the root
    joins derived forms (مكتبة، كاتب، مكتوب → كتب), the light stem keeps names and words the root
    pattern misreads (بطاقة is ب + طاقة). Both have ى/ة folded after stemming, since folding first
    hides the ة of فعلة. Any other word is its own token."""
    if not ARABIC_LETTER.search(word):
        return (word,)
    return ((isri_stem(word) or word).translate(FINAL_FOLD), light_stem(word))


@lru_cache(maxsize=None)
def light_stem(word: str) -> str:
    """The marked Snowball stem of an Arabic word (the word itself otherwise)."""
    if not ARABIC_LETTER.search(word):
        return word
    return LIGHT + (_snowball.stemWord(word) or word).translate(FINAL_FOLD)


def is_stopword(word: str) -> bool:
    return word in ARABIC_STOPWORDS or word in ENGLISH_STOPWORDS


def words(text: str) -> list[str]:
    """Normalized words of a text, stopwords included."""
    return WORD.findall(normalize(text))


def tokens_of(normalized_words: list[str]) -> list[str]:
    """Ranking tokens of already normalized words: stopwords and question words dropped, two per Arabic word."""
    return [token for w in normalized_words if not is_stopword(w) for token in word_tokens(w)]


def tokenize(text: str) -> list[str]:
    """Ranking tokens: normalized, stopwords and question words dropped, stemmed (see word_tokens)."""
    return tokens_of(words(text))


def kept_words(text: str) -> list[str]:
    """A text's normalized words without stopwords and question words."""
    return [w for w in words(text) if not is_stopword(w)]


# A noun's ة is written ت before a pronoun (قمة → قمتهما، زيارة → زيارته): its root and stem then
# miss the noun's other forms (القمة، قمة).
TAA_BEFORE_PRONOUN = re.compile(r"(\w{2,})ت(?:هما|هم|هن|ها|ه|كما|كم|كن|ك|نا|ي)")


def with_taa_marbuta(word: str) -> str | None:
    """The noun a normalized word with ت and a pronoun may be (قمتهما → قمة); None when it has neither."""
    match = TAA_BEFORE_PRONOUN.fullmatch(word)
    return match.group(1) + "ة" if match else None


def word_token_groups(text: str) -> list[tuple[str, ...]]:
    """Each kept word's ranking tokens, in order: the ways the index may hold that word, with those of
    the noun it may be when a pronoun follows its ت."""
    groups = []
    for w in kept_words(text):
        noun = with_taa_marbuta(w)
        groups.append(tuple(dict.fromkeys(word_tokens(w) + (word_tokens(noun) if noun else ()))))
    return groups


def light_tokens(text: str) -> list[str]:
    """The light stems of a text's kept words: names match on these, not on roots."""
    return [light_stem(w) for w in kept_words(text)]
