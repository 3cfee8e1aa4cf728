"""Validators for form answers, chosen by the field's type.

Each returns Valid(value) with the value to store (JSON-friendly), or Invalid(reason, details):
the reason is a key of labels_forms.toml ("err_<reason>"), shown under the field's own error text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.answering.text import scripts
from bot.forms.model import Field, Option
from bot.messages import Photo

TEXT_TYPES = ("text", "name", "long_text", "email", "phone", "date", "dates", "integer", "choice", "choices")
TYPES = TEXT_TYPES + ("photo",)
DEFAULT_MAX_LENGTH = {"text": 300, "name": 300, "long_text": 20_000}
MAX_DATES = 10
MAX_DIGITS = 12  # a whole number longer than this is no count of anything


@dataclass(frozen=True)
class Valid:
    value: Any


@dataclass(frozen=True)
class Invalid:
    reason: str
    details: dict[str, Any] = field(default_factory=dict)


Result = Valid | Invalid


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def validate(f: Field, text: str, photo: Photo | None, today: date) -> Result:
    """Check one typed answer (or photo) against the field; choice buttons go through pick_option.

    today: the office's calendar day (OfficeZone.today), which decides what "past" means."""
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


def _name(f: Field, text: str, today: date) -> Result:
    """A person's or a body's name: letters in any script, at least two of them, and no question."""
    result = _text(f, text, today)
    if isinstance(result, Invalid):
        return result
    value = _nfkc(text)
    letters = sum(1 for s in scripts(value) if s in "HhkKL")
    if letters == 0:  # emoji, punctuation or digits alone
        return Invalid("name_no_letters")
    if "?" in value:  # "wait, is the lecture in Japanese?" is not a name (handlers/form_aside.py answers it)
        return Invalid("name_question")
    if letters < 2:
        return Invalid("name_too_short")
    return result


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
    digits = m.group(1).replace(",", "") if m else ""
    if not m or not digits.isascii():
        return Invalid("integer", {"value": text[:80]})
    low = f.min if f.min is not None else -(10**9)
    high = f.max if f.max is not None else 10**9
    if len(digits) > MAX_DIGITS:  # far out of any range, and int() refuses 4,300 digits and more
        return Invalid("range", {"value": digits[:MAX_DIGITS] + "…", "min": low, "max": high})
    number = int(digits)
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
    """An option's value from its number ("2"), its value, its label in any language, or a phrase
    that names exactly one option ("온라인으로 해 주세요", "online please": _named_option)."""
    key = _norm(typed)
    if key.isascii() and key.isdigit() and len(key) <= 3 and 1 <= int(key) <= len(f.options):
        return f.options[int(key) - 1].value
    for option in f.options:
        if key == option.value or key in (_norm(label) for label in option.label.values()):
            return option.value
    return _named_option(f.options, key)


# "not online", "オンラインじゃなくて", "온라인 말고": a phrase that turns an option down picks nothing
_REFUSAL = re.compile(r"\b(?:not|no|don't|without|instead|rather)\b|n't|じゃな|ではな|以外|말고|아니|싫|빼고")
_PARENTHESES = re.compile(r"[(（]([^)）]*)[)）]")


def _names(option: Option) -> set[str]:
    """What an option may be called: its labels, their head and what is in their brackets, its
    value, and the other words people use for it (`also` in the form file)."""
    names = {option.value.replace("_", " ")}
    for label in option.label.values():
        norm = _norm(label)
        names.add(norm)
        names.add(_PARENTHESES.sub("", norm).strip())
        names.update(inner.strip() for inner in _PARENTHESES.findall(norm))
    names.update(_norm(word) for words in option.also.values() for word in words)
    return {n for n in names if len(n) >= 2}


def _spans(name: str, text: str) -> list[tuple[int, int]]:
    # Latin names stand alone ("online" is not in "onlineshop"); Japanese and Korean have no spaces
    if name.isascii():
        pattern = rf"(?<![a-z0-9]){re.escape(name)}(?![a-z0-9])"
    else:
        pattern = re.escape(name)
    return [(m.start(), m.end()) for m in re.finditer(pattern, text)]


def _named_option(options: tuple[Option, ...], text: str) -> str | None:
    found = [(start, end, o.value) for o in options for name in _names(o) for start, end in _spans(name, text)]
    # "비대면" names online, though "대면" (in person) is inside it: the longer name wins its place
    kept = [
        (start, end, value)
        for start, end, value in found
        if not any(s <= start and end <= e and (e - s) > (end - start) and v != value for s, e, v in found)
    ]
    values = {value for _, _, value in kept}
    if len(values) != 1:
        return None
    rest = text
    for start, end, _ in sorted(kept, reverse=True):
        rest = rest[:start] + " " + rest[end:]
    return None if _REFUSAL.search(rest) else values.pop()


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
    "name": _name,
    "long_text": _text,
    "email": _email,
    "phone": _phone,
    "integer": _integer,
    "date": _date,
    "dates": _dates,
    "choice": _choice,
    "choices": _choices,
}
