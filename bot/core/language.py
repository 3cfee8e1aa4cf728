"""Which language to answer in."""

from __future__ import annotations

from bot.answering.text import detect_language
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
