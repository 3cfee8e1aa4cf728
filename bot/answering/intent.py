"""Does a message plainly ask to apply ("出前講座を申し込みたい"), rather than ask how to?

An action word and a wish in the same language, and no how-to word: "I'd like to request a
lecture" starts the form; "How do we request a lecture?" gets the answer (with its apply button).
Which form is decided by the topic the matcher finds, so these words are the same for every form.
"""

from __future__ import annotations

import re
import unicodedata

# (action words, wish words, how-to words) per language, matched on NFKC lower-case text
_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "ja": (
        ("申し込", "申込", "依頼", "応募", "出展", "参加", "掲載", "お願い"),
        ("たい", "希望", "します", "ます", "お願い"),
        ("方法", "どう", "どのよう", "どこ", "いつ", "教えて", "手順", "仕方", "可能", "でき", "?", "か。"),
    ),
    "ko": (
        ("신청", "의뢰", "요청", "참가", "참여", "게재", "부탁"),
        ("싶", "하려", "할게", "합니다", "하겠", "드립니다", "부탁"),
        ("어떻게", "방법", "알려", "절차", "어디", "언제", "가능", "까", "?", "나요"),
    ),
    "en": (
        ("apply", "request", "book", "sign up", "register", "submit", "arrange"),
        (
            "i'd like",
            "i would like",
            "we'd like",
            "we would like",
            "i want",
            "we want",
            "i wish",
            "we wish",
            "i'd love",
            "we'd love",
            "please",
            "let me",
            "we'd like",
            "i am applying",
            "we are applying",
            "i'm applying",
        ),
        (
            "how",
            "what",
            "where",
            "when",
            "which",
            "can i",
            "can we",
            "?",
            "is it possible",
            "tell me",
            "could you tell",
        ),
    ),
}


def _finder(words: tuple[str, ...], whole_words: bool) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w) for w in words)
    # English words must stand alone ("book" is not in "facebook"); Japanese and Korean have no spaces
    return re.compile(rf"\b(?:{alternatives})" if whole_words else alternatives)


_FINDERS = [tuple(_finder(words, lang == "en") for words in sets) for lang, sets in _WORDS.items()]


def wants_to_apply(text: str) -> bool:
    norm = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    for actions, wishes, howtos in _FINDERS:
        if actions.search(norm) and wishes.search(norm) and not howtos.search(norm):
            return True
    return False
