"""How one message's outcome becomes a count and perhaps an entry of the unanswered log.

The answering handlers say what they did with a knowledge question (Asked, on the Context);
Core turns it into an Outcome and records it on the side (bot/core/routing.py). A "did you
mean" is settled by the person's next message, whatever it is: pressing one of the offered
topics takes it, anything else (typing, another button, "none of these") does not.
Small talk, commands and form answers never set Asked, so they are not counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.conversation import Suggestion
from bot.messages import Incoming
from bot.unanswered.records import MAX_TEXT, MAX_TOPICS, Topics

TOPIC_VERB = "t"  # the payload verb of a topic button (handlers/answers.py topic_button)


@dataclass(frozen=True)
class Asked:
    """A knowledge question and the bot's decision on it (bot/answering/understand.py)."""

    text: str
    decision: str  # "answer" | "partial" | "suggest" | "none"
    score: float
    ranked: Topics  # the matcher's ranking, best first
    offered: tuple[str, ...] = ()  # suggest: the topics offered as buttons


@dataclass(frozen=True)
class Outcome:
    """One knowledge question settled: counted answered or not, and the entry to keep, if any."""

    lang: str
    answered: bool
    kind: str | None  # "none" | "ignored_suggestion" | "low_confidence"; None: answered, nothing to keep
    text: str
    topics: Topics


def outcome(asked: Asked, lang: str) -> Outcome | None:
    """What a question's own reply settles; None for a suggestion, settled by the next message."""
    top = asked.ranked[:MAX_TOPICS]
    if asked.decision == "answer":
        return Outcome(lang, True, None, asked.text, top)
    if asked.decision == "suggest":
        return None
    # "none", and "partial": the bot said the sources do not state what was asked
    return Outcome(lang, False, "none", asked.text, top)


def suggestion(asked: Asked, lang: str) -> Suggestion | None:
    if asked.decision != "suggest":
        return None
    return Suggestion(asked.text[:MAX_TEXT], lang, asked.score, list(asked.ranked[:MAX_TOPICS]), list(asked.offered))


def settle(shown: Suggestion, msg: Incoming) -> Outcome:
    """The next message after a "did you mean": taken (a press on an offered topic) or not."""
    verb, _, arg = (msg.payload or "").partition(":")
    topics = tuple(shown.topics)
    if msg.payload is not None and verb == TOPIC_VERB and arg in shown.offered:
        score = dict(topics).get(arg, shown.score)
        chosen = ((arg, score),) + tuple(t for t in topics if t[0] != arg)  # the one they chose first
        return Outcome(shown.lang, True, "low_confidence", shown.text, chosen[:MAX_TOPICS])
    return Outcome(shown.lang, False, "ignored_suggestion", shown.text, topics)
