"""Which language to answer in."""

from __future__ import annotations

import re
import unicodedata

from bot.answering.text import detect_language, scripts
from bot.config import LANGUAGES
from bot.conversation import Conversation
from bot.messages import Incoming


def client_language(code: str | None) -> str | None:
    """A client's language code ('ja', 'ko-KR', 'en-US', 'de') to ja, ko, or en otherwise."""
    if not code:
        return None
    base = code.split("-")[0].lower()
    return base if base in LANGUAGES else "en"


def choose_language(state: Conversation, msg: Incoming, default: str) -> str:
    """The user's own /lang choice, else the language of this text, else what we last saw."""
    if state.lang in LANGUAGES:
        return state.lang
    detected = detect_language(msg.text) if msg.text and not msg.text.startswith("/") else None
    if detected:
        state.seen_lang = detected
        return detected
    return state.seen_lang or client_language(msg.client_language) or default


# What makes a message a sentence rather than a name, an address or a number, per language. A
# Korean university's name (서울대학교) or a Japanese town's (東京都) is no sign of the writer's
# language; "온라인으로 해 주세요", "オンラインでお願いします" and "online please" are.
_KO_SENTENCE_END = re.compile(r"(?:요|니다|니까|까|죠|줘)[\s.!?~…。！？]*$")
_EN_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_EN_SENTENCE_WORDS = frozenset(
    """i i'm i'd i'll we we're we'd we'll my our you your is are was were am please would could can do
    does did don't doesn't want like need thanks thank it it's this that what how when where which
    who why yes no not fine ok okay sorry wait""".split()
)


def sentence_language(text: str) -> str | None:
    """The language `text` is plainly written in as a sentence, else None (names, e-mail, numbers).

    Korean: three Hangul letters or more, ending like a sentence (…요, …니다, …까) or asking (?).
    Japanese: two hiragana or more (names and places are kanji and katakana; sentences have kana
    endings). English: two words or more, one of them a pronoun, verb or "please" no name has.
    """
    text = unicodedata.normalize("NFKC", text).strip()
    letters = scripts(text)
    language = detect_language(text)
    if language == "ko":
        asks = "?" in text
        return "ko" if letters.count("H") >= 3 and (asks or _KO_SENTENCE_END.search(text)) else None
    if language == "ja":
        return "ja" if letters.count("h") >= 2 else None
    if language == "en":
        words = _EN_WORD.findall(text.lower().replace("\u2019", "'"))
        return "en" if len(words) >= 2 and any(w in _EN_SENTENCE_WORDS for w in words) else None
    return None
