"""PostgresStore: every storage contract on PostgreSQL, for several worker processes at once.

Each write is one transaction on a pooled connection; PostgreSQL's own locks order writers of
several processes, so there is no process-wide write lock here: row locks (FOR UPDATE) make
claims and transitions race-free, the reference counter row is locked by its upsert until the
submit commits, one conversation is handled by one worker at a time under an advisory lock
(conversation_lock), and chores such as the daily purge run in one worker (exclusively).
Migrations run under an advisory lock, so workers started together apply each one once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg

from bot.conversation import Conversation
from bot.messages import Address, ConversationKey
from bot.storage.batching import SaveBatcher, Saves
from bot.storage.errors import StorageUnavailable
from bot.storage.postgres.migrations import MIGRATIONS
from bot.storage.sql import Row, to_postgres

MIGRATION_LOCK = 0x6D61646F  # pg_advisory_xact_lock key while migrating ("mado")
CONNECT_TIMEOUT = 5.0  # seconds: an unreachable server fails start-up this fast
# how long a message waits for its conversation while another worker handles one of the same
# person's; past it the person hears "try again" (bot/core/inbox.py), as with a locked SQLite file
CONVERSATION_LOCK_WAIT = "10s"


class PostgresError(StorageUnavailable):
    """The database cannot be reached or migrated; the message names it (never the password) and why."""

    def __init__(self, where: str, cause: BaseException) -> None:
        self.cause = cause
        reason = str(cause) or type(cause).__name__
        super().__init__(
            f"database {where}: {reason}. Fix: check that the server runs and accepts this user, and the "
            "password in the variable [storage] password_env names ([storage] url in config.toml names it)."
        )


class PostgresRunner:
    """Statements inside one transaction on one pooled connection (bot/storage/sql.SqlRunner)."""

    for_update = " FOR UPDATE"

    def __init__(self, db: asyncpg.Connection) -> None:
        self.db = db

    async def fetch(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        return list(await self.db.fetch(to_postgres(sql), *params))

    async def execute(self, sql: str, params: Sequence[object] = ()) -> None:
        await self.db.execute(to_postgres(sql), *params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        await self.db.executemany(to_postgres(sql), [tuple(row) for row in rows])


class PostgresStore:
    for_update = " FOR UPDATE"
    shared = True  # built for several worker processes on one database

    def __init__(self, pool: asyncpg.Pool, where: str, locks: asyncpg.Pool) -> None:
        self.pool = pool
        self.where = where
        # connections that hold conversation locks, apart from the pool that does the work: a
        # message holding its lock must never wait for a connection that only a lock holder frees
        self.locks = locks
        # conversation saves waiting for the next shared commit (bot/storage/batching.py)
        self.saves = SaveBatcher(self._commit_saves)
        self._unlocking: set[asyncio.Task[None]] = set()

    @classmethod
    async def open(cls, dsn: str, password: str = "", min_size: int = 1, max_size: int = 10) -> PostgresStore:
        """The store, migrated; PostgresError within CONNECT_TIMEOUT seconds if the server cannot be reached."""
        where = dsn
        try:
            pool = await asyncio.wait_for(
                asyncpg.create_pool(
                    dsn, password=password or None, min_size=min_size, max_size=max_size, timeout=CONNECT_TIMEOUT
                ),
                CONNECT_TIMEOUT * 2,
            )
            locks = await asyncpg.create_pool(
                dsn,
                password=password or None,
                min_size=0,
                max_size=max_size * 2,
                timeout=CONNECT_TIMEOUT,
                server_settings={"lock_timeout": CONVERSATION_LOCK_WAIT},
            )
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise PostgresError(where, exc) from exc
        store = cls(pool, where, locks)
        try:
            await store.migrate()
        except BaseException as exc:
            await pool.close()
            await locks.close()
            if isinstance(exc, (OSError, asyncpg.PostgresError)):
                raise PostgresError(where, exc) from exc
            raise
        return store

    async def close(self) -> None:
        if self._unlocking:
            await asyncio.gather(*self._unlocking, return_exceptions=True)
        await self.saves.idle()
        await self.locks.close()
        await self.pool.close()

    # -- the SQL the query modules run (bot/storage/sql.py) --------------------------------------

    async def fetch(self, sql: str, params: Sequence[object] = ()) -> list[Row]:
        return list(await self.pool.fetch(to_postgres(sql), *params))

    async def execute(self, sql: str, params: Sequence[object] = ()) -> None:
        await self.pool.execute(to_postgres(sql), *params)

    async def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None:
        await self.pool.executemany(to_postgres(sql), [tuple(row) for row in rows])

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PostgresRunner]:
        async with self.pool.acquire() as db, db.transaction():
            yield PostgresRunner(db)

    async def lookup(self, sql: str, params: Sequence[object]) -> list[Row]:
        return await self.fetch(sql, params)

    async def after_erasure(self) -> None:
        # Nothing to empty: the erased row versions are left to autovacuum, which marks their
        # space for reuse (the README says so, and how to VACUUM FULL when that is not enough)
        return None

    def file(self) -> Path | None:
        return None

    # -- one worker at a time -------------------------------------------------------------------

    @asynccontextmanager
    async def conversation_lock(self, key: ConversationKey) -> AsyncIterator[None]:
        """This conversation's load -> handle -> save, one worker at a time, in arrival order of the
        lock requests. Held until the saves queued inside have landed, so the next worker to take
        it loads what this one wrote; a killed worker's locks go with its connection."""
        db = await self.locks.acquire()
        try:
            await db.execute("SELECT pg_advisory_lock(hashtextextended($1, 0))", _lock_name(key))
        except BaseException:
            await self.locks.release(db)
            raise
        try:
            yield
        finally:
            tail = self.saves.last(key)
            if tail is None:
                await self.locks.release(db)  # the pool's reset runs pg_advisory_unlock_all()
            else:
                # the reply need not wait for a save made on the side; the next message of this
                # person does, here or in another worker
                task = asyncio.get_running_loop().create_task(self._release_after(tail, db))
                self._unlocking.add(task)
                task.add_done_callback(self._unlocking.discard)

    async def _release_after(self, save: asyncio.Future[None], db: asyncpg.Connection) -> None:
        await asyncio.wait([save])
        await self.locks.release(db)

    @asynccontextmanager
    async def exclusively(self, name: str) -> AsyncIterator[bool]:
        """True in the one worker that holds `name` now (the daily purge); False in the others."""
        async with self.pool.acquire() as db, db.transaction():
            yield bool(await db.fetchval("SELECT pg_try_advisory_xact_lock(hashtextextended($1, 1))", name))

    async def migrate(self) -> list[int]:
        applied: list[int] = []
        async with self.pool.acquire() as db:
            # one worker migrates; the others wait here, then find each version done. Taken before
            # the table of versions is made: two CREATE TABLE IF NOT EXISTS at once collide
            await db.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
            try:
                await db.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                    "applied_at DOUBLE PRECISION)"
                )
                for version, script in MIGRATIONS:
                    async with db.transaction():
                        if await db.fetchval("SELECT 1 FROM schema_migrations WHERE version=$1", version):
                            continue
                        await db.execute(script)
                        await db.execute(
                            "INSERT INTO schema_migrations(version, applied_at) VALUES ($1, $2)", version, time.time()
                        )
                        applied.append(version)
            finally:
                await db.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)
        return applied

    # -- conversations ------------------------------------------------------------------------

    async def load_conversation(self, key: ConversationKey) -> Conversation:
        state = await self.pool.fetchval(
            "SELECT state FROM conversations WHERE channel=$1 AND chat_id=$2 AND user_id=$3", *key
        )
        return Conversation.from_json(str(state) if state is not None else None)

    async def save_conversation(self, key: ConversationKey, state: Conversation) -> None:
        """Returns once committed, after every save of this conversation queued before it."""
        await self.queue_conversation(key, state)

    def queue_conversation(self, key: ConversationKey, state: Conversation) -> asyncio.Future[None]:
        """The save, queued now; done once committed. Saves queued together share one transaction
        (one commit per save gave 2,400 messages/s, shared ones 4,100: bench/storage_backends.py),
        and batches commit in order, so a form step saved after a hint lands after it."""
        return self.saves.queue(key, state.to_json())

    async def _commit_saves(self, take: Callable[[], Saves]) -> None:
        saves = take()
        now = time.time()
        async with self.pool.acquire() as db, db.transaction():
            await db.executemany(
                "INSERT INTO conversations(channel, chat_id, user_id, state, updated_at) "
                "VALUES ($1,$2,$3,$4,$5) ON CONFLICT (channel, chat_id, user_id) DO UPDATE SET "
                "state=excluded.state, updated_at=excluded.updated_at",
                [(*key, state, now) for key, state in saves.items()],
            )

    # -- button payloads ----------------------------------------------------------------------

    async def remember_payload(self, token: str, payload: str) -> None:
        await self.pool.execute(
            "INSERT INTO button_payloads(token, payload, created_at) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING",
            token,
            payload,
            time.time(),
        )

    async def recall_payload(self, token: str) -> str | None:
        payload = await self.pool.fetchval("SELECT payload FROM button_payloads WHERE token=$1", token)
        return str(payload) if payload is not None else None

    # -- kept notices -------------------------------------------------------------------------

    async def keep_notice(self, to: Address, reply: str, ref: str) -> None:
        await self.pool.execute(
            "INSERT INTO pending_notices(channel, chat_id, reply, ref, created_at) VALUES ($1,$2,$3,$4,$5)",
            to.channel,
            to.chat_id,
            reply,
            ref,
            time.time(),
        )

    async def pending_addresses(self) -> set[Address]:
        rows = await self.pool.fetch("SELECT DISTINCT channel, chat_id FROM pending_notices")
        return {Address(str(row[0]), str(row[1])) for row in rows}

    async def pending_notices(self, to: Address) -> list[tuple[int, str]]:
        rows = await self.pool.fetch(
            "SELECT id, reply FROM pending_notices WHERE channel=$1 AND chat_id=$2 ORDER BY id", to.channel, to.chat_id
        )
        return [(int(row[0]), str(row[1])) for row in rows]

    async def drop_notices(self, ids: list[int]) -> None:
        if ids:
            await self.pool.execute("DELETE FROM pending_notices WHERE id = ANY($1::bigint[])", ids)


def _lock_name(key: ConversationKey) -> str:
    return "\x1f".join(("conversation", *key))
