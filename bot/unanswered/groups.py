"""Similar unanswered questions grouped for the staff, and a group's texts as lines for a topic file.

Similar entries are grouped (SIMILAR): same language, and the rapidfuzz similarity of their
terms (the matcher's own normalisation: Latin words, CJK and Hangul bigrams with particles off).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from bot.answering.text import STOP_GRAMS, grams
from bot.unanswered.records import MAX_TOPICS, Topics, Unanswered

# Two questions are "similar" at this score or above (0..100): the mean of rapidfuzz's
# token_set_ratio and token_sort_ratio over their terms (similarity()). Measured on paraphrases
# in ja, ko and en (tests/test_unanswered.py, test_grouping_cutoff): paraphrases of one question
# scored 73-95, different questions 21-62. Set ratio alone calls "how long is the lecture" and
# "how much is the lecture" alike (86: one's terms nearly contain the other's), sort ratio alone
# splits 費用を教えて from いくら (59); their mean keeps the two sides apart, and 70 sits between.
SIMILAR = 70.0


@dataclass(frozen=True)
class UnansweredGroup:
    key: str  # str(id) of the oldest member: stays while the group keeps that member
    lang: str
    members: tuple[Unanswered, ...]  # newest first
    kinds: dict[str, int]
    topics: Topics  # candidate topics across members, best first (each at its highest score), at most 3

    @property
    def count(self) -> int:
        return len(self.members)

    @property
    def first_at(self) -> float:
        return min(m.at for m in self.members)

    @property
    def last_at(self) -> float:
        return max(m.at for m in self.members)

    @property
    def text(self) -> str:
        return self.members[0].text


def terms(text: str) -> str:
    """What similarity compares: the matcher's terms, without question scaffolding, sorted."""
    return " ".join(sorted({g for g in grams(text) if g not in STOP_GRAMS}))


def similarity(a: str, b: str) -> float:
    """0..100 between two texts' terms (see SIMILAR)."""
    ta, tb = terms(a), terms(b)
    if not ta or not tb:
        return 100.0 if ta == tb and a.strip().lower() == b.strip().lower() else 0.0
    return (fuzz.token_set_ratio(ta, tb) + fuzz.token_sort_ratio(ta, tb)) / 2


def toml_string(text: str) -> str:
    """A TOML basic string on one line: whitespace runs become one space, control characters go."""
    flat = " ".join(text.split())
    flat = "".join(ch for ch in flat if unicodedata.category(ch) != "Cc")
    return '"' + flat.replace("\\", "\\\\").replace('"', '\\"') + '"'


def group_entries(entries: Sequence[Unanswered]) -> list[UnansweredGroup]:
    """Greedy grouping per language: the most frequent text (then the oldest) seeds a group and
    takes every ungrouped text at least SIMILAR to it; then the next ungrouped text seeds one."""
    out: list[UnansweredGroup] = []
    by_lang: dict[str, list[Unanswered]] = {}
    for e in entries:
        by_lang.setdefault(e.lang, []).append(e)
    for lang, items in by_lang.items():
        # identical texts (after the matcher's normalisation) are one candidate, counted
        same: dict[str, list[Unanswered]] = {}
        for e in items:
            same.setdefault(terms(e.text) or e.text.strip().lower(), []).append(e)
        order = sorted(same.values(), key=lambda es: (-len(es), min(x.id for x in es)))
        taken = [False] * len(order)
        for i, seed in enumerate(order):
            if taken[i]:
                continue
            taken[i] = True
            members = list(seed)
            for j in range(i + 1, len(order)):
                if not taken[j] and similarity(seed[0].text, order[j][0].text) >= SIMILAR:
                    taken[j] = True
                    members += order[j]
            out.append(_group(lang, members))
    return out


def _group(lang: str, members: list[Unanswered]) -> UnansweredGroup:
    members.sort(key=lambda m: (m.at, m.id), reverse=True)
    kinds: dict[str, int] = {}
    best: dict[str, float] = {}
    for m in members:
        kinds[m.kind] = kinds.get(m.kind, 0) + 1
        for topic, score in m.topics:
            best[topic] = max(best.get(topic, 0.0), score)
    top = tuple(sorted(best.items(), key=lambda item: (-item[1], item[0]))[:MAX_TOPICS])
    oldest = min(members, key=lambda m: (m.at, m.id))
    return UnansweredGroup(str(oldest.id), lang, tuple(members), kinds, top)
