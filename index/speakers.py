"""Reported speech: who says a sentence ("وقال X إن …", "X said …"), and who a question asks about."""
from __future__ import annotations

import re

from index.tokens import MARKS, normalize

REPORTING_VERBS_AR = (
    "قال|قالت|يقول|تقول|أضاف|أضافت|يضيف|أوضح|أوضحت|شدد|شددت|أكد|أكدت|يؤكد|ذكر|ذكرت|أعلن|أعلنت|صرح|صرحت|"
    "تابع|تابعت|أشار|أشارت|علق|علقت|يعلق|اعتبر|اعتبرت|رأى|رأت|لفت|لفتت|حذر|حذرت"
)


def either_alef(words: str) -> str:
    """Alternatives as a pattern in which a word's first hamza on alef may be written bare, as many
    papers write it (واضاف، واكد، الى، انه) and as a normalized question reads (أكد → اكد). Only the
    first: a bare بان is Ban Ki-moon as often as بأن."""
    return "|".join(re.sub("^[أإ]", "[أإا]", word) for word in words.split("|"))


VERBS_AR = either_alef(REPORTING_VERBS_AR)
# Arabic reporting verb (optionally with و/ف), then the speaker up to a complementizer or punctuation.
REPORTING_AR = re.compile(
    rf"(?:^|[\s،,(\"«])[وف]?(?:{VERBS_AR})(?=\s|[:،,])(?P<rest>[^.!?؟]*)"
)
# A quotation closed by its attribution: «…». قال أوشاكوف — the tail names the speaker.
QUOTE_TAIL_AR = re.compile(
    rf"[\"”»]\s*[.،,]?\s*[وف]?(?:{VERBS_AR})\s+(?P<who>[^.!?؟\"“”«»]{{2,60}}?)\s*[.!]?$"
)
# "ونقل X عن Y قوله", "ونُقل عن Y قوله": the words are Y's; X only relays them.
RELAYED_AR = re.compile(
    r"(?:^|\s)[وف]?نقل(?:ت)?\s+(?:[^،,.]{2,60}?\s+)?عن\s+(?P<who>[^،,.]{2,60}?)\s+(?:قوله|قولها|قولهم|تأكيده|تأكيدها)"
)
# "واختتم X حديثه بالقول: …", "واستهل X كلمته بالقول": X opens or closes by saying.
SAYING_AR = re.compile(
    r"(?:^|\s)[وف]?(?:اختتم|اختتمت|ختم|ختمت|استهل|استهلت)\s+(?P<who>[^،,.:!?؟\"«»“”]{2,60}?)\s+(?:\S+\s+)?بالقول"
)
# "«…»، هذا ما قاله X بعد المباراة", "بحسب ما ذكره X": the words are X's (read only when no reporting
# verb names a speaker first: "ردا على ما قاله الوزير" answers the minister, it is not his statement).
WHAT_X_SAID_AR = re.compile(r"(?:^|\s)ما\s+(?:قاله|قالته|ذكره|ذكرته|أكده|أكدته|أوضحه|أوضحته)\s+(?P<who>[^.!?؟]+)")
# "وشرحت المصممة فكرتها قائلة: «…»", "نشر الطالب مشاري فيديو قائلا: …": any verb whose manner is
# saying; the speaker is its subject, the words after the sentence's first (its verb).
SAYING_MANNER_AR = re.compile(r"(?:^|\s)[وف]?(?:قائلا|قائلة|قائلين)\s*[:\"«“]")
# What may open a sentence before its verb: "من جانبه،", "وبدوره", "بعد ذلك".
OPENER_AR = re.compile(r"^\s*(?:[وف]?(?:من\s+(?:جانبه|جانبها|جهته|جهتها|ناحيته|ناحيتها)|بدوره|بدورها|بعد\s+ذلك))\s*[،,]?\s*")
# A name in quotation marks right after the verb, then the words: وقال "الزوي": "…".
QUOTED_NAME = re.compile(r"\s*[\"«“](?P<who>[^\"«»“”:،,.]{2,40})[\"»”]\s*:")
# How a reporting verb goes on without naming anyone: "وأضاف قائلا"، "وتابع موضحا"، "وقال فيها".
MANNER = "قائلا|قائلة|قائلين|مضيفا|مضيفة|مؤكدا|مؤكدة|موضحا|موضحة|مشيرا|مشيرة|متسائلا|متسائلة|معتبرا|معتبرة|لافتا|لافتة|منوها|منوهة"
STOP_WORDS = (
    "إن|أن|بأن|إنه|أنه|بأنه|إنها|أنها|إنهم|عن|بعد|قبل|خلال|في|على|إلى|لـ|يوم|اليوم|أمس|للصحفيين|لوسائل|لصحيفة|لوكالة|"
    f"للجنة|عبر|من|مع|حول|لقناة|فيها|فيه|له|لها|لهم|{MANNER}"
)
SPEAKER_STOP = re.compile(rf"\s(?:{either_alef(STOP_WORDS)})\b|[:،,\"«“(]")
# "د." (doctor), "م." (engineer), "أ." (professor) before a name: their period ends no sentence.
TITLE_ABBREVIATION = re.compile(r"(?:(?<=\s)|^)([دمأ])\.(?=\s)")
REPORTING_VERBS_EN = "said|says|added|told|stated|warned"
REPORTING_EN = re.compile(
    rf"(?P<before>(?:[A-Z][\w.'-]*\s){{0,4}}[A-Z][\w.'-]*)\s+(?:{REPORTING_VERBS_EN})\b"
    r"|\b(?:said|says|added|told|stated)\s+(?P<after>(?:[A-Z][\w.'-]*\s?){1,5})"
)
# Every match of REPORTING_EN holds one of its verbs; looking for them first is ten times cheaper.
ENGLISH_VERB = re.compile(rf"(?:{REPORTING_VERBS_EN})\b")
ASKED_AR = re.compile(
    rf"(?:ماذا|ما\s*الذي|ما\s*ذا|بماذا|ما)\s+(?:{VERBS_AR}|صرح|يقول)\s+(?P<who>[^؟?]+)"
)
# Where an Arabic "what did X say" turns from X to the topic ("عن Y", "بشأن Y", "في موسكو"), on
# normalized text (بشأن → بشان); the topic's words are what X's statement should be about, not X.
ASKED_TOPIC_AR = re.compile(r"\s(?:(?:عن|بشان|حول|تجاه|بخصوص|ازاء|في|خلال|بعد|قبل|لدى|امام|على)(?=\s|$)|لـ|ل\s)")
ASKED_EN = re.compile(r"what\s+(?:did|does|has|have)\s+(?P<who>.+?)\s+(?:say|said|tell|told|state|add)\b", re.I)
ASKING_VERBS = frozenset(normalize(v) for v in (REPORTING_VERBS_AR + "|يقول|تقول|say|said|says|tell|told|state|stated|add|added").split("|"))
MAX_SPEAKER_WORDS = 6
CONTINUATION = ""


