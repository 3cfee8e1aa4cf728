"""The figures of the console's dashboard: requests per week by kind, how long the office takes to
first reply and to close, and how old the open requests are.

Read-only and bounded: only the requests created in the weeks shown (index requests_created) and
the open ones (index requests_status_created) are read, whatever the size of the queue.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from bot.office_time import OfficeZone
from bot.storage.sql import SqlDatabase

OPEN_STATUSES = ("new", "claimed", "answered")
DAY = 86400.0
# open requests by how long they have waited, in days: [0, 1), [1, 3), [3, 7), [7, 14), 14 and more
AGE_BOUNDS = (1, 3, 7, 14)


@dataclass(frozen=True)
class WeekFigures:
    monday: date  # the week, Monday to Sunday in the office's zone
    by_kind: dict[str, int]  # requests created that week
    first_reply_hours: float | None  # median, over that week's requests that got a staff reply
    close_hours: float | None  # median, over that week's requests that are closed


@dataclass(frozen=True)
class AgeBucket:
    low_days: int
    high_days: int | None  # None: no upper bound
    count: int
    unreplied: int  # of which no staff reply yet


def week_of(zone: OfficeZone, at: float) -> date:
    day = zone.local(at).date()
    return day - timedelta(days=day.weekday())


def _median_hours(values: list[float]) -> float | None:
    return round(statistics.median(values) / 3600, 1) if values else None


async def weekly(store: SqlDatabase, zone: OfficeZone, now: float, weeks: int) -> list[WeekFigures]:
    """The last `weeks` weeks, the current one last, every week present even when empty."""
    this_monday = week_of(zone, now)
    mondays = [this_monday - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]
    since = min(now - weeks * 7 * DAY, _start_of(zone, mondays[0]))
    rows = await store.fetch(
        "SELECT r.kind, r.created_at, r.status, r.closed_at, "
        "(SELECT min(e.at) FROM request_events e WHERE e.request_id = r.id AND e.action = 'reply') "
        "FROM requests r WHERE r.created_at >= ?",
        (since,),
    )
    kinds: dict[date, dict[str, int]] = {m: {} for m in mondays}
    replies: dict[date, list[float]] = {m: [] for m in mondays}
    closes: dict[date, list[float]] = {m: [] for m in mondays}
    for kind, created, status, closed, first_reply in rows:
        monday = week_of(zone, float(created))
        if monday not in kinds:
            continue
        kinds[monday][str(kind)] = kinds[monday].get(str(kind), 0) + 1
        if first_reply is not None:
            replies[monday].append(float(first_reply) - float(created))
        if status == "closed" and closed is not None:
            closes[monday].append(float(closed) - float(created))
    return [WeekFigures(m, kinds[m], _median_hours(replies[m]), _median_hours(closes[m])) for m in mondays]


def _start_of(zone: OfficeZone, day: date) -> float:
    return datetime.combine(day, time(0), zone.tz).timestamp()


async def open_ages(store: SqlDatabase, now: float) -> list[AgeBucket]:
    rows = await store.fetch(
        f"SELECT r.created_at, EXISTS (SELECT 1 FROM request_events e WHERE e.request_id = r.id "
        f"AND e.action = 'reply') FROM requests r WHERE r.status IN ({','.join('?' * len(OPEN_STATUSES))})",
        OPEN_STATUSES,
    )
    edges = (0, *AGE_BOUNDS)
    counts = [0] * len(edges)
    unreplied = [0] * len(edges)
    for created, replied in rows:
        days = (now - float(created)) / DAY
        slot = sum(1 for bound in AGE_BOUNDS if days >= bound)
        counts[slot] += 1
        unreplied[slot] += 0 if replied else 1
    highs: list[int | None] = [*AGE_BOUNDS, None]
    bounds = enumerate(zip(edges, highs, strict=True))
    return [AgeBucket(low, high, counts[i], unreplied[i]) for i, (low, high) in bounds]
