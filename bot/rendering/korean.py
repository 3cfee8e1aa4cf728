"""Korean particles chosen by the sound before them: L-2026-0001을, 신청서를, 도란도란은.

Templates write `{{ ref | josa("을/를") }}` (the word and its particle) or, after a quote,
`'{{ title }}'{{ title | particle("을/를") }}`, instead of "을(를)", which no native writer uses. The
sound is that of the last letter or digit as a Korean reader says it: a syllable's final
consonant, a digit's Korean name (1 일, 2 이, 3 삼…), a Latin letter's name (L 엘, R 알, M 엠…).
"""

from __future__ import annotations

# particle pairs: (after a final consonant, after a vowel)
PAIRS = {
    "을/를": ("을", "를"),
    "은/는": ("은", "는"),
    "이/가": ("이", "가"),
    "과/와": ("과", "와"),
    "이에요/예요": ("이에요", "예요"),
    "으로/로": ("으로", "로"),
}
_RIEUL = 8  # the index of ㄹ among final consonants: "으로/로" takes 로 after it (서울로, 1일로)
# the final consonant a digit's Korean name ends in: 0 영, 1 일, 3 삼, 6 육, 7 칠, 8 팔 (None: a vowel)
_DIGIT_FINAL = {
    "0": 21,
    "1": _RIEUL,
    "2": None,
    "3": 16,
    "4": None,
    "5": None,
    "6": 1,
    "7": _RIEUL,
    "8": _RIEUL,
    "9": None,
}
# the Latin letters whose names end in a consonant: L 엘, M 엠, N 엔, R 알 (the rest end in a vowel)
_LETTER_FINAL = {"l": _RIEUL, "m": 16, "n": 4, "r": _RIEUL}


def _final(word: str) -> int | None:
    """The final consonant (1-27) of the word's last sound, None after a vowel or without one."""
    for ch in reversed(word):
        code = ord(ch)
        if 0xAC00 <= code <= 0xD7A3:
            return (code - 0xAC00) % 28 or None
        if ch.isdigit() and ch in _DIGIT_FINAL:
            return _DIGIT_FINAL[ch]
        if ch.isascii() and ch.isalpha():
            return _LETTER_FINAL.get(ch.lower())
    return None


def particle(word: object, pair: str) -> str:
    """The particle of `pair` ("을/를", "은/는", "이/가"…) that fits after the word."""
    after_consonant, after_vowel = PAIRS[pair]
    final = _final(str(word))
    if pair == "으로/로":
        return after_consonant if final is not None and final != _RIEUL else after_vowel
    return after_consonant if final is not None else after_vowel


def josa(word: object, pair: str) -> str:
    """The word followed by its particle: josa("L-2026-0001", "을/를") is "L-2026-0001을"."""
    return f"{word}{particle(word, pair)}"
