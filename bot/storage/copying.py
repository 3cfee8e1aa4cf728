"""Copying every table of one database into another, a batch at a time (`madoguchi db copy`;
bot/cli/db.py says how it is used and what it prints).

Rows are read in key order and inserted with ON CONFLICT (primary key) DO NOTHING, so a second run
copies nothing twice; a row the target already has is compared with the source's. Written in the
SQL both stores speak (bot/storage/sql.py), apart from reading each one's tables and columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.storage.contracts import Database

# every table of both schemas that is copied, parents before children, with its primary key
TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("conversations", ("channel", "chat_id", "user_id")),
    ("button_payloads", ("token",)),
    ("pending_notices", ("id",)),
    ("requests", ("id",)),
    ("ref_counters", ("prefix", "year")),
    ("request_events", ("id",)),
    ("staff_accounts", ("id",)),
    ("staff_identities", ("identity",)),
    ("staff_sessions", ("token_hash",)),
    ("unanswered", ("id",)),
    ("question_counts", ("week", "lang")),
)
NOT_COPIED = {
    "login_failures": "short-lived lockout data, not copied",
    "schema_migrations": "",  # each database's own
    "store_opened": "",  # SQLite's check that the file is writable
}
BATCH = 1000
MAX_PARAMETERS = 30000  # per statement: PostgreSQL allows 32767, SQLite (3.32 and later) 32766
KEYS_PER_LOOKUP = 300  # rows already there, read back from the target this many at a time


class Refused(Exception):
    """The copy cannot start; the message says why and what to do (exit status 2)."""


def _q(name: str) -> str:
    return f'"{name}"'


@dataclass
class Copied:
    table: str
    copied: int = 0
    present: int = 0  # already on the target, left as it was
    differ: int = 0  # of those, rows not equal to the source's
    total: int = 0  # on the target afterwards


class Copy:
    def __init__(
        self, source: Database, source_backend: str, target: Database, target_backend: str, batch: int
    ) -> None:
        self.source, self.source_backend = source, source_backend
        self.target, self.target_backend = target, target_backend
        self.batch = max(1, batch)

    async def tables(self, db: Database, backend: str) -> set[str]:
        if backend == "sqlite":
            rows = await db.fetch(
                "SELECT name FROM sqlite_master WHERE type='table' AND substr(name, 1, 7) <> 'sqlite_'"
            )
        else:
            rows = await db.fetch(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            )
        return {str(row[0]) for row in rows}

    async def columns(self, db: Database, backend: str, table: str) -> list[str]:
        if backend == "sqlite":
            return [str(row[1]) for row in await db.fetch(f"PRAGMA table_info({_q(table)})")]
        rows = await db.fetch(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
            (table,),
        )
        return [str(row[0]) for row in rows]

    async def check_schemas(self) -> None:
        known = {name for name, _ in TABLES} | set(NOT_COPIED)
        unknown = sorted((await self.tables(self.source, self.source_backend)) - known)
        if unknown:
            raise Refused(
                f"the source has tables this command does not know: {', '.join(unknown)}; "
                "a newer Madoguchi made them: copy with that version"
            )
        for table, _ in TABLES:
            theirs = await self.columns(self.source, self.source_backend, table)
            ours = await self.columns(self.target, self.target_backend, table)
            if set(theirs) != set(ours):
                raise Refused(
                    f"{table} has other columns on the target than on the source ({', '.join(ours)} against "
                    f"{', '.join(theirs)}): both should be the same version of Madoguchi"
                )

    async def count(self, db: Database, table: str) -> int:
        return int((await db.fetch(f"SELECT count(*) FROM {_q(table)}"))[0][0])

    async def table(self, table: str, key: tuple[str, ...]) -> Copied:
        columns = await self.columns(self.source, self.source_backend, table)
        at = [columns.index(k) for k in key]
        listed = ", ".join(map(_q, columns))
        order = ", ".join(map(_q, key))
        marks = ", ".join("?" * len(key))
        size = max(1, min(self.batch, MAX_PARAMETERS // len(columns)))
        first = f"SELECT {listed} FROM {_q(table)} ORDER BY {order} LIMIT ?"
        after = f"SELECT {listed} FROM {_q(table)} WHERE ({order}) > ({marks}) ORDER BY {order} LIMIT ?"
        one_row = "(" + ", ".join("?" * len(columns)) + ")"
        done = Copied(table)
        last: tuple[Any, ...] | None = None
        while True:
            if last is None:
                page = await self.source.fetch(first, (size,))
            else:
                page = await self.source.fetch(after, (*last, size))
            if not page:
                break
            rows = [tuple(row) for row in page]
            last = tuple(rows[-1][i] for i in at)
            insert = (
                f"INSERT INTO {_q(table)} ({listed}) VALUES {', '.join([one_row] * len(rows))} "
                f"ON CONFLICT ({order}) DO NOTHING RETURNING {order}"
            )
            async with self.target.transaction() as db:
                added = {tuple(row) for row in await db.fetch(insert, [v for row in rows for v in row])}
            done.copied += len(added)
            present = [row for row in rows if tuple(row[i] for i in at) not in added]
            done.present += len(present)
            done.differ += await self.differing(table, listed, key, at, present)
            if len(rows) < size:
                break
        if self.target_backend == "postgresql" and key == ("id",):
            await self.move_sequence(table)
        done.total = await self.count(self.target, table)
        return done

    async def differing(
        self, table: str, listed: str, key: tuple[str, ...], at: list[int], present: list[tuple[Any, ...]]
    ) -> int:
        """How many of these source rows, whose keys the target has already, it holds otherwise."""
        differ = 0
        for start in range(0, len(present), KEYS_PER_LOOKUP):
            chunk = present[start : start + KEYS_PER_LOOKUP]
            if len(key) == 1:
                where = f"{_q(key[0])} IN ({', '.join('?' * len(chunk))})"
            else:
                one = "(" + " AND ".join(f"{_q(k)} = ?" for k in key) + ")"
                where = " OR ".join([one] * len(chunk))
            params = [row[i] for row in chunk for i in at]
            theirs = {
                tuple(row[i] for i in at): tuple(row)
                for row in (await self.target.fetch(f"SELECT {listed} FROM {_q(table)} WHERE {where}", params))
            }
            differ += sum(1 for row in chunk if theirs.get(tuple(row[i] for i in at)) != row)
        return differ

    async def move_sequence(self, table: str) -> None:
        """The identity sequence past the largest id there (never back): the next insert gets a new id."""
        await self.target.execute(
            "SELECT setval(s, GREATEST(m, COALESCE(pg_sequence_last_value(s), 0))) FROM "
            f"(SELECT pg_get_serial_sequence(?, 'id')::regclass AS s, (SELECT max(id) FROM {_q(table)}) AS m) AS x "
            "WHERE s IS NOT NULL AND m IS NOT NULL",
            (table,),
        )
