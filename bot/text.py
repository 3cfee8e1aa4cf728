"""Text normalisation, language detection and n-grams for Japanese, Korean and English.

Japanese and Korean do not separate words with spaces, so matching works on character bigrams
of CJK and Hangul runs, and on whole words for Latin script.
"""
from __future__ import annotations

import re
import unicodedata

MAX_MATCH_CHARS = 2000  # a 10,000-character message is matched on its head; nobody asks that long


def _kana_table() -> dict[int, str]:
    """Katakana -> hiragana, voiced -> plain, small -> large: トランドラン, どらんどらん match."""
    small_to_large = dict(zip("ぁぃぅぇぉっゃゅょゎゕゖ", "あいうえおつやゆよわかけ"))
    table: dict[int, str] = {}
    for code in list(range(0x3041, 0x3097)) + list(range(0x30A1, 0x30F7)):
        ch = chr(code - 0x60) if code >= 0x30A1 else chr(code)
        ch = unicodedata.normalize("NFD", ch)[0]
        table[code] = small_to_large.get(ch, ch)
    return table


_KANA = _kana_table()
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def normalize(text: str) -> str:
    """NFKC (full/half width), lower case, kana variants folded, punctuation to spaces."""
    text = unicodedata.normalize("NFKC", text[:MAX_MATCH_CHARS]).lower()
    text = text.translate(_KANA)
    return _NON_WORD.sub(" ", text).replace("_", " ").strip()


def char_class(ch: str) -> str:
    code = ord(ch)
    if 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
        return "hangul"
    if 0x3040 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF or code == 0x30FC:
        return "kana"
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF:
        return "kanji"
    if ch.isalpha() or ch.isdigit():
        return "latin"
    return "other"


def detect_language(text: str) -> str | None:
    """ko if any real share of Hangul, ja if kana or kanji, en if Latin letters; else None."""
    counts = {"hangul": 0, "kana": 0, "kanji": 0, "latin": 0}
    for ch in text[:MAX_MATCH_CHARS]:
        cls = char_class(ch)
        if cls in counts and (cls != "latin" or ch.isalpha()):
            counts[cls] += 1
    if counts["hangul"] and counts["hangul"] >= counts["kana"]:
        return "ko"
    if counts["kana"] or counts["kanji"]:
        return "ja"
    if counts["latin"]:
        return "en"
    return None


_EN_STOP = frozenset(
    """a an the is are was were be been being am do does did doing have has had of to in on at for
    from by with about as and or but if then so than that this these those it its it's i me my we
    our us you your he she they them their what which who whom whose when where why how can could
    would should will shall may might must any some there here just also please tell know want
    get got like s t""".split()
)


def _stem(word: str) -> str:
    # a light English stem: enough to meet "lectures"/"lecture", "seminars"/"seminar"
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _runs(norm: str):
    """Split normalised text into (class, run) with CJK = kana+kanji treated as one script."""
    cur_cls, cur = None, []
    for ch in norm:
        cls = char_class(ch)
        if cls in ("kana", "kanji"):
            cls = "cjk"
        if cls != cur_cls and cur:
            yield cur_cls, "".join(cur)
            cur = []
        cur_cls = cls
        cur.append(ch)
    if cur:
        yield cur_cls, "".join(cur)


def grams(norm: str) -> list[str]:
    """Terms of an already normalised text: Latin words, CJK/Hangul bigrams (unigram if alone)."""
    out: list[str] = []
    for cls, run in _runs(norm):
        if cls == "latin":
            if run.isdigit() or run not in _EN_STOP:
                out.append(_stem(run))
        elif cls in ("cjk", "hangul"):
            if len(run) == 1:
                out.append(run)
            else:
                out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def has_words(text: str) -> bool:
    """True when the text has any letter or digit (so not empty, emoji-only or punctuation)."""
    return any(char_class(ch) != "other" for ch in text[:MAX_MATCH_CHARS])
