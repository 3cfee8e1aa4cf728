"""The request queue: requests committed atomically with a human reference, plus their audit.

Every change, staff reply, requester reply, note and refused attempt is written to
request_events in the same transaction as the change itself, with who did it and when.
Status rules: new -> claimed -> answered -> closed; a requester's answer to a staff reply puts
an answered request back to claimed (staff must act again); reopen -> claimed, or new if nobody
has claimed it. Anything else is refused (Refused, with a reason the handlers put into words).
"""

from __future__ import annotations

import asyncio
import builtins
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

from bot.channels.attachments import owner_of, photos_of
from bot.messages import ConversationKey
from bot.office_time import OfficeZone
from bot.requests.export import export_from, export_sqlite_file
from bot.requests.records import ERASED_ACTOR, REQUEST_COLUMNS, Event, NotFound, Refused, Request
from bot.storage.sql import SqlDatabase, SqlRunner

# What an erasure blanks: the answers and who asked. Kind, status, channel, language and dates stay.
_ERASE = "answers='{}', chat_id='', user_id='', awaiting_answer=0, unreachable=0, erased_at=?"
# Event texts that may hold personal data; refusals and status changes carry none.
_PERSONAL_EVENT_ACTIONS = ("reply", "requester_reply", "note", "submitted")

Decide = Callable[[Request], dict[str, Any]]


class _TokenTaken(Exception):
    """Another worker committed this submission token while ours was in flight."""


@dataclass(frozen=True)
class Submitted:
    ref: str
    created: bool  # False when this token was already submitted (a retry after a crash)


