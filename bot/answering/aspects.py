"""Aspects of a question that the sources state for only some topics, or never (aspects.toml).

An aspect is asked when one of its words is in the message, or its `asked` pattern (grammar: "may
I…" in each language) matches it; a topic's answer states it when it
has one of them too, or matches its `stated` pattern (a count is a number with a counter, a date
a year or a day), in any of its languages.

Asking about a fee, a refund, a deadline… of a topic whose answer never mentions one means the
honest reply is "the sources don't say": the matcher lowers its confidence (bot/answering/matcher.py).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from bot.answering.readings import has_kanji
from bot.answering.text import fold_kana, normalize

ASPECTS_FILE = Path(__file__).parent / "aspects.toml"
_LATIN_RUN = re.compile(r"[a-z0-9]+")


def _alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of a regular expression's source (a|b(c|d)|e: a, b(c|d), e)."""
    out: list[str] = []
    depth, start, i, in_class = 0, 0, 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            out.append(pattern[start:i])
            start = i + 1
        i += 1
    out.append(pattern[start:])
    return out


def _by_script(pattern: str) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    """The pattern as two: its alternatives written in ASCII only, which need a Latin letter or digit
    in the text, and the others, which need a character that is not ASCII."""
    alternatives = _alternatives(pattern)
    latin = [a for a in alternatives if a.isascii()]
    other = [a for a in alternatives if not a.isascii()]
    return (
        re.compile("|".join(latin)) if latin else None,
        re.compile("|".join(other)) if other else None,
    )


