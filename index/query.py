"""A question as the ranker sees it: its terms in every spelling the index may hold, their weights,
the speaker it asks about, and what kind of answer it wants. Pure: the index lookups come in."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from index.answer_types import asked_frame, asked_kind, is_setting_word
from index.script import ARABIC_LETTER, LATIN_WORD, language_of
from index.speakers import ASKING_VERBS, asked_speaker
from index.tokens import kept_words, light_tokens, normalize, tokenize, word_token_groups
from index.transliterate import arabic_skeleton, latin_skeleton

MIN_SKELETON = 3
# An Arabic word's other spellings are looked up by a skeleton of at least four consonants: shorter
# ones are shared by too many unrelated words.
MIN_VARIANT_SKELETON = 4

# A question concept: the ways to express it (a token, a Latin name's Arabic spellings, a
# translation of several words, all of which must appear), and its weight.
Concept = tuple[frozenset[frozenset[str]], float]


@dataclass(frozen=True)
class Vocabulary:
    """What question analysis looks up in the index it will be asked of."""

    idf_of: Callable[[str], float | None]  # None: no sentence holds the term
    unseen_idf: float  # the weight of a word no sentence holds
    terms_with_skeleton: Callable[[str], list[str]]  # Arabic tokens whose consonant skeleton this is
    translations: Callable[[str], tuple[str, ...]]  # Arabic renderings of an English word


@dataclass(frozen=True)
class Query:
    text: str
    terms: tuple[str, ...]
    concepts: list[Concept]
    speaker: frozenset[str]  # light-stem tokens of the speaker a "what did X say?" names
    english: bool
    kind: str | None  # the kind of answer asked for (index/answer_types.py), None when unsaid
    speaker_name: frozenset[str] = frozenset()  # the spellings of the word of X his statements must name
    focus: tuple[str, ...] = ()  # the terms before the question's first circumstantial clause
    # The concepts' weight in units of the rarest word's (an IDF of log(N+1)): about how many
    # distinctive words the question asks with, whatever the index's size.
    specificity: float = 0.0
    # The ranking terms of the words naming the asked kind ("شهر" of "في أي شهر"): a sentence holding
    # that kind counts as holding them.
    frame: tuple[str, ...] = ()


def spellings(term: str, vocabulary: Vocabulary) -> set[frozenset[str]]:
    """The ways a question token may appear: itself and, for an English word, Arabic names with
    its consonant skeleton (Sullivan → سوليفان) and translations (football → كرة القدم, both words)."""
    if not LATIN_WORD.fullmatch(term):
        return {frozenset({term})}
    shape = latin_skeleton(term)
    names = vocabulary.terms_with_skeleton(shape) if len(shape) >= MIN_SKELETON else []
    translations = [frozenset(tokenize(sense)) for sense in vocabulary.translations(term)]
    return {frozenset({term}), *(frozenset({n}) for n in names), *(t for t in translations if t)}


def content_words(question: str) -> str:
    """The question without the frame of a "what did X say?": its "say" asks for speech, which the
    speaker match weighs; as a word it would favour every other "قال"."""
    if not asked_speaker(question):
        return question
    return " ".join(word for word in question.split() if normalize(word.strip("؟?،,.!")) not in ASKING_VERBS)


# A question word's tokens (`word_token_groups`) → its weighted concept and the ranking terms the
# index knows for it.
WordTerms = dict[tuple[str, ...], tuple[Concept, list[str]]]


def variant_spellings(word: str, vocabulary: Vocabulary) -> set[frozenset[str]]:
    """The index's words with this Arabic word's consonant skeleton, long vowels aside: how a name the
    question spells its own way is written in the articles (فكتوريا → فيكتوريا)."""
    shape = arabic_skeleton(word) if ARABIC_LETTER.search(word) else ""
    if len(shape) < MIN_VARIANT_SKELETON:
        return set()
    return {frozenset({term}) for term in vocabulary.terms_with_skeleton(shape)}


def known_terms(options: set[frozenset[str]], vocabulary: Vocabulary) -> list[str]:
    """The options' tokens that some sentence holds."""
    return [t for t in {t for option in options for t in option} if vocabulary.idf_of(t) is not None]


def word_terms(question: str, vocabulary: Vocabulary) -> WordTerms:
    """Each question word as a weighted concept, and the ranking terms the index knows for it; a word
    the index holds in none of its forms is looked for in its other spellings."""
    found: WordTerms = {}
    text = content_words(question)
    for forms, word in dict(zip(word_token_groups(text), kept_words(text))).items():
        options = set().union(*(spellings(form, vocabulary) for form in forms))
        known = known_terms(options, vocabulary)
        if not known:
            options |= variant_spellings(word, vocabulary)
            known = known_terms(options, vocabulary)
        weight = max((vocabulary.idf_of(w) for w in known), default=vocabulary.unseen_idf)
        found[forms] = ((frozenset(options), weight), sorted(known) or list(forms))
    return found


