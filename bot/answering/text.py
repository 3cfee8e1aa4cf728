"""Text normalisation, language detection and n-grams for Japanese, Korean and English.

Japanese and Korean do not separate words with spaces, so matching works on character bigrams
of CJK and Hangul runs, and on whole words for Latin script.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

MAX_MATCH_CHARS = 2000  # a 10,000-character message is matched on its head; nobody asks that long


def _kana_table() -> dict[int, str]:
    """Katakana -> hiragana, voiced -> plain, small -> large: トランドラン, どらんどらん match."""
    small_to_large = dict(zip("ぁぃぅぇぉっゃゅょゎゕゖ", "あいうえおつやゆよわかけ", strict=True))
    table: dict[int, str] = {}
    for code in list(range(0x3041, 0x3097)) + list(range(0x30A1, 0x30F7)):
        ch = chr(code - 0x60) if code >= 0x30A1 else chr(code)
        ch = unicodedata.normalize("NFD", ch)[0]
        table[code] = small_to_large.get(ch, ch)
    return table


_KANA = _kana_table()
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def fold(text: str) -> str:
    """NFKC (full/half width) and lower case: what every comparison starts from."""
    return unicodedata.normalize("NFKC", text[:MAX_MATCH_CHARS]).lower()


def fold_kana(text: str) -> str:
    """Only the kana merged (katakana to hiragana, voiced to plain, small to large): a pattern's
    source, written as people write, in the form of the normalised texts it is matched against."""
    return text.translate(_KANA)


def normalize(text: str) -> str:
    """Folded, kana variants merged, punctuation to spaces: the form keywords are compared in."""
    return _NON_WORD.sub(" ", fold(text).translate(_KANA)).replace("_", " ").strip()


def char_class(ch: str) -> str:
    code = ord(ch)
    if 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F:
        return "hangul"
    if 0x3040 <= code <= 0x309F:
        return "hiragana"
    if 0x30A0 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF:
        return "katakana"
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF:
        return "kanji"
    if ch.isalpha() or ch.isdigit():
        return "latin"
    return "other"


# One letter per script, so a text's scripts are one str.translate away: runs and counts are then
# found by the regex engine and str.count, not by a Python loop over characters.
_SCRIPT_LETTER = {"hangul": "H", "hiragana": "h", "katakana": "k", "kanji": "K", "latin": "L", "other": "O"}
_SCRIPT_OF_LETTER = {letter: name for name, letter in _SCRIPT_LETTER.items()} | {"D": "latin"}
# runs of one script; digits (D) and letters (L) make one Latin run, and no run is "other"
_SCRIPT_RUN = re.compile(r"[LD]+|H+|h+|k+|K+")
_SCRIPT_TABLE_LIMIT = 1 << 16  # distinct characters remembered; the rest are classified each time


class _ScriptTable(dict):
    """Code point -> script letter, filled on first sight of each character."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        cls = char_class(ch)
        letter = "D" if cls == "latin" and not ch.isalpha() else _SCRIPT_LETTER[cls]
        if len(self) < _SCRIPT_TABLE_LIMIT:
            self[code] = letter
        return letter


_SCRIPTS = _ScriptTable()


def scripts(text: str) -> str:
    """The script letter of each character of `text` (H h k K L D O), same length."""
    return text.translate(_SCRIPTS)


def detect_language(text: str) -> str | None:
    """ko if any real share of Hangul, ja if kana or kanji, en if Latin letters; else None."""
    letters = scripts(text[:MAX_MATCH_CHARS])
    hangul, kana = letters.count("H"), letters.count("h") + letters.count("k")
    if hangul and hangul >= kana:
        return "ko"
    if kana or "K" in letters:
        return "ja"
    if "L" in letters:
        return "en"
    return None


_EN_STOP = frozenset(
    """a an the is are was were be been being am do does did doing have has had of to in on at for
    from by with about as and or but if then so than that this these those it its it's i me my we
    our us you your he she they them their what which who whom whose when where why how can could
    would should will shall may might must any some there here just also please tell know want
    get got like s t""".split()
)


# chat shorthand, written out: "can ppl from my uni apply"
_EN_SHORT = {
    "ppl": "people",
    "uni": "university",
    "univ": "university",
    "govt": "government",
    "gov": "government",
    "dept": "department",
    "info": "information",
    "intl": "international",
    "prog": "programme",
    "pics": "photos",
    "pic": "photo",
    "pls": "please",
    "plz": "please",
    "u": "you",
    "ur": "your",
    "thx": "thanks",
    "w": "with",
    "abt": "about",
    "mtg": "meeting",
    "pref": "prefecture",
}
_JAMO_ONLY = re.compile(r"^[\u3131-\u318e\u1100-\u11ff]+$")


# a name: an acronym (KRILA, JAL) or a capitalised word inside a sentence (Hongdae, Kansai)
NAME = re.compile(r"(?<![A-Za-z])(?:[A-Z]{3,}[a-z]?|[A-Z][a-z]+[A-Z][A-Za-z]*|(?<=[a-z,] )[A-Z][a-z]{2,})(?![A-Za-z])")


def _stem(word: str) -> str:
    # a light English stem: enough to meet "lectures"/"lecture", "seminars"/"seminar"
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


