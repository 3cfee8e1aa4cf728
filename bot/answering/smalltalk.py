"""Small talk: greetings, thanks, laughter, "ok", "bye" in three languages.

People open with 안녕하세요, close with ありがとうございました and laugh with ㅋㅋㅋ; none of that is a
question, and answering it with "I don't have that information" reads as broken. A message that
is nothing but such words (and punctuation, emoji, ~) is small talk; one that opens with them and
goes on ("hi, how do I join the omatsuri?") is a question once they are taken off the front.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# kind -> phrases, compared after folding (NFKC, lower case) and dropping punctuation and spaces
_PHRASES: dict[str, tuple[str, ...]] = {
    "greeting": (
        "こんにちは",
        "こんにちわ",
        "こんばんは",
        "おはよう",
        "おはようございます",
        "はじめまして",
        "よろしく",
        "よろしくお願いします",
        "よろしくおねがいします",
        "よろしくお願いいたします",
        "お世話になっております",
        "お世話になります",
        "お疲れ様です",
        "お疲れさまです",
        "おつかれさまです",
        "もしもし",
        "どうも",
        "안녕",
        "안녕하세요",
        "안녕하십니까",
        "반갑습니다",
        "반가워요",
        "처음뵙겠습니다",
        "잘부탁드립니다",
        "ㅎㅇ",
        "hi",
        "hello",
        "hey",
        "hiya",
        "helo",
        "hellothere",
        "hithere",
        "heythere",
        "goodmorning",
        "goodafternoon",
        "goodevening",
        "greetings",
        "yo",
        "howareyou",
        "howsitgoing",
        "whatsup",
        "sup",
    ),
    "thanks": (
        "ありがとう",
        "ありがとうございます",
        "ありがとうございました",
        "どうもありがとう",
        "どうもありがとうございます",
        "助かりました",
        "助かります",
        "感謝します",
        "サンキュー",
        "감사합니다",
        "감사해요",
        "고마워요",
        "고맙습니다",
        "고마워",
        "감사",
        "땡큐",
        "감사드립니다",
        "ㄱㅅ",
        "ㄳ",
        "thanks",
        "thankyou",
        "thx",
        "ty",
        "thanksalot",
        "thankyousomuch",
        "thanksverymuch",
        "cheers",
        "muchappreciated",
        "appreciateit",
    ),
    "laughter": ("笑", "www", "ww", "草", "ははは", "はは", "lol", "haha", "hahaha", "lmao", "hehe"),
    "ok": (
        "了解",
        "了解です",
        "了解しました",
        "わかりました",
        "分かりました",
        "はい",
        "ok",
        "okay",
        "okey",
        "k",
        "なるほど",
        "そうですか",
        "承知しました",
        "かしこまりました",
        "네",
        "넵",
        "예",
        "알겠습니다",
        "ㅇㅋ",
        "ㅇㅇ",
        "알겠어요",
        "알았어요",
        "오케이",
        "그렇군요",
        "좋아요",
        "좋습니다",
        "sure",
        "cool",
        "great",
        "nice",
        "alright",
        "gotit",
        "isee",
        "understood",
        "good",
        "perfect",
        "fine",
    ),
    "bye": (
        "さようなら",
        "さよなら",
        "またね",
        "では",
        "失礼します",
        "おやすみ",
        "おやすみなさい",
        "お疲れ様でした",
        "お疲れさまでした",
        "おつかれさまでした",
        "また連絡します",
        "またご連絡します",
        "잘있어요",
        "잘있어",
        "バイバイ",
        "안녕히계세요",
        "안녕히가세요",
        "잘가요",
        "수고하세요",
        "수고하셨습니다",
        "또봐요",
        "바이",
        "ㅂㅂ",
        "ㅂㅇ",
        "bye",
        "goodbye",
        "byebye",
        "seeyou",
        "seeya",
        "goodnight",
        "later",
        "takecare",
    ),
    "bot": (
        "あなたは誰",
        "あなたはだれ",
        "ボットですか",
        "ロボットですか",
        "aiですか",
        "人間ですか",
        "누구세요",
        "너누구야",
        "봇이에요",
        "로봇이에요",
        "사람이에요",
        "ai예요",
        "areyouabot",
        "areyouhuman",
        "areyouarobot",
        "areyouai",
        "whoareyou",
        "areyoureal",
    ),
}
# laughter and such written with repeated jamo or letters: ㅋㅋㅋ, ㅎㅎ, ㅠㅠ, wwww, hahaha
# (NFKC turns the jamo ㅋ ㅎ ㅠ ㅜ into their conjoining forms ᄏ ᄒ ᅲ ᅮ, so both are listed)
_REPEATED = re.compile(r"^(?:[ㅋㅎᄏᄒ]{2,}|[ㅠㅜᅲᅮ]{2,}|w{2,}|(?:ha){2,}h?|(?:he){2,}|(?:ja){2,})$")
_SAD = frozenset("ㅠㅜᅲᅮ")
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
# up to three words, then punctuation, then the rest: "Hi! …", "안녕하세요~ …", "ありがとうございます。…"
_HEAD = re.compile(r"^\s*([^\s,.!?、。！？~～]+(?:\s+[^\s,.!?、。！？~～]+){0,2})\s*[,.!?、。！？~～]+\s*(.+)$", re.S)
_PRIORITY = ("thanks", "bye", "greeting", "bot", "sad", "ok", "laughter")  # which one several answer to
MAX_CHARS = 40  # small talk is short; a long message is a question whatever it starts with


# "are you a bot?" however it is put: a bot, AI or human being named as what answers, not as a
# subject ("ロボット展示はありますか" asks about robots, "ボットですか" asks about us)
_BOT_ASK = re.compile(
    r"(?:ボット|ロボット|人間|人工知能|봇|로봇|(?:^|혹시\s*|진짜\s*)사람|인공지능)(?:の方|이)?"
    r"(?:です|でしょう|なの|なん|か|が答|が返|이에요|예요|인가요|이죠|이야|야|냐|니|가 답|\s*[?？]|$)"
    r"|(?<![A-Za-z])AI(?:です|でしょう|なの|なん|が答|が返|예요|인가요|야)"
    r"|\b(?:are you|is this|am i talking to)(?: an?)?(?: real)? (?:bot|robot|ai|human|person|machine)\b",
    re.I,
)
MAX_BOT_QUESTION = 30


@dataclass(frozen=True)
class SmallTalk:
    kind: str  # greeting, thanks, laughter, ok, bye, bot
    rest: str  # what follows the small talk at the front of the message ("" when there is nothing)


def _squash(text: str) -> str:
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).lower())


# keys folded as messages are (NFKC turns the jamo of ㅇㅋ into conjoining forms)
_LOOKUP = {_squash(phrase): kind for kind, phrases in _PHRASES.items() for phrase in phrases}
_LONGEST = max(map(len, _LOOKUP))
_FIRSTS = frozenset(phrase[0] for phrase in _LOOKUP)
_LASTS = frozenset(phrase[-1] for phrase in _LOOKUP)

# emoji by what their Unicode names say: a wave greets, folded hands thank, a thumbs-up agrees
_EMOJI_NAMES = (
    ("thanks", ("FOLDED HANDS", "HEART", "BOUQUET")),
    ("greeting", ("WAVING HAND",)),
    ("sad", ("CRYING", "SAD", "PENSIVE", "DISAPPOINTED", "WORRIED", "WEARY", "ANGUISHED", "FROWNING")),
    ("ok", ("THUMBS UP", "OK HAND", "CHECK MARK", "SQUARED OK", "OK GESTURE", "CLAPPING", "RAISED HAND")),
    ("laughter", ("TEARS OF JOY", "LAUGHING", "GRINNING", "BEAMING", "SMILING", "SMILE", "WINKING", "BLUSH")),
)


def _kind_of(squashed: str) -> str | None:
    if squashed in _LOOKUP:
        return _LOOKUP[squashed]
    if _REPEATED.match(squashed):
        return "sad" if squashed[0] in _SAD else "laughter"
    return None


def _segments(squashed: str) -> list[str] | None:
    """The text as a run of small-talk phrases written together (ではしつれいします, はいありがとう,
    네감사합니다), or None: the fewest pieces, found by dynamic programming over the phrase list."""
    # most messages neither start nor end as a phrase does: two set lookups spare them the search
    # (it cost a question 25-55 us, a tenth of answering it)
    if not squashed or squashed[0] not in _FIRSTS or squashed[-1] not in _LASTS:
        return None
    best: list[list[str] | None] = [[]] + [None] * len(squashed)
    for end in range(1, len(squashed) + 1):
        for start in range(max(0, end - _LONGEST), end):
            before = best[start]
            piece = squashed[start:end]
            if before is not None and _kind_of(piece) is not None:
                if best[end] is None or len(before) + 1 < len(best[end] or ()):
                    best[end] = [*before, piece]
    return best[-1]


def _emoji_kind(text: str) -> str | None:
    """What a message of emoji alone says, by the emoji's names; None when none says anything."""
    kinds = set()
    for char in text:
        name = unicodedata.name(char, "")
        for kind, words in _EMOJI_NAMES:
            if any(word in name for word in words):
                kinds.add(kind)
                break
    return next((k for k in _PRIORITY if k in kinds), None)


