"""What a stored request and its audit events look like to the rest of the program."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from bot.messages import Address
from bot.office_time import OfficeZone

STATUSES = ("new", "claimed", "answered", "closed")
ERASED_ACTOR = "requester (erased)"

REQUEST_COLUMNS = (
    "id, ref, kind, status, answers, channel, chat_id, user_id, lang, assignee, unreachable, "
    "awaiting_answer, created_at, updated_at, closed_at, erased_at"
)


@dataclass(frozen=True)
class Event:
    at: float
    actor: str
    action: str
    text: str | None


@dataclass(frozen=True)
class Request:
    id: int
    ref: str
    kind: str
    status: str
    answers: dict[str, Any]
    channel: str
    chat_id: str
    user_id: str
    lang: str
    assignee: str | None
    unreachable: bool
    awaiting_answer: bool
    created_at: float
    updated_at: float
    closed_at: float | None
    erased_at: float | None
    events: tuple[Event, ...] = field(default=())

    @classmethod
    def from_row(cls, row: Any) -> Request:
        return cls(
            id=row["id"],
            ref=row["ref"],
            kind=row["kind"],
            status=row["status"],
            answers=json.loads(row["answers"]),
            channel=row["channel"],
            chat_id=row["chat_id"],
            user_id=row["user_id"],
            lang=row["lang"],
            assignee=row["assignee"],
            unreachable=bool(row["unreachable"]),
            awaiting_answer=bool(row["awaiting_answer"]),
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            closed_at=row["closed_at"],
            erased_at=row["erased_at"],
        )

    @property
    def requester(self) -> str:
        return f"{self.channel}:{self.user_id}" if self.user_id else ""

    @property
    def address(self) -> Address | None:
        """Where to tell the requester; None once their personal fields are erased."""
        return None if self.erased_at else Address(self.channel, self.chat_id)

    def summary(self, max_chars: int = 40) -> str:
        """A hint for a list (the university or town, usually the form's first field)."""
        for value in self.answers.values():
            text = " ".join(format_value(value).split())
            if text:
                return text if len(text) <= max_chars else text[: max_chars - 1] + "…"
        return ""

    @property
    def contact(self) -> str:
        """The name the requester gave, where the form asks for one."""
        return str(self.answers.get("contact_person") or self.answers.get("name") or "")

    def as_dict(self, zone: OfficeZone) -> dict[str, Any]:
        """JSON-ready, with times readable in the office's zone (for `requests list --json`)."""
        return {
            "ref": self.ref,
            "kind": self.kind,
            "status": self.status,
            "created": zone.format(self.created_at),
            "updated": zone.format(self.updated_at),
            "closed": zone.format(self.closed_at),
            "channel": self.channel,
            "chat_id": self.chat_id,
            "user_id": self.user_id,
            "lang": self.lang,
            "assignee": self.assignee,
            "unreachable": self.unreachable,
            "awaiting_answer": self.awaiting_answer,
            "erased": zone.format(self.erased_at),
            "zone": zone.name,
            "answers": self.answers,
        }


class Refused(Exception):
    """A change that makes no sense in the request's state; `reason` picks the wording.

    The refusal itself is already in the audit trail when this is raised.
    """

    def __init__(self, reason: str, request: Request | None = None, **details: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.request = request
        self.details = details


class NotFound(Exception):
    def __init__(self, ref: str) -> None:
        super().__init__(ref)
        self.ref = ref


def format_value(value: Any) -> str:
    """One answer as text: several values joined with "; ", a photo by its saved path or file id."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return "; ".join(format_value(v) for v in value)
    if isinstance(value, dict):
        for key in ("saved_path", "file_id", "value", "label"):
            if value.get(key):
                return str(value[key])
        return json.dumps(value, ensure_ascii=False)
    return str(value)


REF_PATTERN = re.compile(r"\b[A-Z]{1,3}-\d{4}-\d{4}\b")


def find_ref(text: str) -> str:
    """The one reference a message names ("" when it names none, or several: then which is meant?)."""
    refs = set(REF_PATTERN.findall(text))
    return refs.pop() if len(refs) == 1 else ""


_TYPED_REF = re.compile(r"([A-Z]{1,3})-([0-9]{4})-([0-9]{1,6})", re.ASCII)
MAX_REF_CHARS = 24  # anything longer is no reference; it is kept short in replies and the audit


def normalize_ref(text: str) -> str:
    """What staff type ("l-2026-1 ", "L-2026-0001") to the stored form. Only ASCII digits count:
    str.isdigit() also takes ², ① and ፩, which int() refuses."""
    ref = text.strip().upper()[:MAX_REF_CHARS]
    m = _TYPED_REF.fullmatch(ref)
    if m:
        return f"{m.group(1)}-{m.group(2)}-{int(m.group(3)):04d}"
    return ref