# Words that open a circumstantial clause ("… خلال يوليو", "… بعد هجوم الفندق", "… في حي الجبور"):
# what follows places the asked fact in its story, which the article must match; the answer sentence
# must match what comes before it. "في" does so before a time or place ("في يوليو", "في حي"); before
# anything else it is often the verb's own ("ما دوره في الحرب"). Opening a question, it is its frame.
CLAUSE_OPENERS = frozenset(normalize(w) for w in "خلال بعد قبل أثناء إثر عقب منذ عند لدى إبان".split()) | {
    "during", "after", "before", "since", "following", "amid"}
IN = frozenset({normalize("في"), "in", "at", "on"})
FOCUS_MIN_WORDS = 2


def opens_clause(word: str, following: str) -> bool:
    """Whether this word, followed by that one, opens a time or place adjunct."""
    word = normalize(word)
    return word in CLAUSE_OPENERS or (word in IN and is_setting_word(following))


def focus_words(question: str) -> str:
    """The question up to its first circumstantial clause; empty when it has none (nothing to set apart)."""
    words = [w.strip("؟?،,.!«»\"") for w in question.split()]
    for i in range(FOCUS_MIN_WORDS, len(words) - 1):
        if opens_clause(words[i], words[i + 1]):
            return " ".join(words[:i])
    return ""


def focus_terms(question: str, terms: tuple[str, ...], found: WordTerms) -> tuple[str, ...]:
    """The question's ranking terms that its focus (`focus_words`) holds, when a clause follows it:
    the focus words' terms were looked up with the whole question's."""
    words = focus_words(question)
    if not words:
        return ()
    held = {t for forms in word_token_groups(content_words(words)) if forms in found for t in found[forms][1]}
    focus = tuple(t for t in terms if t in held)
    return focus if focus and len(focus) < len(terms) else ()


def frame_terms(question: str, found: WordTerms) -> tuple[str, ...]:
    """The ranking terms of the question's words that name the kind it asks for (`asked_frame`)."""
    frame = asked_frame(question)
    if not frame:
        return ()
    groups = dict(zip(kept_words(question), word_token_groups(question)))
    return tuple(t for word in frame if (forms := groups.get(word)) in found for t in found[forms][1])


def speaker_words(question: str, vocabulary: Vocabulary) -> list[frozenset[str]]:
    """Each word naming the speaker a "what did X say?" asks about, in every single-token spelling."""
    who = asked_speaker(question)
    if not who:
        return []
    return [frozenset(word for option in spellings(name, vocabulary) if len(option) == 1 for word in option)
            for name in light_tokens(who)]


NAME_RARITY = 0.75  # as rare as this share of the rarest word: a name (as index.rerank.DISTINCTIVE)


def speaker_name(words: list[frozenset[str]], english: bool, vocabulary: Vocabulary) -> frozenset[str]:
    """The words of the asked speaker that a statement of his must name one of: his names, not his
    title. In Arabic his rarest words in the index, within NAME_RARITY of the rarest's IDF
    (وزير الخارجية عادل الجبير → عادل، الجبير; تياغو موتا → both).
    In English the last word with Arabic spellings, his family name: the look-alikes of every
    word's consonants make rarity meaningless there ("Bahraini swimmer Al-Zain Tarek" → طارق, not
    سمير for "swimmer")."""
    if english:
        spelled = [w for w in words if any(not LATIN_WORD.fullmatch(x) for x in w)]
        return spelled[-1] if spelled else frozenset()

    def rarity(spelled: frozenset[str]) -> float:
        return max((idf for w in spelled if (idf := vocabulary.idf_of(w)) is not None), default=-1.0)

    rarest = max(map(rarity, words), default=-1.0)
    if rarest < 0:  # no word of his is in the index: any of them may be spelled as a sentence names him
        return frozenset().union(*words)
    return frozenset().union(*(w for w in words if rarity(w) >= NAME_RARITY * rarest))


def analyse(question: str, vocabulary: Vocabulary) -> Query:
    """The question's ranking terms (Latin names also in Arabic spelling), concepts and asked speaker."""
    found = word_terms(question, vocabulary)
    concepts = [concept for concept, _ in found.values()]
    terms = tuple(t for _, word in found.values() for t in word)
    words, english = speaker_words(question, vocabulary), language_of(question) == "en"
    return Query(question, terms, concepts, frozenset().union(*words), english, asked_kind(question),
                 speaker_name(words, english, vocabulary), focus_terms(question, terms, found),
                 sum(weight for _, weight in concepts) / vocabulary.unseen_idf if vocabulary.unseen_idf > 0 else 0.0,
                 () if english else frame_terms(question, found))