class RequestQueue:
    def __init__(
        self,
        store: SqlDatabase,
        clock: Callable[[], float] = time.time,
        zone: tzinfo = UTC,
        attachments: Path | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.zone = zone  # the office's zone: a reference's year is the office's year
        self.attachments = attachments  # where photos are saved: an erasure deletes the person's

    async def submit(
        self, *, token: str, kind: str, prefix: str, answers: dict[str, Any], requester: ConversationKey, lang: str
    ) -> Submitted:
        """Store one request in one transaction; returns only after COMMIT, so the caller may ack.

        The reference's number comes from its (prefix, year) counter row, which the transaction
        holds locked until it commits, so workers of several processes never issue one twice."""
        now = self.clock()
        year = datetime.fromtimestamp(now, self.zone).year
        try:
            async with self.store.transaction() as db:
                rows = await db.fetch("SELECT ref FROM requests WHERE token=?", (token,))
                if rows:
                    return Submitted(str(rows[0][0]), created=False)
                rows = await db.fetch(
                    "INSERT INTO ref_counters(prefix, year, last) VALUES (?, ?, 1) "
                    "ON CONFLICT(prefix, year) DO UPDATE SET last = ref_counters.last + 1 RETURNING last",
                    (prefix, year),
                )
                ref = f"{prefix}-{year}-{int(rows[0][0]):04d}"
                rows = await db.fetch(
                    "INSERT INTO requests(ref, token, kind, answers, channel, chat_id, user_id, lang, created_at, "
                    "updated_at) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT(token) DO NOTHING RETURNING id",
                    (ref, token, kind, json.dumps(answers, ensure_ascii=False), *requester, lang, now, now),
                )
                if not rows:  # the same token committed meanwhile by another worker: ours rolls back
                    raise _TokenTaken
                await db.execute(
                    "INSERT INTO request_events(request_id, at, actor, action) VALUES (?,?,?,?)",
                    (rows[0][0], now, f"{requester.channel}:{requester.user_id}", "submitted"),
                )
        except _TokenTaken:
            rows = await self.store.fetch("SELECT ref FROM requests WHERE token=?", (token,))
            return Submitted(str(rows[0][0]), created=False)
        return Submitted(ref, created=True)

    # -- reading ------------------------------------------------------------------------------

    async def get(self, ref: str, with_events: bool = False) -> Request | None:
        request = await self._get(self.store, ref)
        if request and with_events:
            rows = await self.store.fetch(
                "SELECT at, actor, action, text FROM request_events WHERE request_id=? ORDER BY id", (request.id,)
            )
            events = tuple(Event(row[0], row[1], row[2], row[3]) for row in rows)
            request = replace(request, events=events)
        return request

    async def list(
        self,
        status: str | Iterable[str] | None = None,
        kind: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Request]:
        """Oldest first; `status` is one status or several; at most `limit` (None: all) after `offset`.

        With 100,000 requests, turning every match into a Request to show 30 of them took /queue
        586 ms and `requests list` 4.6 s; a page is read as a page."""
        where, params = _filters(status, kind)
        sql = f"SELECT {REQUEST_COLUMNS} FROM requests{where} ORDER BY created_at, id"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        rows = await self.store.fetch(sql, params)
        return [Request.from_row(row) for row in rows]

    async def count(self, status: str | Iterable[str] | None = None, kind: str | None = None) -> int:
        """How many `list` would return without a limit."""
        where, params = _filters(status, kind)
        rows = await self.store.fetch(f"SELECT COUNT(*) FROM requests{where}", params)
        return int(rows[0][0])

    async def export_csv(self, zone: OfficeZone) -> tuple[int, bytes]:
        """(how many requests, the Excel-ready CSV of all of them), built off the event loop.

        Turning 100,000 rows into requests and the CSV took seconds on the loop, and every other
        user waited that long. From a file, a worker thread reads them on its own read-only
        connection (WAL: it sees what was committed) and builds the file; from a server (or an
        in-memory database), they are read a chunk at a time, other users' turns between chunks."""
        path = self.store.file()
        if path is not None:
            return await asyncio.to_thread(export_sqlite_file, path, zone)
        return await export_from(self.store, zone)

    async def kinds(self) -> builtins.list[str]:
        rows = await self.store.fetch("SELECT DISTINCT kind FROM requests ORDER BY kind")
        return [str(row[0]) for row in rows]

    async def for_requester(self, channel: str, user_id: str) -> builtins.list[Request]:
        rows = await self.store.fetch(
            f"SELECT {REQUEST_COLUMNS} FROM requests WHERE channel=? AND user_id=? AND erased_at IS NULL "
            "ORDER BY created_at, id",
            (channel, str(user_id)),
        )
        return [Request.from_row(row) for row in rows]

    async def awaiting_answer(self, key: ConversationKey) -> Request | None:
        """The latest request whose staff reply this requester has not answered yet, in this chat.

        Asked before every free-text message, so it is a lookup on the event loop (Store.lookup)."""
        rows = await self.store.lookup(
            f"SELECT {REQUEST_COLUMNS} FROM requests WHERE channel=? AND user_id=? AND chat_id=? "
            "AND awaiting_answer=1 AND status != 'closed' ORDER BY updated_at DESC, id DESC LIMIT 1",
            (key.channel, key.user_id, key.chat_id),
        )
        return Request.from_row(rows[0]) if rows else None

    # -- staff operations -----------------------------------------------------------------------

    async def claim(self, ref: str, actor: str) -> Request:
        def decide(r: Request) -> dict[str, Any]:
            if r.status == "closed":
                raise Refused("closed", r)
            if r.assignee == actor and r.status != "new":
                raise Refused("already_yours", r)
            if r.status != "new":
                raise Refused("already_claimed", r, by=r.assignee or "")
            return {"status": "claimed", "assignee": actor}

        return await self._change(ref, actor, "claimed", None, decide)

    async def assign(self, ref: str, actor: str, assignee: str) -> Request:
        """Give the request to a colleague (assignee: their "channel:user" or "web:<id>")."""

        def decide(r: Request) -> dict[str, Any]:
            if r.status == "closed":
                raise Refused("closed", r)
            if r.assignee == assignee:
                raise Refused("already_assigned", r, by=assignee)
            return {"status": "claimed" if r.status == "new" else r.status, "assignee": assignee}

        return await self._change(ref, actor, "assigned", assignee, decide)

    async def reply(self, ref: str, actor: str, text: str) -> Request:
        """Staff text for the requester; the caller delivers it. Sets answered."""

        def decide(r: Request) -> dict[str, Any]:
            if r.status == "new":
                raise Refused("not_claimed", r)
            if r.status == "closed":
                raise Refused("closed", r)
            if r.erased_at:
                raise Refused("erased", r)
            return {"status": "answered", "awaiting_answer": 1}

        return await self._change(ref, actor, "reply", text, decide)

    async def note(self, ref: str, actor: str, text: str) -> Request:
        """An internal note: staff only, never shown to the requester; allowed in any status."""
        return await self._change(ref, actor, "note", text, lambda r: {})

    async def close(self, ref: str, actor: str) -> Request:
        def decide(r: Request) -> dict[str, Any]:
            if r.status == "closed":
                raise Refused("already_closed", r)
            return {"status": "closed", "awaiting_answer": 0, "closed_at": self.clock()}

        return await self._change(ref, actor, "closed", None, decide)

    async def reopen(self, ref: str, actor: str) -> Request:
        def decide(r: Request) -> dict[str, Any]:
            if r.status != "closed":
                raise Refused("not_closed", r)
            return {"status": "claimed" if r.assignee else "new", "closed_at": None}

        return await self._change(ref, actor, "reopened", None, decide)

    async def refuse(self, ref: str, actor: str, attempt: str) -> Request | None:
        """Record an attempt by someone not allowed (a non-staff /claim); None if no such request."""
        async with self.store.transaction() as db:
            request = await self._get(db, ref)
            if request:
                await _event(db, request.id, self.clock(), actor, "refused", attempt)
        return request

    # -- the requester's side -----------------------------------------------------------------

    async def requester_reply(self, ref: str, requester: ConversationKey, text: str) -> Request:
        """The requester answers back into the same request; staff must act again."""

        def decide(r: Request) -> dict[str, Any]:
            if not _belongs(r, requester):
                raise Refused("not_yours", r)
            if r.status == "closed":
                raise Refused("closed", r)
            status = "claimed" if r.status == "answered" else r.status
            # writing to us again proves the requester can be reached
            return {"status": status, "awaiting_answer": 0, "unreachable": 0}

        return await self._change(ref, _actor(requester), "requester_reply", text, decide)

    async def decline_answer(self, ref: str, requester: ConversationKey) -> Request:
        """The requester has nothing to add to the staff reply: stop catching their next message."""

        def decide(r: Request) -> dict[str, Any]:
            if not _belongs(r, requester):
                raise Refused("not_yours", r)
            return {"awaiting_answer": 0}

        return await self._change(ref, _actor(requester), "no_answer", None, decide)

    async def mark_unreachable(self, channel: str, user_id: str) -> int:
        """The channel cannot deliver to this requester (blocked the bot): flag only, nothing else."""
        now = self.clock()
        async with self.store.transaction() as db:
            ids = await _ids(
                db, "channel=? AND user_id=? AND unreachable=0 AND erased_at IS NULL", (channel, str(user_id))
            )
            for request_id in ids:
                await db.execute("UPDATE requests SET unreachable=1 WHERE id=?", (request_id,))
                await _event(db, request_id, now, "system", "unreachable", None)
        return len(ids)

    # -- privacy --------------------------------------------------------------------------------

    async def forget(self, channel: str, user_id: str) -> int:
        """Erase this requester's personal fields in all their requests, and their conversations."""
        now = self.clock()
        user_id = str(user_id)
        async with self.store.transaction() as db:
            ids = await _ids(db, "channel=? AND user_id=? AND erased_at IS NULL", (channel, user_id))
            photos = await _photos(db, ids)
            for request_id in ids:
                await _erase(db, request_id, f"{channel}:{user_id}", now, ERASED_ACTOR, "forget")
            # their lines in the audit of other requests too (a refused /claim, what they tried)
            await db.execute(
                "UPDATE request_events SET actor=?, text=NULL WHERE actor=?", (ERASED_ACTOR, f"{channel}:{user_id}")
            )
            await db.execute("DELETE FROM conversations WHERE channel=? AND user_id=?", (channel, user_id))
            # notices kept for them until they next write: a private chat's id is its user's id
            await db.execute("DELETE FROM pending_notices WHERE channel=? AND chat_id=?", (channel, user_id))
        owner = owner_of(ConversationKey(channel, user_id, user_id))
        await self._after_erasure(photos + (photos_of(self.attachments, owner) if self.attachments else []))
        return len(ids)

    async def _after_erasure(self, photos: builtins.list[Path]) -> None:
        """The erased values gone from every file: the photos deleted, the WAL written back and emptied."""
        for path in photos:
            path.unlink(missing_ok=True)
        await self.store.after_erasure()

    async def purge(self, retention_days: int) -> int:
        """Erase personal fields of requests closed more than retention_days ago."""
        now = self.clock()
        cutoff = now - retention_days * 86400
        async with self.store.transaction() as db:
            rows = await db.fetch(
                "SELECT id, channel, user_id FROM requests WHERE status='closed' AND closed_at < ? "
                f"AND erased_at IS NULL{db.for_update}",
                (cutoff,),
            )
            photos = await _photos(db, [row[0] for row in rows])
            for request_id, channel, user_id in rows:
                await _erase(db, request_id, f"{channel}:{user_id}", now, "system", f"retention {retention_days} days")
        if rows:
            await self._after_erasure(photos)
        return len(rows)

    # -- the one way a request changes ------------------------------------------------------------

    async def _change(self, ref: str, actor: str, action: str, text: str | None, decide: Decide) -> Request:
        """Load, decide, update and audit in one transaction; a refusal is audited, then raised."""
        now = self.clock()
        refusal: Refused | None = None
        async with self.store.transaction() as db:
            request = await self._get(db, ref, lock=True)  # two workers' claims: the second waits, then sees
            if request is None:
                raise NotFound(ref)
            try:
                updates = decide(request)
            except Refused as exc:
                refusal = exc
                await _event(db, request.id, now, actor, "refused", f"{action}: {exc.reason}")
            else:
                updates["updated_at"] = now
                columns = ", ".join(f"{name}=?" for name in updates)
                await db.execute(f"UPDATE requests SET {columns} WHERE id=?", (*updates.values(), request.id))
                await _event(db, request.id, now, actor, action, text)
                request = await self._get(db, ref)
        if refusal:
            raise refusal
        assert request is not None
        return request

    @staticmethod
    async def _get(db: SqlRunner, ref: str, lock: bool = False) -> Request | None:
        lock_clause = db.for_update if lock else ""
        rows = await db.fetch(f"SELECT {REQUEST_COLUMNS} FROM requests WHERE ref=?{lock_clause}", (ref,))
        return Request.from_row(rows[0]) if rows else None


def _actor(key: ConversationKey) -> str:
    return f"{key.channel}:{key.user_id}"


def _belongs(request: Request, key: ConversationKey) -> bool:
    return (request.channel, request.user_id) == (key.channel, key.user_id) and not request.erased_at


def _filters(status: str | Iterable[str] | None, kind: str | None) -> tuple[str, list[object]]:
    """The WHERE clause (with its leading space, or empty) and its parameters for list and count."""
    where: list[str] = []
    params: list[object] = []
    if status is not None:
        statuses = [status] if isinstance(status, str) else list(status)
        where.append(f"status IN ({','.join('?' * len(statuses))})")
        params += statuses
    if kind is not None:
        where.append("kind=?")
        params.append(kind)
    return (" WHERE " + " AND ".join(where) if where else ""), params


async def _event(db: SqlRunner, request_id: int, at: float, actor: str, action: str, text: str | None) -> None:
    await db.execute(
        "INSERT INTO request_events(request_id, at, actor, action, text) VALUES (?,?,?,?,?)",
        (request_id, at, actor, action, text),
    )


async def _ids(db: SqlRunner, where: str, params: tuple[Any, ...]) -> list[int]:
    return [int(row[0]) for row in await db.fetch(f"SELECT id FROM requests WHERE {where}{db.for_update}", params)]


async def _photos(db: SqlRunner, request_ids: list[int]) -> list[Path]:
    """The saved photos among these requests' answers."""
    found: list[Path] = []
    for request_id in request_ids:
        rows = await db.fetch("SELECT answers FROM requests WHERE id=?", (request_id,))
        for value in json.loads(rows[0][0]).values() if rows else ():
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict) and item.get("saved_path"):
                    found.append(Path(str(item["saved_path"])))
    return found


async def _erase(db: SqlRunner, request_id: int, requester: str, now: float, actor: str, why: str) -> None:
    """Blank the personal fields, the texts of replies and notes, and the requester's id in the audit."""
    await db.execute(f"UPDATE requests SET {_ERASE} WHERE id=?", (now, request_id))
    marks = ",".join("?" * len(_PERSONAL_EVENT_ACTIONS))
    await db.execute(
        f"UPDATE request_events SET text=NULL WHERE request_id=? AND action IN ({marks})",
        (request_id, *_PERSONAL_EVENT_ACTIONS),
    )
    await db.execute(
        "UPDATE request_events SET actor=? WHERE request_id=? AND actor=?", (ERASED_ACTOR, request_id, requester)
    )
    await _event(db, request_id, now, actor, "erased", why)
