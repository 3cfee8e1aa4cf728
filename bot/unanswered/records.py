"""The unanswered log's records: a counted question, an entry to keep, an entry kept, a week's counts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

KINDS = ("none", "ignored_suggestion", "low_confidence")
MAX_TEXT = 500  # characters kept of a question: enough to read it, bounded whatever was sent
MAX_TOPICS = 3
Topics = tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Counted:
    """One knowledge question, answered or not: a count, nothing personal."""

    at: float
    lang: str
    answered: bool


@dataclass(frozen=True)
class NewEntry:
    """An entry to keep: what was asked, by whom, and the topics the matcher found closest."""

    at: float
    channel: str
    chat_id: str
    user_id: str
    lang: str
    kind: str
    text: str
    topics: Sequence[tuple[str, float]]


@dataclass(frozen=True)
class Unanswered:
    id: int
    at: float
    lang: str
    kind: str
    text: str
    topics: Topics
    channel: str
    chat_id: str
    user_id: str = ""  # who asked (a private chat's id is its user's): the request send_to_staff files names them


@dataclass(frozen=True)
class WeekCount:
    week: str  # the office week's Monday, YYYY-MM-DD
    lang: str
    answered: int
    unanswered: int


class EntryNotFound(LookupError):
    """send_to_staff: no such entry (erased, purged, or never there)."""
