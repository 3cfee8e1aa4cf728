"""The office's clock: which time zone people read times in, and times written for them.

Everything is stored as UTC seconds; only what people read (/status, /queue, /show, notices, the
CSV, "is this date past?") is turned into the office's zone, [time] zone in config.toml.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Asia/Seoul"
# Korea has kept UTC+9 without daylight saving since 1988, so this fixed offset is exact for every
# date the bot handles. It is used only when the system has no time zone data (a slim Debian image
# without the tzdata package): the office's own zone must not need an extra install to start.
_SEOUL_FIXED = timezone(timedelta(hours=9), "KST")


def load_zone(name: str) -> tzinfo:
    """The zone of an IANA name; ZoneInfoNotFoundError (a KeyError) or ValueError when unknown."""
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError:
        if name == DEFAULT_ZONE:
            return _SEOUL_FIXED
        raise


@dataclass(frozen=True)
class OfficeZone:
    name: str  # as written in config.toml, e.g. "Asia/Seoul"
    tz: tzinfo

    def local(self, at: float) -> datetime:
        return datetime.fromtimestamp(at, self.tz)

    def today(self, now: float) -> date:
        """The office's calendar day: it decides what "a date in the past" means."""
        return self.local(now).date()

    def format(self, at: float | None) -> str:
        """In a form Excel and people both read: 2026-05-01 18:30 ("" for no time)."""
        return self.local(at).strftime("%Y-%m-%d %H:%M") if at else ""

    def abbreviation(self, at: float) -> str:
        """What to write after a time so nobody takes it for their own zone: KST, JST, UTC…"""
        return self.local(at).tzname() or self.name
