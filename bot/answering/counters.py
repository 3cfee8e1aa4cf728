"""Whether a topic's answer counts the thing a question asks how many of.

"何部送ればいい", "응모작이 몇 점", "how many posts is each type": the topic states counts, but of
other things (34 participants, 2 teams), so the aspect `count` (aspects.toml) is stated and the
question would be answered. What is counted is named by the counter after 何 / 몇, or by the noun
after "how many"; the answer in the question's language must give a number with that counter or
noun. People, times and dates have their own aspects (count_people, times, month, day…), so their
counters are left to them.
"""

from __future__ import annotations

import re

from bot.answering.knowledge import KnowledgeBase
from bot.answering.text import _stem

# 何 / 몇 and a counter that says what is counted: copies, works, videos, pages. A list, not any
# word after them (何語 asks a language, 몇 번 출구 an exit); and not the counters an answer uses for
# anything (개, 곳, 건, 件, か所, 種類: "몇 곳" of "165건", "何種類" of "2タイプ"), which the aspect
# count leaves to any number with a counter
_JA_COUNTERS = "部 冊 枚 点 本 台 組 ページ 文字 作品 品 誌 号 言語 店舗 ブース".split()
_KO_COUNTERS = "점 부 권 장 편 페이지 글자 자 작품 부스 호 팀".split()
_JA_ASKED = re.compile("何\\s*(" + "|".join(sorted(_JA_COUNTERS, key=len, reverse=True)) + ")")
# a Korean counter ends its word, or a particle follows: 몇 점이나, 몇 부 정도
_KO_ASKED = re.compile(
    "몇\\s*("
    + "|".join(sorted(_KO_COUNTERS, key=len, reverse=True))
    + ")(?:(?![가-힣])|(?=이나|나|이|가|을|를|은|는|정도|쯤|씩|도|의|까지))"
)
_EN_COUNTED = """copies brochures pamphlets leaflets posts entries submissions works photos videos episodes
pages booths languages words characters issues""".split()
# "how many copies", "how many Instagram posts" (not "how many municipalities had booths"); "can we
# choose how many posts" asks whether, not how many
_EN_ASKED = re.compile(
    r"(?<!choose )(?<!decide )\bhow many (?:[a-z]+ )?(" + "|".join(_EN_COUNTED) + r")\b", re.IGNORECASE
)
# what a counter is counted by in an answer: a numeral, in figures or words
_JA_NUMBER = r"[0-9０-９一二三四五六七八九十百千]+\s*"
_KO_NUMBER = r"(?:[0-9]+|한|두|세|네|다섯|여섯|일곱|여덟|아홉|열|스무)\s*"
_EN_NUMBER = re.compile(r"\b(?:\d[\d,]*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty)\b")
_EN_WORD = re.compile(r"[a-z]+")
_EN_LABEL = re.compile(r"([a-z][a-z -]{0,40}):\s*\d")
_EN_WINDOW = 4  # words after a number that may be what it counts: "34 organisations", "two plan types"


def asked(text: str) -> tuple[str, str] | None:
    """The language and counter (or English noun stem) a question asks how many of, if any."""
    found = _JA_ASKED.search(text)
    if found:
        return "ja", found.group(1)
    found = _KO_ASKED.search(text)
    if found:
        return "ko", found.group(1)
    found = _EN_ASKED.search(text)
    if found:
        return "en", _stem(found.group(1).lower())
    return None


class Counters:
    """Per topic and language, what its answer gives a number of; read on the first question that
    asks a count of that topic, not at start."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self._answers: dict[tuple[str, str], str] = {}
        self._lines: dict[str, list[str]] = {}

    def counts(self, topic_id: str, question: str) -> bool:
        """Whether the topic's answer gives a number of what the question asks how many of (True
        when it asks no count, or in a language the topic has no answer in)."""
        wanted = asked(question)
        if wanted is None:
            return True
        lang, counter = wanted
        answer = self._answer(topic_id, lang)
        if answer is None:
            return True
        if lang == "ja":
            return re.search(_JA_NUMBER + re.escape(counter), answer) is not None
        if lang == "ko":
            return re.search(_KO_NUMBER + re.escape(counter), answer) is not None
        return _counts_noun(answer, counter)

    def counts_in_year(self, topic_id: str, years: list[str], counted: list[re.Pattern[str]]) -> bool:
        """Whether, for every year asked, a line of the topic's answers has the year and a count
        (`counted`: the stated patterns of the count aspects asked). The sister-city page counts the
        projects of 2019 and 2020; "how many in FY2021" is not among them, though 2021 is named."""
        lines = self._lines.get(topic_id)
        if lines is None:
            lines = self._lines[topic_id] = [
                part for local in self.kb.topics[topic_id].text.values() for part in local.answer.split("\n\n")
            ]
        return all(any(year in line and any(p.search(line) for p in counted) for line in lines) for year in years)

    def _answer(self, topic_id: str, lang: str) -> str | None:
        key = (topic_id, lang)
        if key not in self._answers:
            local = self.kb.topics[topic_id].text.get(lang)
            if local is None:
                return None
            self._answers[key] = local.answer if lang != "en" else local.answer.lower()
        return self._answers[key]


def _counts_noun(answer: str, noun: str) -> bool:
    """A number, then within a few words of its sentence the noun ("34 organisations", "two plan
    types"); or the noun before a colon and a number ("Organisations featured: 34")."""
    for number in _EN_NUMBER.finditer(answer):
        after = answer[number.end() : number.end() + 60].split(". ")[0]
        if any(_stem(word).startswith(noun) for word in _EN_WORD.findall(after)[:_EN_WINDOW]):
            return True
    for label in _EN_LABEL.finditer(answer):
        if any(_stem(word).startswith(noun) for word in _EN_WORD.findall(label.group(1))):
            return True
    return False