def _clean(name: str) -> str | None:
    """The speaker's words, at most MAX_SPEAKER_WORDS; None for nothing or a lone letter (the ل of
    "قال لـ«عكاظ»" once its tatweel is gone)."""
    words = name.strip(" -–—،,:.\"'«»“”").split()
    if len(words) == 1 and len(words[0]) == 1:
        return None
    if not words or len(words) > MAX_SPEAKER_WORDS:
        words = words[:MAX_SPEAKER_WORDS]
    name = " ".join(words)
    return name or None


def _up_to_stop(rest: str) -> str:
    """The words after a reporting verb up to where the speaker's name ends (إن، أن، عن، a comma…)."""
    stop = SPEAKER_STOP.search(" " + rest)
    return (" " + rest)[: stop.start()] if stop else " " + rest


def speaker_of(sentence: str) -> str | None:
    """The speaker a sentence reports; CONTINUATION ("") when the verb has no subject of its own
    ("وأضاف أن …", carried from the sentence before); None when it reports nobody."""
    sentence = TITLE_ABBREVIATION.sub(r"\1", MARKS.sub("", sentence))  # يعلّق is يعلق; "د. الزهراني" is one name
    tail = QUOTE_TAIL_AR.search(sentence)
    if tail and not SPEAKER_STOP.search(" " + tail.group("who")):
        return _clean(tail.group("who"))
    named = RELAYED_AR.search(sentence) or SAYING_AR.search(sentence)
    if named:
        return _clean(named.group("who"))
    arabic = REPORTING_AR.search(sentence)
    if arabic:
        rest = arabic.group("rest")
        quoted = QUOTED_NAME.match(rest)
        if quoted:
            return _clean(quoted.group("who"))
        return _clean(_up_to_stop(rest)) or CONTINUATION
    manner = SAYING_MANNER_AR.search(sentence)
    if manner:
        return subject_of(sentence[: manner.start()])
    what_said = WHAT_X_SAID_AR.search(sentence)
    if what_said:
        return _clean(_up_to_stop(what_said.group("who")))
    english = ENGLISH_VERB.search(sentence) and REPORTING_EN.search(sentence)
    if english:
        return _clean(english.group("before") or english.group("after") or "")
    return None


def subject_of(head: str) -> str | None:
    """Who does what a sentence's opening words say, read as a verb and its subject ("وناشد سالم
    مغردي …"); CONTINUATION when the verb stands alone ("ومضى قائلا", carried from before)."""
    words = OPENER_AR.sub("", head).split()
    if len(words) <= 1:
        return CONTINUATION
    return _clean(_up_to_stop(" ".join(words[1:]))) or CONTINUATION


def attribute(sentences: list[str]) -> list[str | None]:
    """Speakers of a paragraph's sentences, continuations carrying the last named speaker."""
    speakers, last = [], None
    for sentence in sentences:
        found = speaker_of(sentence)
        if found == CONTINUATION:
            found = last
        elif found:
            last = found
        speakers.append(found)
    return speakers


def asked_speaker(question: str) -> str | None:
    """Who a "what did X say?" question asks about, or None."""
    english = ASKED_EN.search(question)
    if english:
        return english.group("who").strip(" ؟?.!") or None
    arabic = ASKED_AR.search(normalize(question))
    if not arabic:
        return None
    who = arabic.group("who")
    topic = ASKED_TOPIC_AR.search(" " + who)
    return ((" " + who)[: topic.start()] if topic else who).strip(" ؟?.!") or None