def classify(text: str) -> SmallTalk | None:
    """Small talk, with whatever follows it, or None when the message is something else."""
    stripped = text.strip()
    if not stripped:
        return None
    squashed = _squash(stripped)
    if not squashed:  # emoji or punctuation only: a wave greets, 🙏 thanks, 👍 agrees
        kind = _emoji_kind(stripped)
        return SmallTalk(kind, "") if kind is not None else None
    if len(stripped) <= MAX_CHARS:
        kind = _kind_of(squashed)
        if kind is not None:
            return SmallTalk(kind, "")
        # several small-talk words: "ㅎㅎ 감사합니다", "ok thanks!", "はい、ありがとうございます"
        kinds = [_kind_of(part) for part in map(_squash, re.split(r"[\s,.!?、。！？~～]+", stripped)) if part]
        if not (kinds and all(kinds)):  # written together, with no space: はいありがとうございます
            pieces = _segments(squashed)
            kinds = [_kind_of(piece) for piece in pieces] if pieces else []
        if kinds and all(kinds):
            return SmallTalk(next((k for k in _PRIORITY if k in kinds), kinds[0]) or "ok", "")
    if len(stripped) <= MAX_BOT_QUESTION and _BOT_ASK.search(stripped):
        return SmallTalk("bot", "")
    # "안녕하세요! 출강 신청은 어떻게 하나요?": small talk first, then a question
    head = re.match(
        r"^\s*([^\s,.!?、。！？~～]+(?:\s+[^\s,.!?、。！？~～]+){0,2})\s*[,.!?、。！？~～]+\s*(.+)$", stripped, re.S
    )
    if head:
        kind = _kind_of(_squash(head.group(1)))
        if kind in ("greeting", "thanks", "ok") and _squash(head.group(2)):
            return SmallTalk(kind, head.group(2).strip())
    return None
