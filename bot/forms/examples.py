"""Example dates in a form's prompts, hints and errors, computed from the office's today.

A form file writes `{date}` where an example date belongs, so no example is ever in the past:
"例: {date}、{day}" reads "例: 2026-07-01、7月8日" on 1 June 2026 and moves on with the calendar.
"""

from __future__ import annotations

import string
from datetime import date, timedelta

MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# the placeholders a form text may use, and what each becomes (documented in knowledge/README.md)
PLACEHOLDERS = {
    "date": "a date about a month ahead, as 2026-07-01",
    "day": "a week after {date}, as people write it: 7月8日, 7월 8일, 8 July",
    "month": "the month after next, with its year: 2026年8月, 2026년 8월, August 2026",
    "later_month": "the month after {month}, without the year: 9月, 9월, September",
}


def _add_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _day(d: date, lang: str) -> str:
    if lang == "ja":
        return f"{d.month}月{d.day}日"
    if lang == "ko":
        return f"{d.month}월 {d.day}일"
    return f"{d.day} {MONTHS_EN[d.month - 1]}"


def _month(d: date, lang: str, with_year: bool) -> str:
    if lang == "ja":
        return f"{d.year}年{d.month}月" if with_year else f"{d.month}月"
    if lang == "ko":
        return f"{d.year}년 {d.month}월" if with_year else f"{d.month}월"
    name = MONTHS_EN[d.month - 1]
    return f"{name} {d.year}" if with_year else name


def example_values(lang: str, today: date) -> dict[str, str]:
    first = today + timedelta(days=30)
    month = _add_months(today, 2)
    return {
        "date": first.isoformat(),
        "day": _day(first + timedelta(days=7), lang),
        "month": _month(month, lang, with_year=True),
        "later_month": _month(_add_months(month, 1), lang, with_year=False),
    }


def fill(text: str, lang: str, today: date) -> str:
    """The text with its placeholders filled in (the registry has checked them all)."""
    if "{" not in text:
        return text
    return text.format(**example_values(lang, today))


def unknown_placeholders(text: str) -> list[str]:
    """Placeholders the text uses that are not in PLACEHOLDERS; a stray "{" or "}" is one too."""
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError:
        return ["{ or } (write {{ or }} for the character itself)"]
    return [f"{{{name}}}" for name in fields if name not in PLACEHOLDERS]
