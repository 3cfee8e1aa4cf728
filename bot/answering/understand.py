"""What a message is, in one decision the chat and the evaluation share.

- small talk (a greeting, thanks, "ok"): answered as such (bot/answering/smalltalk.py);
- answer: a topic whose answer holds what is asked;
- partial: the right topic, but the sources do not state the asked aspect (a fee, a date, a phone
  number of someone else…): the bot says so, then what the sources do say about the topic;
- suggest: "did you mean…" among a few topics;
- none: nothing in the sources; the bot says so and offers to pass the question to staff.
Long messages are read for their question: each sentence is matched too, and the clearest wins.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from bot.answering import counters
from bot.answering.matcher import COUNT, Match, Matcher
from bot.answering.smalltalk import SmallTalk, classify
from bot.answering.text import MAX_MATCH_CHARS, normalize

LONG_MESSAGE = 40  # characters; a message this long, of several sentences, may be context around a question
# question sentences of a long message matched on their own: a real message has a few; a pasted
# page has hundreds, and matching each would let one person's paste hold up everyone (bench/reliability.py)
MAX_QUESTION_SENTENCES = 8
# a colon before a space ends a sentence too: "Quick one from a Midlands-based researcher: when …?"
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s*|(?<=[:：])\s+|\n+")
# what a question sentence has: a question mark, か/の at the end, 까/나요/요?, or it opens with a
# wh-word or an auxiliary ("who support foreign residents", "when it was in Hanzomon" inside a
# sentence are context, not a question)
_QUESTION = re.compile(
    r"[?？]|か[。\s]*$|까|나요|ますか|でしょうか|^\W*(?:(?:and|but|also|or|so) )?"
    r"(?:how|what|where|when|which|who|can|could|is|are|do|does|did|would|will|may|should)\b",
    re.IGNORECASE,
)
# where the context of a sentence ends and what it asks begins: "来年度ブースを出したいのですが、
# 申し込みはどこで…", "…하려고 하는데, 어디로…", "…, but where …"
_CLAUSE_BREAK = re.compile(
    r"(?:が|けど|けれど|けれども|ので|から)[、,]|(?:는데|은데|인데|지만|니까)요?[,，]|,\s*(?:but|so)\b"
)
# what a request for information has, question mark or not
_REQUEST = re.compile(
    r"教えて|ください|下さい|知りたい|お知らせ|幸いです|알려|주세요|주시기 바랍니다|부탁드립니다|궁금"
    r"|please|tell me|let me know|want to know|like to know|would appreciate",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Understanding:
    kind: str  # "smalltalk" | "answer" | "partial" | "suggest" | "none"
    match: Match
    smalltalk: SmallTalk | None = None
    question: str = ""  # the text that was matched (the question inside a long message)
    missing: tuple[str, ...] = ()  # partial: the asked aspects the topic's answer does not state

    @property
    def topic_id(self) -> str | None:
        return self.match.topic_id if self.kind in ("answer", "partial") else None


_NOTHING = Match(None, 0.0, "none", ())


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


def understand(matcher: Matcher, text: str) -> Understanding:
    text = text.strip()
    talk = classify(text)
    if talk is not None:
        if not talk.rest:
            return Understanding("smalltalk", _NOTHING, talk)
        text = talk.rest  # "안녕하세요! 출강은 어떻게 신청해요?": the question is what follows
    best = matcher.match(text)
    question = text
    if best.decision != "answer" and len(text) >= LONG_MESSAGE:
        # the whole message was not clear: perhaps its question is, without the context around it
        parts = sentences(text[:MAX_MATCH_CHARS])
        if best.decision == "partial" and len(parts) > 1:
            # "来年度ソウルに派遣される者です。…事務所はどういう構成ですか", "저는 대구에 있는 대학의
            # 교수입니다. … 신청은 어떻게 하나요?": the future, the city are who they are, not what
            # they ask; only what the asking sentences name can be what the sources don't say. What
            # one of them asks stays unstated, though another sentence alone would be answered
            # ("Which station is nearest? and which exit")
            best = _as_asked(matcher, best, parts)
        if best.decision != "partial":
            asked = [part for part in parts if part != text and _QUESTION.search(part)]
            for part in asked[:MAX_QUESTION_SENTENCES]:
                m = matcher.match(part)
                if m.decision == "answer" and m.score > best.score:
                    best, question = m, part
    return Understanding(best.decision, best, None, question, best.missing)


def _as_asked(matcher: Matcher, match: Match, parts: list[str]) -> Match:
    """The partial match with only the missing aspects and unstated specifics that a sentence asking
    or requesting something names ("…ですか", "please tell me …"); an answer when none is left."""
    asking = [p for p in parts if _QUESTION.search(p) or _REQUEST.search(p)]
    if not asking:
        return match
    # an aspect counts from the clause that asks; a name or a year anywhere in an asking sentence
    # ("2022年のおまつりに出たいのですが、いつ…" asks about 2022)
    clauses = [_CLAUSE_BREAK.split(p)[-1] for p in asking]
    asked = set().union(*(matcher.aspects.of(normalize(c)) for c in clauses))
    if any(counters.asked(c) for c in clauses):
        asked.add(COUNT)
    missing = tuple(a for a in match.missing if a in asked)
    unstated = tuple(u for u in match.unstated if any(u in p for p in asking))
    if missing or unstated:
        return dataclasses.replace(match, missing=missing, unstated=unstated)
    return dataclasses.replace(match, decision="answer", missing=(), unstated=())
