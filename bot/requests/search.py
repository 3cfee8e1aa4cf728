"""The queue as the staff console lists it: filtered, searched, one page at a time, with counts.

Kept apart from RequestQueue (which changes requests) because these reads may scan: they run on
the database thread, never on the event loop, and a page is at most PAGE_ROWS rows. A text search
scans (LIKE '%word%' uses no index): at 100,000 requests, about 20 ms over the open ones and 200 ms
over all of them (bench/web_console.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.requests.records import REQUEST_COLUMNS, STATUSES, Request
from bot.storage.sql import SqlDatabase

PAGE_ROWS = 50
MAX_QUERY_CHARS = 100
OPEN_STATUSES = ("new", "claimed", "answered")
SORTS = ("oldest", "newest", "updated")


@dataclass(frozen=True)
class QueueQuery:
    statuses: tuple[str, ...] = OPEN_STATUSES
    kind: str = ""
    assignee: str = ""  # an actor ("web:3"), "none" for unassigned, "" for anyone
    text: str = ""  # searched in references, answers (names, towns, …) and the exchange
    sort: str = "oldest"
    page: int = 1

    @classmethod
    def parse(cls, params: dict[str, str], me: str) -> QueueQuery:
        """From a query string, whatever it holds: anything unknown falls back to the default."""
        status = params.get("status", "open")
        statuses = STATUSES if status == "all" else (status,) if status in STATUSES else OPEN_STATUSES
        assignee = params.get("assignee", "")
        assignee = me if assignee == "me" else assignee if assignee == "none" or assignee.startswith("web:") else ""
        page = params.get("page", "1")
        return cls(
            statuses=tuple(statuses),
            kind=params.get("kind", "")[:40],
            assignee=assignee[:60],
            text=" ".join(params.get("q", "").split())[:MAX_QUERY_CHARS],
            sort=params.get("sort", "oldest") if params.get("sort") in SORTS else "oldest",
            page=max(1, min(int(page), 100_000)) if page.isascii() and page.isdigit() else 1,
        )


@dataclass(frozen=True)
class QueuePage:
    requests: list[Request]
    total: int  # matching the query, over all pages
    counts: dict[str, int]  # per status, over the whole queue (not only this query)
    first_replies: dict[int, float]  # request id -> time of the first staff reply, for this page

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_ROWS))


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def find(store: SqlDatabase, query: QueueQuery) -> QueuePage:
    """One page of the query, with its total and the queue's counts.

    A plain filter is counted on the status index and its page read in index order. A text search
    has to test every candidate row (LIKE '%word%' uses no index), so it is tested once: the
    matching ids go to a temporary table that gives both the total and the page. The exchange is
    searched per candidate request through its events' index when the candidates are few (the
    open requests), and by one pass over all events when they are most of the queue (bench/web_console.py).
    """
    whole = await counts(store)
    candidates = sum(whole.get(status, 0) for status in query.statuses)
    # every status: no condition, so a text search reads the table in order instead of through the index
    every = set(query.statuses) >= set(STATUSES)
    where: list[str] = [] if every else [f"status IN ({','.join('?' * len(query.statuses))})"]
    params: list[object] = [] if every else list(query.statuses)
    if query.kind:
        where.append("kind=?")
        params.append(query.kind)
    if query.assignee == "none":
        where.append("assignee IS NULL")
    elif query.assignee:
        where.append("assignee=?")
        params.append(query.assignee)
    # one index probe per candidate, or one scan of request_events: ~5 events a request, so the scan
    # costs about what probing a third of the requests does
    if candidates * 3 > sum(whole.values()):
        in_exchange = "id IN (SELECT request_id FROM request_events WHERE text LIKE ? ESCAPE '\\')"
    else:
        # OFFSET 0: PostgreSQL would otherwise hash the subquery, one pass over all the events
        # (150 ms at 100,000 requests) instead of a probe per open request; SQLite ignores it
        in_exchange = (
            "EXISTS (SELECT 1 FROM request_events e WHERE e.request_id = requests.id AND e.text LIKE ? ESCAPE '\\' "
            "LIMIT 1 OFFSET 0)"
        )
    words = query.text.split()[:5]
    for word in words:
        pattern = _like(word)
        where.append(f"(ref LIKE ? ESCAPE '\\' OR answers LIKE ? ESCAPE '\\' OR {in_exchange})")
        params += [pattern, pattern, pattern]
    order = {"oldest": "created_at, id", "newest": "created_at DESC, id DESC", "updated": "updated_at DESC, id DESC"}
    condition = " AND ".join(where) or "TRUE"
    offset = (query.page - 1) * PAGE_ROWS
    db = store
    if words:
        rows = list(
            await db.fetch(
                f"WITH matched AS MATERIALIZED (SELECT id, created_at, updated_at FROM requests WHERE {condition}) "
                f"SELECT (SELECT count(*) FROM matched) AS total, {_columns('r.')} FROM matched "
                f"JOIN requests r ON r.id = matched.id ORDER BY {_qualified(order[query.sort], 'matched.')} "
                "LIMIT ? OFFSET ?",
                [*params, PAGE_ROWS, offset],
            )
        )
        total = int(rows[0]["total"]) if rows else 0
    else:
        rows = list(
            await db.fetch(
                f"SELECT {REQUEST_COLUMNS} FROM requests WHERE {condition} ORDER BY {order[query.sort]} "
                "LIMIT ? OFFSET ?",
                [*params, PAGE_ROWS, offset],
            )
        )
        total = len(rows) if query.page == 1 and len(rows) < PAGE_ROWS else -1
    if total == -1 or (not rows and query.page > 1):  # past the last page, or more than one page
        found = await db.fetch(f"SELECT count(*) FROM requests WHERE {condition}", params)
        total = int(found[0][0])
    requests = [Request.from_row(row) for row in rows]
    return QueuePage(requests, total, whole, await first_replies(store, [r.id for r in requests]))


def _columns(prefix: str) -> str:
    return ", ".join(prefix + name.strip() for name in REQUEST_COLUMNS.split(","))


def _qualified(order: str, prefix: str) -> str:
    return ", ".join(prefix + term.strip() for term in order.split(","))


async def counts(store: SqlDatabase) -> dict[str, int]:
    rows = await store.fetch("SELECT status, count(*) FROM requests GROUP BY status", ())
    found = {str(row[0]): int(row[1]) for row in rows}
    return {status: found.get(status, 0) for status in STATUSES}


async def first_replies(store: SqlDatabase, ids: Sequence[int]) -> dict[int, float]:
    if not ids:
        return {}
    rows = await store.fetch(
        f"SELECT request_id, min(at) FROM request_events WHERE action='reply' AND request_id IN "
        f"({','.join('?' * len(ids))}) GROUP BY request_id",
        list(ids),
    )
    return {int(row[0]): float(row[1]) for row in rows}


async def newest_change(store: SqlDatabase) -> float:
    """When the queue last changed: an open page polls this and reloads its rows only when it moved."""
    rows = await store.fetch("SELECT max(updated_at), count(*) FROM requests", ())
    return float(rows[0][0] or 0) + int(rows[0][1]) / 1e9
