"""Choosing the sentence that answers: near-duplicate wire copies quoted once, which candidates a
fresh archive encodes at question time, the evidence "not found" weighs, and, through the CLI, the
deep sentence holding the asked number over the lead that repeats the question's words."""
from __future__ import annotations

import json
from dataclasses import replace

from conftest import Isnad

from index.rerank import (
    DISTINCTIVE_CAP,
    FEATURES,
    AbstentionRule,
    Candidate,
    Evidence,
    Ranked,
    RerankWeights,
    answers,
    cosine_margin,
    coverage,
    evidence_of,
    features,
    rerank,
)
from index.query import Query, Vocabulary, analyse, focus_words
from index.search import near_duplicate, speaker_topic, story_leads, to_encode
from index.tokens import tokenize


def indexed(tmp_path, articles) -> Isnad:
    """The CLI over a corpus of these JSON articles, indexed, words only."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "news.jsonl").write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles),
                                       encoding="utf-8")
    isnad = Isnad(corpus, tmp_path / "index.sqlite", ISNAD_DENSE="0")
    isnad.run("index")
    return isnad


def test_wire_copies_with_a_word_changed_are_near_duplicates() -> None:
    a = frozenset(tokenize("وأعلنت وزارة الصحة تسجيل 12 إصابة جديدة بفيروس كورونا في منطقة الرياض أمس"))
    b = frozenset(tokenize("وأعلنت وزارة الصحة تسجيل 12 إصابة جديدة بفيروس كورونا في منطقة الرياض اليوم"))
    c = frozenset(tokenize("وقال المتحدث إن الوزارة ستفتح مراكز جديدة للفحص في جدة والدمام"))
    assert near_duplicate(a, b, 0.7) and near_duplicate(a, a, 1.0)
    assert not near_duplicate(a, b, 1.0) and not near_duplicate(a, c, 0.7)


def test_question_time_encoding_takes_the_best_then_the_asked_kind() -> None:
    order = [Ranked(key, 10.0 - key, 0.0) for key in range(1, 11)]
    assert to_encode(order, of_kind={7, 9}, lacking=set(range(1, 11)), budget=4) == [1, 2, 7, 9]
    assert to_encode(order, of_kind=set(), lacking={2, 3, 5, 8}, budget=3) == [2, 3, 5]
    assert to_encode(order, of_kind={9}, lacking={9}, budget=8) == [9]


def test_only_a_story_of_several_paragraphs_has_a_lead() -> None:
    outline = [(1, 10, 0), (2, 10, 0), (3, 10, 1),  # a news story: two paragraphs
               (4, 11, 0), (5, 11, 0), (6, 11, 0),  # one paragraph, as an encyclopedia's context
               (7, 12, 0),  # a single sentence
               (8, 13, 2), (9, 13, 5)]  # paragraphs numbered from where the text puts them
    assert story_leads(outline) == {1, 8}
    assert story_leads([]) == set()


def candidate(key: int, article: int, lexical: float, tokens: set[str], **signals) -> Candidate:
    return Candidate(key=key, paragraph=(article, 0), tokens=frozenset(tokens), lexical=lexical, **signals)


def test_article_signals_are_shared_by_the_article_sentences() -> None:
    concepts = [(frozenset({frozenset({"name"})}), 5.0), (frozenset({frozenset({"word"})}), 1.0)]
    rows = features([candidate(1, 1, 1.0, {"name", "word"}), candidate(2, 1, 0.2, {"other"}),
                     candidate(3, 2, 0.8, {"word"})], concepts)
    column = {name: [row[FEATURES.index(name)] for row in rows] for name in ("article", "names", "article_lexical")}
    assert column["article"][:2] == [1.0, 1.0] and column["article"][2] == 1 / 6
    assert column["names"] == [1.0, 1.0, 0.0]  # only "name" is within 75% of the rarest weight
    assert column["article_lexical"] == [1.0, 1.0, 0.8]


def test_a_question_s_focus_ends_where_its_time_or_place_clause_begins() -> None:
    assert focus_words("إلى كم تراجع عدد زوار سوسة خلال يوليو بعد هجوم الفندق؟") == "إلى كم تراجع عدد زوار سوسة"
    assert focus_words("ما سبب حريق المبنى السكني في حي الجبور بالمدينة المنورة؟") == "ما سبب حريق المبنى السكني"
    assert focus_words("كم عدد سكان مصر في 2010؟") == "كم عدد سكان مصر"
    assert focus_words("ما دور فرنسا في الحرب العالمية الثانية؟") == ""  # "في" here is the verb's own
    assert focus_words("في أي مدينة وقع الحادث؟") == ""  # the question's frame, not a clause
    assert focus_words("متى افتتح المتحف بعد؟") == ""  # nothing follows the opener
    assert focus_words("How many pilgrims died during the 2015 Hajj?") == "How many pilgrims died"
    assert focus_words("How many people lived there in 2010?") == "How many people lived there"
    assert focus_words("What role did France play in the war?") == ""  # "in" here is the verb's own


def test_the_focus_signal_is_how_much_more_the_focus_matches_than_the_whole_question() -> None:
    concepts = [(frozenset({frozenset({"word"})}), 1.0)]
    rows = features([candidate(1, 1, 1.0, {"word"}, focus_lexical=0.25), candidate(2, 1, 0.5, {"word"}, focus_lexical=1.0),
                     candidate(3, 2, 0.8, {"word"})], concepts)
    assert [row[FEATURES.index("focus")] for row in rows] == [-0.75, 0.5, 0.0]


def rule(**changes) -> AbstentionRule:
    base = dict(min_coverage=0.5, evidence_weight=10.0, min_evidence=8.0, english_evidence_weight=20.0,
                english_min_evidence=16.0)
    return AbstentionRule(**{**base, **changes})


def test_not_found_when_the_asked_speaker_says_nothing_or_the_names_are_missing() -> None:
    strong = Evidence(coverage=0.9, closest=0.9, english=False, with_vectors=True)
    assert answers(strong, rule())
    silent = Evidence(coverage=0.9, closest=0.9, english=False, with_vectors=True, speaker_missing=True)
    assert answers(silent, rule()) and not answers(silent, rule(speaker_required=True))
    unnamed = Evidence(coverage=0.9, closest=0.9, english=False, with_vectors=True, names=0.0)
    assert answers(unnamed, rule()) and not answers(unnamed, rule(min_names=0.5))


def test_what_x_said_about_y_needs_y_where_x_speaks() -> None:
    concept = lambda word, weight: (frozenset({frozenset({word})}), weight)  # noqa: E731
    query = Query("ماذا قال سوليفان عن المواد الدفاعية؟", ("سوليفان", "مواد", "دفاع"),
                  [concept("سوليفان", 3.0), concept("مواد", 1.0), concept("دفاع", 1.0)],
                  frozenset({"سوليفان"}), english=False, kind="quote")
    elsewhere = [candidate(1, 1, 1.0, {"سوليفان", "حرب"}, speaker_match=1.0), candidate(2, 2, 0.5, {"مواد", "دفاع"})]
    assert speaker_topic(query, elsewhere) == 0.0  # Sullivan speaks, but not where the topic is
    beside = elsewhere + [candidate(3, 1, 0.4, {"مواد"})]
    assert speaker_topic(query, beside) == 0.5  # his paragraph holds half of the topic's weight
    assert speaker_topic(query, [candidate(2, 2, 0.5, {"مواد", "دفاع"})]) == 1.0  # he says nothing: the speaker check's case
    bare = Query("ماذا قال سوليفان؟", ("سوليفان",), [concept("سوليفان", 3.0)], frozenset({"سوليفان"}), False, "quote")
    assert speaker_topic(bare, elsewhere) == 1.0  # no topic asked
    off_topic = Evidence(coverage=0.9, closest=0.9, english=False, with_vectors=True, speaker_topic=0.2)
    assert answers(off_topic, rule()) and not answers(off_topic, rule(min_speaker_topic=0.5))
    in_english = Evidence(coverage=0.9, closest=0.9, english=True, with_vectors=True, speaker_topic=0.2)
    assert answers(in_english, rule(min_speaker_topic=0.5))  # English speakers are found by spelling: no evidence


def test_an_english_question_weighs_meaning_by_its_own_rule() -> None:
    near = dict(coverage=0.1, closest=0.8, with_vectors=True)  # 0.1 + 20 · 0.8 = 16.1 ≥ 16
    farther = dict(coverage=0.1, closest=0.79, with_vectors=True)  # 15.9: not found in English
    assert answers(Evidence(english=True, **near), rule()) and not answers(Evidence(english=True, **farther), rule())
    assert answers(Evidence(english=False, **farther), rule())  # 0.1 + 10 · 0.79 = 8.0: the Arabic rule's


def test_evidence_reads_the_names_of_the_best_few_and_any_statement_of_the_speaker() -> None:
    ranked = [Ranked(1, 3.0, 0.7, 0.8, 0.0, 0.0, True, 1), Ranked(2, 2.0, 0.6, 0.7, 1.0, 0.0, True, 2),
              Ranked(3, 1.0, 0.6, 0.9, 0.0, 1.0, True, 3)]
    evidence = evidence_of(ranked, english=False, with_vectors=True, speaker_asked=True)
    assert evidence.coverage == 0.7 and evidence.closest == 0.9 and evidence.names == 1.0
    assert evidence.speaker_missing is False
    assert abs(evidence.margin - 0.1) < 1e-9  # 0.9 above the median 0.8
    unsaid = evidence_of(ranked[:2], english=False, with_vectors=True, speaker_asked=True)
    assert unsaid.speaker_missing is True


def test_the_margin_is_over_other_articles_own_vectors_and_unknown_with_too_few() -> None:
    lent = [Ranked(4, 0.5, 0.5, 0.8, 0.0, 0.0, False, 4)] * 5  # the mean lent to candidates without a vector
    own = [Ranked(1, 3.0, 0.7, 0.9, 0.0, 0.0, True, 1), Ranked(2, 2.0, 0.6, 0.7, 0.0, 0.0, True, 2),
           Ranked(3, 1.0, 0.6, 0.8, 0.0, 0.0, True, 3)]
    assert abs(evidence_of(own + lent, english=False, with_vectors=True, speaker_asked=False).margin - 0.1) < 1e-9
    # the closest's own article, all about the question, does not pull the median up
    same_story = [Ranked(5, 2.5, 0.7, 0.89, 0.0, 0.0, True, 1)] * 4
    assert abs(evidence_of(own + same_story, english=False, with_vectors=True, speaker_asked=False).margin - 0.1) < 1e-9
    few = evidence_of(own[:2] + lent + same_story, english=False, with_vectors=True, speaker_asked=False)
    assert few.margin is None and few.closest == 0.9
    # coverage 0.5 + 10 · 0.79 = 8.4: short of the margin rule's 8.6 whatever it would have been, but
    # the rule chosen without the margin (8.3) answers while the margin is unknown
    unknown = Evidence(coverage=0.5, closest=0.79, english=False, with_vectors=True, margin=None)
    with_fallback = rule(margin_weight=10.0, min_evidence=8.6, min_evidence_without_margin=8.3)
    assert answers(unknown, with_fallback) and not answers(replace(unknown, margin=0.01), with_fallback)
    assert not answers(unknown, rule(margin_weight=10.0, min_evidence=8.6))  # no fallback: the margin rule's own


def test_a_sentence_standing_out_in_meaning_is_evidence_for_an_arabic_answer_only() -> None:
    assert cosine_margin([0.8, 0.9, 0.85, 0.84]) == 0.9 - 0.845 and cosine_margin([]) == 0.0
    standing_out = dict(coverage=0.1, closest=0.78, with_vectors=True, margin=0.03)  # 0.1 + 7.8 + 0.3 = 8.2
    level = dict(coverage=0.1, closest=0.78, with_vectors=True, margin=0.0)  # 7.9
    margin_rule = rule(margin_weight=10.0, min_evidence=8.0)
    assert answers(Evidence(english=False, **standing_out), margin_rule)
    assert not answers(Evidence(english=False, **level), margin_rule)
    assert not answers(Evidence(english=False, **standing_out), rule())  # without its weight the margin is ignored
    english = dict(standing_out, closest=0.79)  # 0.1 + 20 · 0.79 = 15.9 < 16, whatever its margin
    assert not answers(Evidence(english=True, **english), margin_rule)


def test_a_question_weighs_its_words_in_rarest_words_whatever_the_index_size() -> None:
    def vocabulary(idf: float | None, unseen: float) -> Vocabulary:
        return Vocabulary(idf_of=lambda _term: idf, unseen_idf=unseen, terms_with_skeleton=lambda _shape: [],
                          translations=lambda _word: ())

    one_word, three_words = "أين ولد؟", "أين ولد الشاعر المتنبي؟"
    assert analyse(one_word, vocabulary(4.5, 9.0)).specificity == 0.5  # a word half as rare as the rarest
    assert analyse(three_words, vocabulary(4.5, 9.0)).specificity == 1.5
    assert analyse(three_words, vocabulary(None, 9.0)).specificity == 3.0  # words no sentence holds: the rarest
    assert analyse(three_words, vocabulary(9.0, 18.0)).specificity == 1.5  # an index twice the log-size: the same


def test_a_word_the_index_lacks_is_looked_for_by_its_consonant_skeleton() -> None:
    idf = {"_يكتوري": 5.0, "_سوريا": 2.0}
    skeletons = {"fktr": ["_يكتوري"], "sr": ["_سوريا"]}
    vocabulary = Vocabulary(idf_of=idf.get, unseen_idf=9.0, terms_with_skeleton=lambda shape: skeletons.get(shape, []),
                            translations=lambda _word: ())
    misspelled = analyse("ماذا قالت فكتوريا؟", vocabulary)
    assert "_يكتوري" in misspelled.terms and misspelled.specificity == 5.0 / 9.0  # weighed as the word it found
    assert coverage(frozenset({"_يكتوري"}), misspelled.concepts) == 1.0
    held = Vocabulary(idf_of={**idf, "_كتوري": 3.0}.get, unseen_idf=9.0, terms_with_skeleton=lambda shape: skeletons.get(shape, []),
                      translations=lambda _word: ())
    assert "_يكتوري" not in analyse("ماذا قالت فكتوريا؟", held).terms  # a word the index holds keeps its own spelling
    assert "_سوريا" not in analyse("ماذا عن سريا؟", vocabulary).terms  # two consonants: too short to trust


def test_evidence_counts_the_covered_weight_of_a_specific_question() -> None:
    ranked = [Ranked(1, 3.0, 0.5, 0.8, 0.0, 0.0), Ranked(2, 2.0, 1.0, 0.7, 0.0, 0.0)]
    assert evidence_of(ranked, english=False, with_vectors=True, speaker_asked=False, specificity=3.0).distinctive == 1.5
    # coverage 0.5 + 10 · 0.74 = 7.9 falls short of 8; the covered weight of two rare words carries it
    vague = dict(coverage=0.5, closest=0.74, with_vectors=True, distinctive=0.25)
    specific = dict(vague, distinctive=2.0)
    weighed = rule(distinctive_weight=0.1, english_distinctive_weight=0.1)
    assert answers(Evidence(english=False, **specific), weighed) and not answers(Evidence(english=False, **vague), weighed)
    assert not answers(Evidence(english=False, **specific), rule())  # off without its weight
    many = dict(vague, distinctive=40.0)  # counted up to the cap: a long question is not evidence by length
    assert not answers(Evidence(english=False, **many), rule(distinctive_weight=0.1, min_evidence=7.9 + 0.1 * DISTINCTIVE_CAP + 0.01))
    english = dict(coverage=0.1, closest=0.79, with_vectors=True, distinctive=2.0)  # 15.9 + 0.2
    assert answers(Evidence(english=True, **english), weighed) and not answers(Evidence(english=True, **english), rule())


def test_wire_copies_are_quoted_once_when_near_repeats_are_suppressed(tmp_path) -> None:
    sentence = "وأعلنت وزارة الصحة تسجيل 12 إصابة جديدة بفيروس كورونا في منطقة الرياض {}."
    articles = [
        {"id": f"paper-{n}", "title": "إصابات جديدة بكورونا في الرياض", "url": f"http://paper{n}.example/1",
         "content": sentence.format(day) + " وقال المتحدث إن الوزارة ستفتح مراكز جديدة للفحص في جدة والدمام."}
        for n, day in enumerate(("أمس", "اليوم"))
    ]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "wire.jsonl").write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles), encoding="utf-8")
    question = "كم إصابة جديدة بكورونا سجلت في الرياض؟"
    isnad = Isnad(corpus, tmp_path / "index.sqlite", ISNAD_DENSE="0")
    isnad.run("index")
    both = isnad.ask(question, "--top-k", "5")["passages"]
    assert sum(p["text"].startswith("وأعلنت وزارة الصحة") for p in both) == 2  # shipped: only the same tokens
    once = Isnad(corpus, tmp_path / "index.sqlite", ISNAD_DENSE="0", ISNAD_NEAR_DUPLICATE="0.7").ask(question, "--top-k", "5")
    passages = once["passages"]
    assert passages and passages[0]["text"].startswith("وأعلنت وزارة الصحة تسجيل 12 إصابة")
    assert sum(p["text"].startswith("وأعلنت وزارة الصحة") for p in passages) == 1


def test_what_x_said_about_y_quotes_him_on_y_not_the_sentence_naming_him_most(tmp_path) -> None:
    article = {"id": "falih", "title": "الفالح يفتتح مصفاة جازان", "url": "http://paper.example/falih",
               "content": "قال وزير الطاقة خالد الفالح الأربعاء إن وزير الطاقة خالد الفالح افتتح مصفاة جازان الجديدة.\n\n"
                          "وأضاف الفالح: «أسعار النفط ستتعافى مع نمو الطلب العالمي العام المقبل»."}
    other = {"id": "weather", "title": "طقس حار", "url": "http://paper.example/weather",
             "content": "توقعت الأرصاد طقسا حارا على معظم مناطق المملكة اليوم.\n\nوقال المتحدث إن الرياح ستنشط مساء."}
    isnad = indexed(tmp_path, (article, other))
    passages = isnad.ask("ماذا قال وزير الطاقة خالد الفالح عن أسعار النفط؟")["passages"]
    assert passages[0]["text"].startswith("وأضاف الفالح: «أسعار النفط")


def test_the_sentence_holding_the_asked_fact_beats_the_one_repeating_the_story_s_setting(tmp_path) -> None:
    story = {"id": "sousse", "title": "السياحة في تونس", "url": "http://paper.example/sousse",
             "content": "تعيش تونس موسما سياحيا صعبا هذا العام.\n\n"
                        "وبعد هجوم فندق ريو امبريال ألغت شركات السفر الأوروبية خلال يوليو رحلات إلى تونس وأغلقت 20 منتجعا.\n\n"
                        "وتراجع عدد زوار سوسة إلى ثلاثة آلاف فقط."}
    others = [{"id": f"other{i}", "title": title, "url": f"http://paper.example/{i}", "content": content}
              for i, (title, content) in enumerate([
                  ("طقس حار", "توقعت الأرصاد طقسا حارا خلال يوليو على معظم المناطق."),
                  ("معرض الكتاب", "زار المعرض عدد كبير من الزوار أمس وتراجع الإقبال مساء."),
                  ("فندق جديد", "افتتح فندق جديد في جدة بعد أعمال استمرت عامين.")])]
    isnad = indexed(tmp_path, (story, *others))
    passages = isnad.ask("إلى كم تراجع عدد زوار سوسة خلال يوليو بعد هجوم فندق ريو امبريال؟")["passages"]
    assert passages[0]["text"] == "وتراجع عدد زوار سوسة إلى ثلاثة آلاف فقط."


def test_a_month_named_answers_which_month_without_the_word_month(tmp_path) -> None:
    articles = [{"id": "opening", "title": "افتتاح الملعب", "url": "http://paper.example/opening",
                 "content": "افتتح الملعب الجديد يوم الثلاثاء بحضور الوزير."},
                {"id": "history", "title": "تاريخ الملعب", "url": "http://paper.example/history",
                 "content": "وكان الملعب قد افتتح جزئيا في مارس."},
                {"id": "other", "title": "الدوري", "url": "http://paper.example/league",
                 "content": "انطلق الدوري في شهر رمضان بمشاركة ستة عشر فريقا."}]
    isnad = indexed(tmp_path, articles)
    # "يوم الثلاثاء" is a date but no month, and the sentence repeats more of the question's words
    assert isnad.ask("في أي شهر افتتح الملعب الجديد؟")["passages"][0]["text"] == "وكان الملعب قد افتتح جزئيا في مارس."


def test_a_sentence_pointing_back_is_read_with_the_sentence_it_points_at(tmp_path) -> None:
    articles = [{"id": "amazon", "title": "غابات العالم", "url": "http://paper.example/amazon",
                 "content": "يمتد حوض نهر الأمازون في قارة أمريكا الجنوبية ويضم أكبر غابة مطيرة في العالم. "
                            "ويعبر هذا الحوض أراضي البرازيل والبيرو وكولومبيا."},
                {"id": "nile", "title": "نهر النيل", "url": "http://paper.example/nile",
                 "content": "يعبر نهر النيل أراضي مصر والسودان."},
                {"id": "rain", "title": "الأمطار", "url": "http://paper.example/rain",
                 "content": "هطلت أمطار غزيرة على الغابة الاستوائية أمس."}]
    question = "ما الأراضي التي يعبرها حوض نهر الأمازون؟"
    isnad = indexed(tmp_path, articles)
    assert isnad.ask(question)["passages"][0]["text"] == "ويعبر هذا الحوض أراضي البرازيل والبيرو وكولومبيا."
    off = tmp_path / "off.toml"
    off.write_text("[answer]\nback_reference_weight = 0.0\n", encoding="utf-8")
    without = Isnad(tmp_path / "corpus", tmp_path / "index.sqlite", ISNAD_DENSE="0", ISNAD_CONFIG=str(off))
    # alone, "هذا الحوض" is no basin of the Amazon: the sentence naming it repeats more of the question
    assert without.ask(question)["passages"][0]["text"].startswith("يمتد حوض نهر الأمازون")


def test_a_noun_the_question_writes_with_a_pronoun_finds_it_written_alone(tmp_path) -> None:
    articles = [{"id": "summit", "title": "ختام الاجتماع", "url": "http://paper.example/summit",
                 "content": "تناولت القمة ملف المياه بين البلدين."},
                {"id": "energy", "title": "لجنة الطاقة", "url": "http://paper.example/energy",
                 "content": "وتناولت اللجنة ملف الطاقة في اجتماعها الأخير."}]
    isnad = indexed(tmp_path, articles)
    answer = isnad.ask("ماذا تناولت قمتهما؟")  # قمتهما is قمة + هما: its own root and stem are قمت
    assert answer["answered"] and answer["passages"][0]["text"] == "تناولت القمة ملف المياه بين البلدين."


def test_the_article_s_meaning_ranks_its_sentences_by_its_share_of_the_cosine_weight() -> None:
    concepts = [(frozenset({frozenset({"word"})}), 1.0)]
    same = dict(dense=0.80)
    pair = [candidate(1, 1, 1.0, {"word"}, article_dense=0.78, **same),
            candidate(2, 2, 0.9, {"word"}, article_dense=0.86, **same)]
    assert [row[FEATURES.index("article_dense")] for row in features(pair, concepts)] == [0.78, 0.86]
    weights = RerankWeights(paragraph=0.0, speaker=0.0, dense=12.0, answer_type=0.0, paragraph_bm25=0.0)
    assert [r.key for r in rerank(pair, concepts, weights)] == [1, 2]  # no article weight: the words decide
    assert [r.key for r in rerank(pair, concepts, replace(weights, article_dense=12.0))] == [2, 1]
