"""Japanese read aloud: 出前講座 -> デマエコウザ, so a term written in kana finds its kanji entry.

fugashi (MeCab) with the unidic-lite dictionary gives each word's reading. It is used only while
the matcher's index is built (bot/answering/index.py): the knowledge base's kanji terms are indexed
under their readings too, and a message in kana then shares bigrams with them. Messages are never
read, so answering needs no analyser.

The analyser runs in a child process: reading the knowledge base touches most of its dictionary,
which then stays resident (about 220 MiB) for as long as the process lives. In a child it is gone
when the index is built, and the bot keeps its 40-odd MiB.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import subprocess
import sys

log = logging.getLogger(__name__)

NAME = "fugashi-unidic-lite"


def available() -> bool:
    return importlib.util.find_spec("fugashi") is not None and importlib.util.find_spec("unidic_lite") is not None


def has_kanji(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf" for c in text)


def read_here(texts: list[str]) -> list[str]:
    """Each text with its kanji words replaced by their readings (katakana); the rest as written."""
    import fugashi

    tagger = fugashi.Tagger()
    out = []
    for text in texts:
        words = []
        for word in tagger(text):
            kana = getattr(word.feature, "kana", None)
            words.append(kana if kana and has_kanji(word.surface) else word.surface)
        out.append("".join(words))  # no spaces: a kana message runs across word boundaries (でまえこうざ)
    return out


def read_aloud(texts: list[str]) -> list[str] | None:
    """The readings of the texts, from a child process; None without fugashi (then kana spellings
    of kanji terms simply match less) or when the child fails."""
    if not available():
        log.warning("Japanese readings unavailable (fugashi or unidic-lite missing): kana spellings match less")
        return None
    todo = [t for t in texts if has_kanji(t)]
    try:
        done = subprocess.run(
            [sys.executable, "-m", __name__],
            input=json.dumps(todo),
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=300,
            check=True,
        )
        read = json.loads(done.stdout)
    except (OSError, ValueError, subprocess.SubprocessError) as exc:
        log.warning("Japanese readings failed (%s): kana spellings of kanji terms will match less", exc)
        return None
    if not isinstance(read, list) or len(read) != len(todo):
        return None
    readings = dict(zip(todo, read, strict=True))
    return [readings.get(t, t) for t in texts]


if __name__ == "__main__":  # the child: texts as a JSON list on stdin, their readings on stdout
    sys.stdout.write(json.dumps(read_here(json.loads(sys.stdin.read())), ensure_ascii=False))
