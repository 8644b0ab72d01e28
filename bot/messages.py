"""Every user-facing string, Arabic and English, in one place."""
from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "not_found": {
        "ar": "لم أجد جواباً لهذا في المقالات التي لديّ.",
        "en": "Not found in the articles I have.",
    },
    "not_found_hint": {
        "ar": "جرّب كلمات أخرى أو اسم شخص أو مكان ورد في الخبر. /sources تعرض المقالات المتاحة.",
        "en": "Try other words, or a person or place named in the news. /sources lists the articles I hold.",
    },
    "source": {"ar": "المصدر", "en": "Source"},
    "more": {"ar": "المزيد ⬇️", "en": "More ⬇️"},
    "no_more": {"ar": "لا مزيد من المقاطع.", "en": "No more passages."},
    "expired": {"ar": "انتهت صلاحية هذه الصفحة؛ اسأل من جديد.", "en": "This page has expired; please ask again."},
    "start": {
        "ar": (
            "أهلاً! أنا إسناد: أجيب عن أسئلتك من الأخبار التي لديّ، بجمل منقولة حرفياً مع مصدر كل منها.\n"
            "اكتب سؤالك بالعربية أو الإنجليزية، مثلاً:"
        ),
        "en": (
            "Hello! I am Isnad: I answer your questions from the news articles I hold, quoting their exact "
            "sentences with each one's source.\nAsk in Arabic or English, for example:"
        ),
    },
    "help": {
        "ar": (
            "اكتب سؤالاً وسأقتبس الجمل التي تجيب عنه مع مصادرها.\n"
            "في المجموعات: اذكرني (@{bot}) أو ردّ على رسالتي أو استعمل /ask سؤالك.\n"
            "/sources المقالات والمصادر — /about عن إسناد"
        ),
        "en": (
            "Send a question and I will quote the sentences that answer it, with their sources.\n"
            "In groups: mention me (@{bot}), reply to my message, or use /ask your question.\n"
            "/sources articles and outlets — /about about Isnad"
        ),
    },
    "about": {
        "ar": "إسناد: إجابات من الأخبار، منقولة حرفياً ومنسوبة إلى مصادرها. {articles} مقالاً، {sentences} جملة.",
        "en": "Isnad: answers from the news, quoted verbatim and credited to their sources. {articles} articles, {sentences} sentences.",
    },
    "sources_header": {"ar": "المقالات المفهرسة ({count}):", "en": "Indexed articles ({count}):"},
    "no_articles": {"ar": "لا توجد مقالات مفهرسة بعد.", "en": "No articles are indexed yet."},
    "non_text": {
        "ar": "أفهم الأسئلة المكتوبة فقط. اكتب سؤالك نصاً.",
        "en": "I can only read written questions. Please type your question.",
    },
    "too_long": {
        "ar": "السؤال طويل جداً ({length} حرفاً). اختصره إلى {limit} حرف على الأكثر.",
        "en": "That question is too long ({length} characters). Please keep it under {limit}.",
    },
    "question_empty": {"ar": "السؤال فارغ؛ اكتب سؤالاً.", "en": "The question is empty; write a question."},
    "empty": {"ar": "اكتب سؤالاً بعد الأمر، مثلاً: /ask ماذا قال سوليفان؟", "en": "Write a question after the command, e.g. /ask what did Sullivan say?"},
    "rate_limited": {
        "ar": "أسئلة كثيرة في وقت قصير. انتظر {seconds} ثانية ثم أعد المحاولة.",
        "en": "Too many questions at once. Please wait {seconds} seconds and try again.",
    },
    "error": {"ar": "حدث خطأ ما. حاول مرة أخرى بعد قليل.", "en": "Something went wrong. Please try again shortly."},
    "admin_only": {"ar": "هذا الأمر للمشرفين فقط.", "en": "This command is for admins only."},
    "add_usage": {
        "ar": "أرسل /add مع ملف ‎.txt أو ‎.md أو ‎.json أو ‎.html، أو /add ورابط الصفحة، أو ردّ بـ /add على رسالة فيها نص المقال.",
        "en": "Send /add with a .txt, .md, .json or .html file, /add with a page's link, or reply /add to a message holding the article text.",
    },
    "added": {
        "ar": "أُضيف: «{title}» — {sentences} جملة؛ المصادر: {sources}",
        "en": "Added: “{title}” — {sentences} sentences; sources: {sources}",
    },
    "add_failed": {"ar": "تعذرت إضافة المقال: {reason}", "en": "Could not add the article: {reason}"},
    "open_article": {"ar": "افتح المقال", "en": "Open article"},
    "reindexed": {"ar": "اكتملت الفهرسة: {summary}", "en": "Reindex done: {summary}"},
    "examples": {"ar": "ماذا قال سوليفان؟|كيف وصف الكرملين المناقشة؟", "en": "What did Sullivan say?|How did the Kremlin describe the talks?"},
}

COMMANDS: dict[str, dict[str, str]] = {
    "start": {"ar": "ما هو إسناد وكيف تسأله", "en": "What Isnad is and how to ask"},
    "help": {"ar": "طريقة الاستعمال", "en": "How to use Isnad"},
    "ask": {"ar": "اسأل سؤالاً (في المجموعات)", "en": "Ask a question (in groups)"},
    "sources": {"ar": "المقالات والمصادر المفهرسة", "en": "Indexed articles and outlets"},
    "about": {"ar": "عن إسناد", "en": "About Isnad"},
}


def say(key: str, lang: str, **values: object) -> str:
    text = STRINGS[key].get(lang) or STRINGS[key]["en"]
    return text.format(**values) if values else text
