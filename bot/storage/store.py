"""The one object that owns the SQLite database.

Schema changes are numbered migrations, each applied in its own transaction. The database runs in
WAL mode with synchronous=FULL: once a commit returns, a SIGKILL or power cut cannot take it back,
which is what lets us acknowledge a request only after its commit.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from pathlib import Path

import aiosqlite

from bot.conversation import Conversation
from bot.messages import Address, ConversationKey
from bot.storage.batching import SaveBatcher, Saves
from bot.storage.errors import StorageUnavailable
from bot.storage.migrations import MIGRATIONS
from bot.storage.sql import Row

_UNLOCKED: AbstractAsyncContextManager[None] = nullcontext()
_MINE: AbstractAsyncContextManager[bool] = nullcontext(True)
BUSY_TIMEOUT_MS = 5000  # how long a write waits for a lock another process holds ([storage] lock_wait_seconds)


class StoreError(StorageUnavailable):
    """The database cannot be opened, migrated or written; the message names the file and why."""

    def __init__(self, path: Path, cause: BaseException) -> None:
        self.path = path
        self.cause = cause
        reason = str(cause) or type(cause).__name__
        hint = _HINTS.get(reason.split(":")[0].strip().lower(), "check the file and the folder it is in")
        super().__init__(f"database {path}: {reason}. Fix: {hint} ([storage] url in config.toml names it).")


_HINTS = {
    "file is not a database": "the file is damaged or is not a Madoguchi database: restore it from a backup, or "
    "move it away to start empty",
    "attempt to write a readonly database": "make the file and its folder writable by this user",
    "unable to open database file": "make sure the folder exists and this user may create files in it",
    "database is locked": "another process holds the database; stop it, or wait and start again",
    "database or disk is full": "free some disk space",
    "disk i/o error": "check the disk",
}


class SqliteRunner:
    """Statements inside one transaction on the store's connection (bot/storage/sql.SqlRunner)."""

    for_update = ""  # BEGIN IMMEDIATE has locked the whole database for this transaction

    def __init__(self, db: aiosqlite.Connection) -> None:
        self.db = db

    async def fetch(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        # execute_fetchall: one trip to the database thread instead of three (execute, fetch, close)
        return list(await self.db.execute_fetchall(sql, params))

    async def execute(self, sql: str, params: Sequence[object] = ()) -> None:
        await self.db.execute(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        await self.db.executemany(sql, rows)


class Store:
    """SQLite's store: the core's contract (bot/storage/contracts.CoreStore) and the SQL the
    query modules run (bot/storage/sql.SqlDatabase)."""

    for_update = ""
    shared = False  # one process writes a SQLite file (bot/storage/contracts.NoticeStore)

    def __init__(
        self,
        db: aiosqlite.Connection,
        path: Path,
        lock_wait_seconds: float = BUSY_TIMEOUT_MS / 1000,
        reader: sqlite3.Connection | None = None,
    ) -> None:
        self.db = db
        self.path = path
        # Reads that every message makes (its conversation; an awaited answer) by key, on the event
        # loop itself: a handful of microseconds each, where a trip to aiosqlite's thread and back
        # costs a hundred or more (bench/line_throughput.py). WAL lets them run beside any write
        # and see exactly what was committed. None for an in-memory database, which a second
        # connection could not see.
        self.reader = reader
        # One connection is shared by all coroutines: without this lock, another coroutine's
        # statement could land inside our open transaction (and be rolled back with it).
        self.write_lock = asyncio.Lock()
        # the longest a write waits in all: first for this process's other writes (the lock above),
        # then, in SQLite's busy timeout, for another process's; then it fails as "database is locked"
        self.lock_wait = lock_wait_seconds
        self._busy_ms = int(lock_wait_seconds * 1000)
        # conversation saves waiting for the next shared commit (bot/storage/batching.py)
        self.saves = SaveBatcher(self._commit_saves)

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[aiosqlite.Connection]:
        """The write lock, waited for so that the whole write waits at most lock_wait seconds.

        Without the bound, writes queued behind one that waits out another process's lock each
        waited their own full busy timeout after it: a Submit said "busy" after 14 s, not 5
        (bench/reliability.py)."""
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.lock_wait):
                await self.write_lock.acquire()
        except TimeoutError:
            raise sqlite3.OperationalError("database is locked (other writes of this process waited)") from None
        try:
            left = max(1, int((self.lock_wait - (time.monotonic() - started)) * 1000))
            if abs(left - self._busy_ms) > 100:  # a PRAGMA only when the wait left changed much
                await self.db.execute(f"PRAGMA busy_timeout={left}")
                self._busy_ms = left
            yield self.db
        finally:
            self.write_lock.release()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqliteRunner]:
        """BEGIN IMMEDIATE .. COMMIT under the write lock; ROLLBACK on any error."""
        async with self.writing():
            try:
                await self.db.execute("BEGIN IMMEDIATE")
                yield SqliteRunner(self.db)
                await self.db.execute("COMMIT")
            except BaseException:
                await self._roll_back()
                raise

    async def _roll_back(self) -> None:
        """ROLLBACK whatever is open, under the write lock still held.

        Also after a task was cancelled while it awaited BEGIN or COMMIT: aiosqlite's thread still
        runs that statement, and a BEGIN left open made every later write of the process fail with
        "cannot start a transaction within a transaction". Its queue keeps order, so this ROLLBACK
        runs after it; shielded, so a second cancellation cannot stop it being queued."""
        try:
            await asyncio.shield(self.db.execute("ROLLBACK"))
        except sqlite3.OperationalError:
            pass  # nothing was open: the BEGIN failed, or the COMMIT went through

    @classmethod
    async def open(cls, path: Path, lock_wait_seconds: float = BUSY_TIMEOUT_MS / 1000) -> Store:
        """The store, migrated; StoreError naming the file and the cause if it cannot be opened,
        migrated or written. Nothing is left running then: a supervisor can restart at once."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = await aiosqlite.connect(str(path), isolation_level=None)  # we manage transactions
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(path, exc) from exc
        try:
            db.row_factory = aiosqlite.Row
            # a lock held elsewhere makes a write wait this long, then fail with "try again"
            await db.execute(f"PRAGMA busy_timeout={int(lock_wait_seconds * 1000)}")
            await db.execute("PRAGMA journal_mode=WAL")
            await db.execute("PRAGMA synchronous=FULL")
            await db.execute("PRAGMA foreign_keys=ON")
            # erased values are overwritten, not left in free pages (whatever SQLite's build default)
            await db.execute("PRAGMA secure_delete=ON")
            store = cls(db, path, lock_wait_seconds)
            await store.migrate()
            # a write, so a read-only file or a full disk is found now, not at the first request
            await db.execute("CREATE TABLE IF NOT EXISTS store_opened (at REAL)")
            if str(path) != ":memory:":
                reader = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
                reader.row_factory = sqlite3.Row
                reader.execute("PRAGMA query_only=ON")
                reader.execute(f"PRAGMA busy_timeout={int(lock_wait_seconds * 1000)}")
                store.reader = reader
        except (OSError, sqlite3.Error) as exc:
            await db.close()  # its thread would keep the process alive otherwise
            raise StoreError(path, exc) from exc
        return store

    async def checkpoint(self) -> None:
        """Write the WAL back into the main file and empty it: after an erasure, so erased values
        linger in neither (secure_delete has zeroed them in the main file's freed pages)."""
        async with self.writing():
            await self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def close(self) -> None:
        if self.reader is not None:
            self.reader.close()
            self.reader = None
        await self.db.close()

    async def lookup(self, sql: str, params: Sequence[object]) -> list[Row]:
        """A read of a few rows by an indexed key (never a scan: it runs on the event loop)."""
        if self.reader is not None:
            return list(self.reader.execute(sql, params).fetchall())
        return list(await self.db.execute_fetchall(sql, params))

    # -- the SQL the query modules run (bot/storage/sql.py) --------------------------------------

    async def fetch(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        return list(await self.db.execute_fetchall(sql, params))

    async def execute(self, sql: str, params: Sequence[object] = ()) -> None:
        async with self.writing():
            await self.db.execute(sql, params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        async with self.transaction() as db:
            await db.executemany(sql, rows)

    async def after_erasure(self) -> None:
        await self.checkpoint()

    def file(self) -> Path | None:
        return None if str(self.path) == ":memory:" else self.path

    # -- one worker at a time: one process owns a SQLite file's writes, so both are given at once --

    def conversation_lock(self, key: ConversationKey) -> AbstractAsyncContextManager[None]:
        # one process: its inbox already runs one person's messages one after another. Every
        # message takes this: one shared do-nothing context, not a generator made each time
        return _UNLOCKED

    def exclusively(self, name: str) -> AbstractAsyncContextManager[bool]:
        return _MINE

    async def migrate(self) -> list[int]:
        await self.db.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at REAL)"
        )
        async with self.db.execute("SELECT version FROM schema_migrations") as cur:
            done = {row[0] for row in await cur.fetchall()}
        applied = []
        for version, script in MIGRATIONS:
            if version in done:
                continue
            async with self.transaction() as db:
                for statement in _statements(script):
                    await db.execute(statement)
                await db.execute(
                    "INSERT INTO schema_migrations(version, applied_at) VALUES (?, ?)", (version, time.time())
                )
            applied.append(version)
        return applied

    # -- conversations: language choice, last unanswered question, form in progress ----------

    async def load_conversation(self, key: ConversationKey) -> Conversation:
        # this runs for every message: a lookup on the loop, no trip to aiosqlite's thread
        rows = await self.lookup(
            "SELECT state FROM conversations WHERE channel=? AND chat_id=? AND user_id=?", tuple(key)
        )
        return Conversation.from_json(rows[0][0] if rows else None)

    async def save_conversation(self, key: ConversationKey, state: Conversation) -> None:
        """Returns once the state is committed; saves that arrive together share one commit."""
        await self.queue_conversation(key, state)

    def queue_conversation(self, key: ConversationKey, state: Conversation) -> asyncio.Future[None]:
        """The save, queued now (so saves land in the order they are made); done once committed."""
        return self.saves.queue(key, state.to_json())

    async def _commit_saves(self, take: Callable[[], Saves]) -> None:
        async with self.writing():  # while this waits, more saves join the batch
            saves = take()
            now = time.time()
            try:
                await self.db.execute("BEGIN IMMEDIATE")
                await self.db.executemany(
                    "INSERT INTO conversations(channel, chat_id, user_id, state, updated_at) VALUES (?,?,?,?,?) "
                    "ON CONFLICT(channel, chat_id, user_id) DO UPDATE SET state=excluded.state, "
                    "updated_at=excluded.updated_at",
                    [(*key, state, now) for key, state in saves.items()],
                )
                await self.db.execute("COMMIT")
            except BaseException:
                await self._roll_back()
                raise

    # -- button payloads too long for a channel's limit (bot/storage/payloads.py) ---------------

    async def remember_payload(self, token: str, payload: str) -> None:
        async with self.writing():
            await self.db.execute(
                "INSERT INTO button_payloads(token, payload, created_at) VALUES (?,?,?) ON CONFLICT DO NOTHING",
                (token, payload, time.time()),
            )

    async def recall_payload(self, token: str) -> str | None:
        rows = list(await self.db.execute_fetchall("SELECT payload FROM button_payloads WHERE token=?", (token,)))
        return str(rows[0][0]) if rows else None

    # -- notices kept for someone who cannot be reached right now (bot/core/outbox.py) ------------

    async def keep_notice(self, to: Address, reply: str, ref: str) -> None:
        async with self.writing():
            await self.db.execute(
                "INSERT INTO pending_notices(channel, chat_id, reply, ref, created_at) VALUES (?,?,?,?,?)",
                (to.channel, to.chat_id, reply, ref, time.time()),
            )

    async def pending_addresses(self) -> set[Address]:
        rows = await self.db.execute_fetchall("SELECT DISTINCT channel, chat_id FROM pending_notices")
        return {Address(row[0], row[1]) for row in rows}

    async def pending_notices(self, to: Address) -> list[tuple[int, str]]:
        """(id, reply as JSON), oldest first."""
        rows = await self.db.execute_fetchall(
            "SELECT id, reply FROM pending_notices WHERE channel=? AND chat_id=? ORDER BY id", (to.channel, to.chat_id)
        )
        return [(int(row[0]), str(row[1])) for row in rows]

    async def drop_notices(self, ids: list[int]) -> None:
        if not ids:
            return
        async with self.writing():
            await self.db.execute(f"DELETE FROM pending_notices WHERE id IN ({','.join('?' * len(ids))})", ids)


def _statements(script: str) -> list[str]:
    return [s.strip() for s in script.split(";") if s.strip()]
