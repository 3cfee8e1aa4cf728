"""What the bot remembers of one conversation between messages, as typed objects.

Core loads it before a handler runs and saves it afterwards when it changed, so every step of a
form survives a restart. It is stored as JSON; the key names are those the bot has always
written, so conversations saved by earlier versions load unchanged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

# A field answer as stored: text, a number, a list of option values or photos, or None if skipped.
AnswerValue = Any


@dataclass
class FormProgress:
    """One form being filled: where the user is and what they answered so far."""

    kind: str
    token: str  # the submission id, fixed when the form starts: a retried submit is no duplicate
    lang: str
    answers: dict[str, AnswerValue] = field(default_factory=dict)
    at: str = ""  # a field name, or SUMMARY / PICK (handlers/form_flow.py)
    editing: bool = False  # return to the summary after this field
    picked: list[AnswerValue] = field(default_factory=list)  # photos or choices gathered so far
    started: float = 0.0
    touched: float = 0.0
    switch_to: str | None = None  # another form the user asked for; they choose stay or switch
    switch_typed: str = ""
    # another language the last answer was in, not yet enough to switch to (handlers/form_language.py)
    lang_pending: str = ""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "token": self.token,
            "lang": self.lang,
            "answers": self.answers,
            "at": self.at,
            "editing": self.editing,
            "picked": self.picked,
            "started": self.started,
            "touched": self.touched,
        }
        if self.switch_to is not None:
            data["switch_to"], data["switch_typed"] = self.switch_to, self.switch_typed
        if self.lang_pending:
            data["lang_pending"] = self.lang_pending
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FormProgress | None:
        try:
            return cls(
                kind=str(data["kind"]),
                token=str(data["token"]),
                lang=str(data.get("lang", "")),
                answers=dict(data.get("answers") or {}),
                at=str(data.get("at", "")),
                editing=bool(data.get("editing", False)),
                picked=list(data.get("picked") or []),
                started=float(data.get("started", 0.0)),
                touched=float(data.get("touched", 0.0)),
                switch_to=data.get("switch_to"),
                switch_typed=str(data.get("switch_typed", "")),
                lang_pending=str(data.get("lang_pending", "")),
            )
        except (KeyError, TypeError, ValueError):
            return None  # a damaged row loses the form, not the whole conversation


@dataclass
class Suggestion:
    """A "did you mean" shown and not yet settled: the next message takes it or not
    (bot/unanswered/watch.py), and what it was is recorded then."""

    text: str  # what they asked (bounded like the entry it may become)
    lang: str
    score: float  # the matcher's confidence, under [matching] answer_threshold
    topics: list[tuple[str, float]]  # the best of the ranking, with their scores
    offered: list[str]  # the topics offered as buttons

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "lang": self.lang,
            "score": self.score,
            "topics": [[t, s] for t, s in self.topics],
            "offered": self.offered,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Suggestion | None:
        try:
            return cls(
                text=str(data["text"]),
                lang=str(data["lang"]),
                score=float(data.get("score", 0.0)),
                topics=[(str(t), float(s)) for t, s in data.get("topics") or []],
                offered=[str(t) for t in data.get("offered") or []],
            )
        except (KeyError, TypeError, ValueError):
            return None  # a damaged hint: that one suggestion goes unrecorded


@dataclass
class Conversation:
    """One (channel, chat, user)'s settings and progress."""

    lang: str | None = None  # the user's own /lang choice; wins over everything else
    seen_lang: str | None = None  # the language of their last message with letters
    pending_question: str | None = None  # the last question we could not answer, for the staff form
    replying_to: str | None = None  # after the "answer staff" button: the reference their next text answers
    # A message typed while a staff reply awaited an answer is answered as a question; it is kept
    # here, with that reference, so the "send it to the staff" button under it can still file it.
    offer_ref: str | None = None
    offer_text: str | None = None
    form: FormProgress | None = None
    # the reference of their last submitted form: a second tap on its Submit button says so
    last_ref: str | None = None
    suggestion: Suggestion | None = None  # the "did you mean" just shown, until the next message

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, sort_keys=True)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for key in ("lang", "seen_lang", "pending_question", "replying_to", "offer_ref", "offer_text", "last_ref"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        if self.form is not None:
            data["form"] = self.form.to_json()
        if self.suggestion is not None:
            data["suggestion"] = self.suggestion.to_json()
        return data

    @classmethod
    def from_json(cls, text: str | None) -> Conversation:
        try:
            data = json.loads(text) if text else {}
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}

        def text_or_none(key: str) -> str | None:
            value = data.get(key)
            return value if isinstance(value, str) else None

        form = data.get("form")
        suggestion = data.get("suggestion")
        return cls(
            lang=text_or_none("lang"),
            seen_lang=text_or_none("seen_lang"),
            pending_question=text_or_none("pending_question"),
            replying_to=text_or_none("replying_to"),
            offer_ref=text_or_none("offer_ref"),
            offer_text=text_or_none("offer_text"),
            last_ref=text_or_none("last_ref"),
            form=FormProgress.from_json(form) if isinstance(form, dict) else None,
            suggestion=Suggestion.from_json(suggestion) if isinstance(suggestion, dict) else None,
        )

    def prefill(self, name: str) -> str:
        """A value a form field may start from (PREFILLS in bot/forms/model.py)."""
        if name == "pending_question":
            return self.pending_question or ""
        return ""

    def clear_prefill(self, name: str) -> None:
        if name == "pending_question":
            self.pending_question = None
