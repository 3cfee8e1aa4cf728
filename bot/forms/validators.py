"""Validators for form answers, chosen by the field's type.

Each returns Valid(value) with the value to store (JSON-friendly), or Invalid(reason, details):
the reason is a key of labels_forms.toml ("err_<reason>"), shown under the field's own error text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from bot.forms.model import Field
from bot.messages import Photo

TEXT_TYPES = ("text", "long_text", "email", "phone", "date", "dates", "integer", "choice", "choices")
TYPES = TEXT_TYPES + ("photo",)
DEFAULT_MAX_LENGTH = {"text": 300, "long_text": 20_000}
MAX_DATES = 10
# The office's calendar decides what "past" means: Seoul time, which has no daylight saving.
OFFICE_TZ = timezone(timedelta(hours=9))


@dataclass(frozen=True)
class Valid:
    value: Any


@dataclass(frozen=True)
class Invalid:
    reason: str
    details: dict[str, Any] = field(default_factory=dict)


Result = Valid | Invalid


def office_today(now: float) -> date:
    return datetime.fromtimestamp(now, OFFICE_TZ).date()


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def validate(f: Field, text: str, photo: Photo | None, today: date) -> Result:
    """Check one typed answer (or photo) against the field; choice buttons go through pick_option."""
    if f.type == "photo":
        if photo is None:
            return Invalid("need_photo")
        return Valid({"file_id": photo.file_id, "saved_path": photo.saved_path, "size": photo.size})
    if photo is not None:
        return Invalid("need_text")
    text = text.strip()
    if not text:
        return Invalid("empty")
    return _CHECKS[f.type](f, text, today)


# -- free text -------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text(f: Field, text: str, today: date) -> Result:
    limit = f.max_length or DEFAULT_MAX_LENGTH.get(f.type, DEFAULT_MAX_LENGTH["text"])
    if len(text) > limit:
        return Invalid("too_long", {"max": limit, "length": len(text)})
    return Valid(_CONTROL.sub("", text))


# -- e-mail and phone ------------------------------------------------------------------------

_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}$"
)


def _email(f: Field, text: str, today: date) -> Result:
    value = _nfkc(text)  # full-width ＠ and letters typed on a Japanese keyboard
    local, _, domain = value.rpartition("@")
    if len(value) > 254 or not _EMAIL.match(value) or ".." in local or local.startswith("."):
        return Invalid("email", {"value": text[:80]})
    return Valid(f"{local}@{domain.lower()}")


_PHONE_CHARS = re.compile(r"^\+?[\d\s().-]+$")


def _phone(f: Field, text: str, today: date) -> Result:
    value = _nfkc(text).replace("ー", "-").replace("−", "-")
    digits = sum(ch.isdigit() for ch in value)
    if not _PHONE_CHARS.match(value) or not 7 <= digits <= 15:
        return Invalid("phone", {"value": text[:80]})
    return Valid(value)


# -- whole numbers ---------------------------------------------------------------------------

_INTEGER = re.compile(
    r"^(?:約|약|about|approx\.?|approximately|around|ca\.?)?\s*(\d{1,3}(?:,\d{3})+|\d+)\s*"
    r"(?:名|人|명|people|persons?|students?|participants?)?\s*(?:程度|くらい|ぐらい|정도|쯤)?$"
)


def _integer(f: Field, text: str, today: date) -> Result:
    m = _INTEGER.match(_nfkc(text).lower())
    if not m:
        return Invalid("integer", {"value": text[:80]})
    number = int(m.group(1).replace(",", ""))
    low = f.min if f.min is not None else -(10**9)
    high = f.max if f.max is not None else 10**9
    if not low <= number <= high:
        return Invalid("range", {"value": number, "min": low, "max": high})
    return Valid(number)


# -- dates -----------------------------------------------------------------------------------

_MONTHS = {
    name: i
    for i, name in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)
}
_MON = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DATE = re.compile(
    rf"(?P<y1>\d{{4}})\s*[-/.]\s*(?P<m1>\d{{1,2}})\s*[-/.]\s*(?P<d1>\d{{1,2}})"
    rf"|(?P<y2>\d{{4}})\s*[年년]\s*(?P<m2>\d{{1,2}})\s*[月월]\s*(?P<d2>\d{{1,2}})\s*[日일]?"
    rf"|(?P<m3>\d{{1,2}})\s*[月월]\s*(?P<d3>\d{{1,2}})\s*[日일]?"
    rf"|(?<![\d/])(?P<m4>\d{{1,2}})\s*/\s*(?P<d4>\d{{1,2}})(?![\d/])"
    rf"|(?P<n5>{_MON})\s*(?P<d5>\d{{1,2}})(?:st|nd|rd|th)?(?:\s*,?\s*(?P<y5>\d{{4}}))?"
    rf"|(?P<d6>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<n6>{_MON})(?:\s*,?\s*(?P<y6>\d{{4}}))?"
)
# What may stand between dates: separators, "and"/"or", weekdays in brackets, particles.
_BETWEEN = re.compile(
    r"[\s,、，;；・/]|\band\b|\bor\b|\bthe\b|\bon\b|と|や|か|および|及び|または|과|와|및|또는|이나|"
    r"[(（][^)）]{0,12}[)）]|\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?"
)


def _one_date(m: re.Match[str], today: date) -> date | None:
    g = m.groupdict()
    for i in "123456":
        month = g.get(f"m{i}")
        if month is None and g.get(f"n{i}"):
            month = str(_MONTHS[g[f"n{i}"][:3]])
        if month is None:
            continue
        year, day = g.get(f"y{i}"), int(g[f"d{i}"])
        try:
            if year:
                return date(int(year), int(month), day)
            # a date without a year means its next occurrence
            d = date(today.year, int(month), day)
            return d if d >= today else date(today.year + 1, int(month), day)
        except ValueError:
            return None
    return None


def parse_dates(text: str, today: date) -> Result:
    """2026-12-03, 2026/12/3, 12月3日, 12월 3일, Dec 3 2026; several separated by commas or 、."""
    value = _nfkc(text).lower()
    found: list[date] = []
    for m in _DATE.finditer(value):
        d = _one_date(m, today)
        if d is None:
            return Invalid("not_date", {"value": m.group(0)})
        found.append(d)
    leftover = _BETWEEN.sub(" ", _DATE.sub(" ", value)).strip()
    if not found or leftover:
        return Invalid("not_date", {"value": (leftover or text)[:40]})
    past = [d for d in found if d < today]
    if past:
        return Invalid("past", {"value": past[0].isoformat(), "today": today.isoformat()})
    unique = sorted(set(found))
    if len(unique) > MAX_DATES:
        return Invalid("too_many_dates", {"max": MAX_DATES})
    return Valid([d.isoformat() for d in unique])


def _dates(f: Field, text: str, today: date) -> Result:
    return parse_dates(text, today)


def _date(f: Field, text: str, today: date) -> Result:
    result = parse_dates(text, today)
    if isinstance(result, Valid):
        if len(result.value) != 1:
            return Invalid("one_date")
        return Valid(result.value[0])
    return result


# -- choices ---------------------------------------------------------------------------------

_LIST_SEP = re.compile(r"[,、，;；\n]+|\s+and\s+|と|및")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", _nfkc(text).lower())


def pick_option(f: Field, typed: str) -> str | None:
    """An option's value from its number ("2"), its value, or its label in any language."""
    key = _norm(typed)
    if key.isdigit() and 1 <= int(key) <= len(f.options):
        return f.options[int(key) - 1].value
    for option in f.options:
        if key == option.value or key in (_norm(label) for label in option.label.values()):
            return option.value
    return None


def _choice(f: Field, text: str, today: date) -> Result:
    value = pick_option(f, text)
    if value is None:
        return Invalid("not_offered", {"value": text[:40]})
    return Valid(value)


def _choices(f: Field, text: str, today: date) -> Result:
    picked: list[str] = []
    for part in (p for p in _LIST_SEP.split(text) if p.strip()):
        value = pick_option(f, part)
        if value is None:
            return Invalid("not_offered", {"value": part.strip()[:40]})
        if value not in picked:
            picked.append(value)
    if not picked:
        return Invalid("empty")
    return Valid([o.value for o in f.options if o.value in picked])


_CHECKS = {
    "text": _text,
    "long_text": _text,
    "email": _email,
    "phone": _phone,
    "integer": _integer,
    "date": _date,
    "dates": _dates,
    "choice": _choice,
    "choices": _choices,
}
