"""The curated knowledge base: one TOML file per topic, validated as a whole.

Loading never stops at the first bad file: every problem in every file is collected, so staff
who edited several entries see them all in one `madoguchi kb check`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

from bot.config import LANGUAGES

LOCAL_KEYS = ("title", "answer", "questions", "keywords")


class KnowledgeError(Exception):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class LocalText:
    title: str
    answer: str
    questions: tuple[str, ...]
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class SourceRef:
    doc: str
    section: dict[str, str]  # per language


@dataclass(frozen=True)
class Source:
    key: str
    file: str
    label: dict[str, str]


@dataclass(frozen=True)
class Topic:
    id: str
    related: tuple[str, ...]
    request: str | None
    sources: tuple[SourceRef, ...]
    text: dict[str, LocalText]
    path: Path

    def local(self, lang: str) -> LocalText:
        return self.text[lang]


@dataclass(frozen=True)
class KnowledgeBase:
    topics: dict[str, Topic]
    sources: dict[str, Source]

    def __len__(self) -> int:
        return len(self.topics)

    def get(self, topic_id: str) -> Topic | None:
        return self.topics.get(topic_id)

    def citation(self, topic: Topic, lang: str) -> str:
        """'クレアソウル 2022, I-⑤' — every source of the topic, in the reader's language.

        Sections of one document are named once after it ('クレアソウル 2022, I-④, 裏表紙（所在地・
        連絡先）'), in the order the topic lists them; documents are separated by ' / '."""
        sections: dict[str, list[str]] = {}
        for ref in topic.sources:
            found = sections.setdefault(ref.doc, [])
            if ref.section[lang] and ref.section[lang] not in found:
                found.append(ref.section[lang])
        return " / ".join(", ".join([self.sources[doc].label[lang], *parts]) for doc, parts in sections.items())


def _non_empty_str(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and bool(value.strip())


def _per_language(value: Any, where: str, problems: list[str]) -> dict[str, str]:
    """A string meant for all languages, or a table {ja, ko, en}."""
    if _non_empty_str(value):
        return {lang: value for lang in LANGUAGES}
    if isinstance(value, dict):
        missing = [lang for lang in LANGUAGES if not _non_empty_str(value.get(lang))]
        if missing:
            problems.append(f"{where}: missing or empty for {', '.join(missing)}")
        return {lang: str(value.get(lang, "")) for lang in LANGUAGES}
    problems.append(f"{where}: must be a non-empty string or a table with ja, ko, en")
    return {lang: "" for lang in LANGUAGES}


def load_sources(path: Path, problems: list[str]) -> dict[str, Source]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        problems.append(f"{path}: cannot read ({exc})")
        return {}
    sources = {}
    for key, entry in data.items():
        where = f"{path}: [{key}]"
        if not isinstance(entry, dict) or not _non_empty_str(entry.get("file")):
            problems.append(f'{where}: needs file = "..."')
            continue
        sources[key] = Source(key, entry["file"], _per_language(entry.get("label"), f"{where} label", problems))
    return sources


def read_toml(path: Path, problems: list[str]) -> dict[str, Any] | None:
    """The parsed file, or None with the reason added to problems (so checking goes on)."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        problems.append(f"{path}: not valid TOML ({exc})")
        return None


def _load_topic(path: Path, problems: list[str]) -> Topic | None:
    data = read_toml(path, problems)
    if data is None:
        return None
    before = len(problems)
    topic_id = data.get("id")
    if not _non_empty_str(topic_id):
        problems.append(f"{path}: 'id' is missing or empty")
        topic_id = path.stem
    elif topic_id != path.stem:
        problems.append(f"{path}: id '{topic_id}' does not match the file name '{path.stem}.toml'")
    related = data.get("related", [])
    if not isinstance(related, list) or not all(_non_empty_str(r) for r in related):
        problems.append(f"{path}: 'related' must be a list of topic ids")
        related = []
    request = data.get("request")
    if request is not None and not _non_empty_str(request):
        problems.append(f"{path}: 'request' must be a form name")
        request = None
    refs = []
    raw_sources = data.get("sources")
    if not isinstance(raw_sources, list) or not raw_sources:
        problems.append(f"{path}: needs at least one [[sources]] block with doc and section")
        raw_sources = []
    for i, src in enumerate(raw_sources, 1):
        if not isinstance(src, dict) or not _non_empty_str(src.get("doc")):
            problems.append(f'{path}: [[sources]] #{i} needs doc = "<key of sources.toml>"')
            continue
        refs.append(
            SourceRef(src["doc"], _per_language(src.get("section"), f"{path}: [[sources]] #{i} section", problems))
        )
    text = {}
    for lang in LANGUAGES:
        local = data.get(lang)
        if not isinstance(local, dict):
            problems.append(f"{path}: the [{lang}] table is missing")
            continue
        for key in LOCAL_KEYS:
            value = local.get(key)
            if key in ("title", "answer"):
                if not _non_empty_str(value):
                    problems.append(f"{path}: [{lang}] {key} is missing or empty")
            elif not isinstance(value, list) or not value or not all(_non_empty_str(v) for v in value):
                problems.append(f"{path}: [{lang}] {key} must be a non-empty list of non-empty strings")
        text[lang] = LocalText(
            title=str(local.get("title", "")).strip(),
            answer=str(local.get("answer", "")).strip(),
            questions=tuple(str(q) for q in local.get("questions", []) if isinstance(q, str)),
            keywords=tuple(str(k) for k in local.get("keywords", []) if isinstance(k, str)),
        )
    unknown = set(data) - {"id", "related", "request", "sources", *LANGUAGES}
    if unknown:
        problems.append(f"{path}: unknown keys {sorted(unknown)} (misspelt?)")
    if len(problems) > before:
        return None
    return Topic(topic_id, tuple(related), request, tuple(refs), text, path)


def load_knowledge(directory: Path, form_names: set[str] | None = None) -> KnowledgeBase:
    """Load and cross-check every topic; raise KnowledgeError listing all problems at once."""
    problems: list[str] = []
    topics_dir = directory / "topics"
    sources = load_sources(directory / "sources.toml", problems)
    files = sorted(topics_dir.glob("*.toml")) if topics_dir.is_dir() else []
    if not files:
        problems.append(f"{topics_dir}: no topic files (*.toml) found")
    topics: dict[str, Topic] = {}
    seen: dict[str, Path] = {}
    for path in files:
        topic = _load_topic(path, problems)
        if topic is None:
            continue
        if topic.id in seen:
            problems.append(f"{path}: id '{topic.id}' is already used by {seen[topic.id]}")
            continue
        seen[topic.id] = path
        topics[topic.id] = topic
    for topic in topics.values():
        for rel in topic.related:
            if rel not in topics:
                problems.append(f"{topic.path}: related id '{rel}' does not exist")
            elif rel == topic.id:
                problems.append(f"{topic.path}: lists itself as related")
        for ref in topic.sources:
            if ref.doc not in sources:
                problems.append(f"{topic.path}: source '{ref.doc}' is not in sources.toml")
        if topic.request and form_names is not None and topic.request not in form_names:
            problems.append(f"{topic.path}: request '{topic.request}' has no form in forms/")
    if problems:
        raise KnowledgeError(problems)
    return KnowledgeBase(topics, sources)