class Aspects:
    """Word lists per aspect; Latin words match whole words (plural too), CJK/Hangul ones as
    substrings. A normalised text is only word characters and spaces, so a whole-word match is a
    match between spaces: a dict lookup per word and plain substring tests, no regex per aspect."""

    def __init__(self, path: Path = ASPECTS_FILE, data: dict[str, dict[str, Any]] | None = None) -> None:
        if data is None:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        self._names = list(data)
        # what states an aspect in an answer: its words, or its `stated_words` where it has them
        # ("next time" asks about the future; in an answer it is a visitor's quote, not a plan)
        self._stating: Aspects | None = None
        if any("stated_words" in entry or "asked" in entry for entry in data.values()):
            self._stating = Aspects(
                data={name: {"words": entry.get("stated_words", entry["words"])} for name, entry in data.items()}
            )
        self.by_token: dict[str, set[str]] = {}  # one Latin word, or it + "s" -> aspects
        self.spans: list[tuple[str, str]] = []  # (" several words " or a CJK word, aspect)
        # an answer states these aspects when it matches their pattern (a number with a counter…)
        self.stated_by: list[tuple[re.Pattern[str], str]] = [
            (re.compile(entry["stated"], re.IGNORECASE), name) for name, entry in data.items() if "stated" in entry
        ]
        # a question's grammar asks some aspects whatever its words ("팔아도 돼요?", "売ってもいいですか"):
        # `asked` patterns, matched on the normalised message. Each is split in two, its English
        # alternatives and the others: an English message is not searched for Japanese grammar, nor
        # a Japanese one without a Latin letter for English (most of what matching an aspect costs)
        self.asked_by: list[tuple[re.Pattern[str] | None, re.Pattern[str] | None, str]] = [
            (*_by_script(fold_kana(entry["asked"])), name) for name, entry in data.items() if "asked" in entry
        ]
        # aspects that only choose between close topics, never make a reply "partial"
        self.rank_only = sum(1 << i for i, entry in enumerate(data.values()) if entry.get("rank_only"))
        # every Latin word of every aspect's words: "email" of "email address" names no one
        self.words: set[str] = set()
        for name, entry in data.items():
            for word in entry["words"]:
                w = normalize(word)
                if not word.isascii():
                    self.spans.append((w, name))
                    continue
                self.words.update(w.split(" "))
                if " " in w:
                    self.spans += [(f" {w} ", name), (f" {w}s ", name)]
                else:
                    for token in (w, w + "s"):
                        self.by_token.setdefault(token, set()).add(name)
        # the spans by their first two characters (one-character ones apart): a message is read
        # once, position by position, instead of once per span (there are hundreds)
        # Latin phrases (" how much is ") by their first word instead: a message is read word by
        # word for them, and " w" would head a hundred phrases
        self.by_head: dict[str, list[tuple[str, str]]] = {}
        self.by_word: dict[str, list[tuple[str, str]]] = {}
        self.single: dict[str, set[str]] = {}
        for span, name in self.spans:
            if span.startswith(" "):
                self.by_word.setdefault(span.split(" ")[1], []).append((span, name))
            elif len(span) == 1:
                self.single.setdefault(span, set()).add(name)
            else:
                self.by_head.setdefault(span[:2], []).append((span, name))

    def kanji_words(self) -> list[str]:
        """The asking words written with kanji (normalised), each once: what add_spellings reads."""
        return sorted({span for span, _ in self.spans if has_kanji(span)})

    def add_spellings(self, readings: dict[str, str]) -> None:
        """Words written in kana as they are read ask what their kanji ask: ちゅうしゃじょう, なんぷん.
        Only for asking: answers are written in kanji, and what they state is read from those."""
        known = set(self.spans)  # a set: a list test per reading cost a few ms at every start
        for span, name in list(self.spans):
            kana = readings.get(span)
            if kana is not None and (kana, name) not in known:
                known.add((kana, name))
                self.spans.append((kana, name))
                self.by_head.setdefault(kana[:2], []).append((kana, name))

    def of(self, norm: str) -> frozenset[str]:
        found: set[str] = set()
        # Latin words by themselves: a normalised Japanese message runs them into its kana
        # ("urlを教えて"), and only spaces would miss them
        latin = _LATIN_RUN.findall(norm)
        for word in latin:
            names = self.by_token.get(word)
            if names:
                found |= names
        padded = f" {norm} "
        by_word = self.by_word
        at = 0  # where the space before the word is, in padded
        for word in norm.split(" "):
            phrases = by_word.get(word)
            if phrases:
                for span, name in phrases:
                    if padded.startswith(span, at):
                        found.add(name)
            at += len(word) + 1
        by_head = self.by_head
        for i in range(len(padded) - 1):
            starting = by_head.get(padded[i : i + 2])
            if starting:
                for span, name in starting:
                    if padded.startswith(span, i):
                        found.add(name)
        for char, names in self.single.items():
            if char in padded:
                found |= names
        other = not norm.isascii()
        for in_latin, in_other, name in self.asked_by:
            if (latin and in_latin is not None and in_latin.search(norm)) or (
                other and in_other is not None and in_other.search(norm)
            ):
                found.add(name)
        return frozenset(found)

    def without(self, norm: str) -> str:
        """The normalised text with its aspect words taken out: what is left names a topic, if anything."""
        words = [w for w in norm.split(" ") if w and w not in self.by_token]
        padded = f" {' '.join(words)} "
        for span, _ in self.spans:
            padded = padded.replace(span, " ")
        return " ".join(padded.split())

    def stated(self, texts: list[str]) -> frozenset[str]:
        """The aspects an answer states: it uses their words, or matches their pattern."""
        found = set((self._stating or self).of(normalize(" ".join(texts))))
        for pattern, name in self.stated_by:
            if any(pattern.search(text) for text in texts):
                found.add(name)
        return frozenset(found)

    def pattern(self, name: str) -> re.Pattern[str] | None:
        """The aspect's `stated` pattern, if it has one."""
        return next((p for p, n in self.stated_by if n == name), None)

    @property
    def names(self) -> list[str]:
        return self._names

    def names_of(self, bits: int) -> list[str]:
        return [name for i, name in enumerate(self._names) if bits >> i & 1]

    def bits(self, found: frozenset[str]) -> int:
        """The aspects as one integer, a bit each in `names` order."""
        return sum(1 << self._names.index(name) for name in found)
