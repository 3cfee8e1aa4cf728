"""The queue page: requests by status, kind and assignee, searched, oldest first; new ones appear
by themselves (the rows poll and are swapped only when the queue changed). Also the CSV export."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot.channels.web.desk import Desk
from bot.channels.web.guard import PREFIX, Visit
from bot.channels.web.pages.common import html
from bot.requests.records import Request
from bot.requests.search import QueuePage, QueueQuery, find, newest_change

OPEN = ("new", "claimed", "answered")


@dataclass(frozen=True)
class Row:
    request: Request
    assignee: str
    overdue: bool  # waiting longer than the first-response target without a staff reply


def _rows(desk: Desk, page: QueuePage, now: float) -> list[Row]:
    target = desk.config.web.first_response_hours * 3600
    return [
        Row(
            r,
            desk.directory.name_of(r.assignee) if r.assignee else "",
            r.status in OPEN and r.id not in page.first_replies and now - r.created_at > target,
        )
        for r in page.requests
    ]


def _query_string(query: QueueQuery, **changes: object) -> str:
    status = "all" if len(query.statuses) > 3 else "open" if len(query.statuses) == 3 else query.statuses[0]
    params = {"status": status, "kind": query.kind, "assignee": query.assignee, "q": query.text, "sort": query.sort}
    params["page"] = str(query.page)
    params.update({k: str(v) for k, v in changes.items()})
    return urlencode({k: v for k, v in params.items() if v})


async def _context(desk: Desk, request: web.Request, visit: Visit) -> dict[str, Any]:
    me = visit.session.account.actor
    query = QueueQuery.parse(dict(request.query), me)
    page = await find(desk.app.store, query)
    now = desk.app.core.deps.clock()
    names = await desk.directory.names()
    colleagues = sorted(
        {(actor, name) for actor, name in names.items() if actor.startswith("web:")}, key=lambda x: x[1]
    )
    return {
        "query": query,
        "page": page,
        "rows": _rows(desk, page, now),
        "version": f"{await newest_change(desk.app.store):.9f}",
        "qs": _query_string(query),
        "prev_qs": _query_string(query, page=query.page - 1),
        "next_qs": _query_string(query, page=query.page + 1),
        "kinds": [(k, f.title) for k, f in desk.forms.items()],
        "colleagues": colleagues,
        "refresh_ms": int(desk.config.web.refresh_seconds * 1000),
        "hours": int(desk.config.web.first_response_hours),
        "now": now,
    }


async def queue_page(desk: Desk, request: web.Request, visit: Visit) -> web.StreamResponse:
    lang = visit.session.account.lang
    notice = request.query.get("notice", "")
    values = await _context(desk, request, visit)
    return html(desk, "queue.html", lang, visit, notice=notice if notice == "password_changed" else "", **values)


async def queue_rows(desk: Desk, request: web.Request, visit: Visit) -> web.StreamResponse:
    """Polled by an open queue page: 204 (nothing to swap) unless the queue changed since `v`."""
    if request.query.get("v") == f"{await newest_change(desk.app.store):.9f}":
        return web.Response(status=204)
    values = await _context(desk, request, visit)
    return html(desk, "_queue_live.html", visit.session.account.lang, visit, **values)


async def export(desk: Desk, request: web.Request, visit: Visit) -> web.StreamResponse:
    """The same Excel-ready file as /export and `madoguchi requests export`."""
    zone = desk.config.zone
    _, body = await desk.app.requests.export_csv(zone)  # built off the event loop
    name = zone.local(desk.app.core.deps.clock()).strftime("madoguchi-requests-%Y%m%d-%H%M.csv")
    return web.Response(
        body=body,
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def request_link(ref: str) -> str:
    return f"{PREFIX}/r/{ref}"
