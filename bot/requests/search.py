"""The queue as the staff console lists it: filtered, searched, one page at a time, with counts.

Kept apart from RequestQueue (which changes requests) because these reads may scan: they run on
the database thread, never on the event loop, and a page is at most PAGE_ROWS rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.requests.records import REQUEST_COLUMNS, STATUSES, Request
from bot.storage.store import Store

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


async def find(store: Store, query: QueueQuery) -> QueuePage:
    where: list[str] = [f"status IN ({','.join('?' * len(query.statuses))})"]
    params: list[object] = list(query.statuses)
    if query.kind:
        where.append("kind=?")
        params.append(query.kind)
    if query.assignee == "none":
        where.append("assignee IS NULL")
    elif query.assignee:
        where.append("assignee=?")
        params.append(query.assignee)
    for word in query.text.split()[:5]:
        pattern = _like(word)
        where.append(
            "(ref LIKE ? ESCAPE '\\' OR answers LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM request_events e "
            "WHERE e.request_id = requests.id AND e.text LIKE ? ESCAPE '\\'))"
        )
        params += [pattern, pattern, pattern]
    order = {"oldest": "created_at, id", "newest": "created_at DESC, id DESC", "updated": "updated_at DESC, id DESC"}
    condition = " AND ".join(where)
    db = store.db
    total = int(list(await db.execute_fetchall(f"SELECT count(*) FROM requests WHERE {condition}", params))[0][0])
    rows = await db.execute_fetchall(
        f"SELECT {REQUEST_COLUMNS} FROM requests WHERE {condition} ORDER BY {order[query.sort]} LIMIT ? OFFSET ?",
        [*params, PAGE_ROWS, (query.page - 1) * PAGE_ROWS],
    )
    requests = [Request.from_row(row) for row in rows]
    return QueuePage(requests, total, await counts(store), await first_replies(store, [r.id for r in requests]))


async def counts(store: Store) -> dict[str, int]:
    rows = await store.db.execute_fetchall("SELECT status, count(*) FROM requests GROUP BY status", ())
    found = {str(row[0]): int(row[1]) for row in rows}
    return {status: found.get(status, 0) for status in STATUSES}


async def first_replies(store: Store, ids: Sequence[int]) -> dict[int, float]:
    if not ids:
        return {}
    rows = await store.db.execute_fetchall(
        f"SELECT request_id, min(at) FROM request_events WHERE action='reply' AND request_id IN "
        f"({','.join('?' * len(ids))}) GROUP BY request_id",
        list(ids),
    )
    return {int(row[0]): float(row[1]) for row in rows}


async def newest_change(store: Store) -> float:
    """When the queue last changed: an open page polls this and reloads its rows only when it moved."""
    rows = list(await store.db.execute_fetchall("SELECT max(updated_at), count(*) FROM requests", ()))
    return float(rows[0][0] or 0) + int(rows[0][1]) / 1e9