# Korean particles and copulas glued to nouns: 행사에는 -> 행사, 크레아랑 -> 크레아
_KO_SUFFIXES = frozenset(
    """은 는 이 가 을 를 에 의 도 로 와 과 만 요 에서 에는 에도 에게 한테 께서 으로 로는 으로는 이랑 랑 하고
    까지 부터 처럼 보다 이나 나 이고 이며 이에요 예요 이죠 인가요 인데 인데요 에서는 에서도 들 들은 들이
    들을 들의 이랑은"""
    # and the endings of a verb made of a noun, as people write them: 설문한거, 참가했어요, 신청하려면
    """ 한거 한건 한 했어요 했나요 했어 했나 했던 해요 해 하나요 하는 하면 하려면 할까요 해줘 해줘요 해주세요
    였어요 였어 였나요 이었어요 었어요 었나요 었어 있어요 있나요 없어요 나요 어요 아요 거예요 건가요 인지
    하고요 드려요 싶어요 되나요 돼요 됐어요 임""".split()
)
_KO_SUFFIX_LENGTHS = sorted({len(s) for s in _KO_SUFFIXES}, reverse=True)


def _strip_particle(word: str) -> str:
    """The longest particle goes (a word ends in at most one suffix of each length); a stem keeps
    at least two syllables, so 나라 stays 나라."""
    for size in _KO_SUFFIX_LENGTHS:
        if len(word) - size >= 2 and word[-size:] in _KO_SUFFIXES:
            return word[:-size]
    return word


def _strip_endings(run: str) -> str:
    """The run without the particles and endings at its end (a stem of at least two kana stays)."""
    cut = True
    while cut:
        cut = False
        for ending in _JA_ENDINGS:
            if len(run) - len(ending) >= 2 and run.endswith(ending):
                run, cut = run[: -len(ending)], True
                break
    return run


def _runs(folded: str) -> Iterator[tuple[str, str]]:
    """Split folded text into (script, run): kanji, hiragana, katakana, hangul, latin; spaces,
    punctuation and symbols only separate runs."""
    for m in _SCRIPT_RUN.finditer(scripts(folded)):
        yield _SCRIPT_OF_LETTER[m.group()[0]], folded[m.start() : m.end()]


def _bigrams(run: str) -> list[str]:
    return [run] if len(run) == 1 else [run[i : i + 2] for i in range(len(run) - 1)]


HIRAGANA_WEIGHT = 0.3  # hiragana runs are mostly particles and endings: ての, ですか, のへん
KANA_WORD_WEIGHT = 0.8  # a long hiragana run left after its endings go is a word spelt in kana (でまえこうざ)
# Endings a hiragana run may close with (folded: voicing marks gone, small kana large), longest
# first, taken off repeatedly: でまえこうざ|について|おしえて|ください
_JA_ENDINGS = tuple(
    sorted(
        {
            w.translate(_KANA)
            for w in (
                "について",
                "おしえてください",
                "おしえて",
                "ください",
                "ですか",
                "ますか",
                "ありますか",
                "できますか",
                "したいです",
                "したい",
                "たいです",
                "たい",
                "です",
                "ます",
                "とは",
                "ってなに",
                "って",
                "なに",
                "なんですか",
                "ですが",
                "でしょうか",
                "かな",
                "よね",
                "のこと",
                "おねがいします",
                "おねがい",
                "しりたい",
                "にしゅってん",
                "をしたい",
                "について",
                "に",
                "を",
                "は",
                "が",
                "の",
                "で",
                "へ",
                "と",
                "も",
                "か",
            )
        },
        key=len,
        reverse=True,
    )
)


def weighted_grams(text: str) -> dict[str, float]:
    """Terms and how much each says about the topic: Latin words, and bigrams inside each run
    of one script (電話|する gives 電話, not 話す), with kana folded after splitting so
    トランドラン and どらんどらん meet, and Korean particles stripped off each word first."""
    out: dict[str, float] = {}

    def add(terms: list[str], weight: float) -> None:
        for term in terms:
            if out.get(term, 0.0) < weight:
                out[term] = weight

    for cls, run in _runs(fold(text)):
        if cls == "latin":
            run = _EN_SHORT.get(run, run)
            if run.isdigit() or run not in _EN_STOP:
                add([_stem(run)], 1.0)
        elif cls == "hangul":
            if _JAMO_ONLY.match(run):  # ㅋㅋ, ㅎㅎ, ㅠㅠ: laughter and tears, not words
                continue
            add(_bigrams(_strip_particle(run)), 1.0)
        elif cls == "kanji":
            add(_bigrams(run), 1.0)
        elif cls == "katakana" and len(run) > 1:  # a lone kana is a particle
            add(_bigrams(run.translate(_KANA)), 1.0)
        elif cls == "hiragana" and len(run) > 1:
            folded = run.translate(_KANA)
            word = _strip_endings(folded)
            if len(word) >= 4:  # a word written in kana, and the endings after it
                add(_bigrams(word), KANA_WORD_WEIGHT)
            add(_bigrams(folded), HIRAGANA_WEIGHT)
    return out


def grams(text: str) -> list[str]:
    return list(weighted_grams(text))


def has_words(text: str) -> bool:
    """True when the text has any letter or digit (so not empty, emoji-only or punctuation)."""
    return scripts(text[:MAX_MATCH_CHARS]).strip("O") != ""


# Question scaffolding that says nothing about the topic (normalised like messages).
STOP_GRAMS = frozenset(
    grams(
        "ですか ますか ください 教えて 知りたい ってなに って何 なんですか ありますか できますか "
        "どこ いつ どんな どう ですが でしょうか たいです "
        "뭐예요 뭔가요 인가요 있나요 있어요 없어요 해요 돼요 되나요 알려주세요 알려줘 궁금해요 어떻게 "
        "언제 어디 누가 무엇 뭐야 주세요 할까요 싶어요"
    )
)
