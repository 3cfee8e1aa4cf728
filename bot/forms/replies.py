"""Prepared replies for staff (knowledge/replies.toml): data beside the forms, edited without code."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from bot.answering.knowledge import KnowledgeError
from bot.config import LANGUAGES


@dataclass(frozen=True)
class CannedReply:
    id: str
    title: dict[str, str]
    text: dict[str, str]
    kinds: tuple[str, ...]  # the kinds of request it suits; () for all

    def fits(self, kind: str) -> bool:
        return not self.kinds or kind in self.kinds

    def for_request(self, lang: str, ref: str) -> str:
        # a plain replacement, not str.format: a brace in the text is never taken as a field
        return self.text.get(lang, self.text["en"]).replace("{ref}", ref)


def load_replies(path: Path, kinds: set[str]) -> list[CannedReply]:
    """Every problem at once, as KnowledgeError, like the topics and forms; [] without the file."""
    if not path.is_file():
        return []
    where = path.name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise KnowledgeError([f"{where}: not valid TOML ({exc})"]) from exc
    problems: list[str] = []
    replies: list[CannedReply] = []
    seen: set[str] = set()
    for i, entry in enumerate(data.get("reply", []), 1):
        rid = entry.get("id")
        label = f"{where} reply {i}" + (f" ({rid})" if rid else "")
        if not isinstance(rid, str) or not rid:
            problems.append(f"{label}: needs an id")
            continue
        if rid in seen:
            problems.append(f"{label}: the id is used twice")
        seen.add(rid)
        title = entry.get("title", {})
        missing = [lang for lang in LANGUAGES if not isinstance(entry.get(lang), str) or not entry[lang].strip()]
        missing_title = [lang for lang in LANGUAGES if not isinstance(title, dict) or not title.get(lang)]
        if missing:
            problems.append(f"{label}: no text in {', '.join(missing)}")
        if missing_title:
            problems.append(f"{label}: no title in {', '.join(missing_title)}")
        entry_kinds = entry.get("kinds", [])
        unknown = [k for k in entry_kinds if k not in kinds]
        if unknown:
            problems.append(f"{label}: unknown kinds {unknown} (the forms are {sorted(kinds)})")
        if not missing and not missing_title and not unknown:
            replies.append(
                CannedReply(
                    rid,
                    {lang: title[lang] for lang in LANGUAGES},
                    {lang: entry[lang] for lang in LANGUAGES},
                    tuple(entry_kinds),
                )
            )
    if problems:
        raise KnowledgeError(problems)
    return replies
