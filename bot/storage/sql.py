"""The one way query modules talk to a database, whichever store is behind it.

The request queue, the unanswered log, the staff accounts and the console's queries are written
once, in the SQL that SQLite and PostgreSQL both speak, with `?` placeholders. Each store owns
the rest: its connection, its transactions and locks, its schema (numbered migrations), and the
little its dialect needs — PostgresStore turns `?` into `$1, $2, …` and LIKE into ILIKE (SQLite's
LIKE ignores case; PostgreSQL's does not) as it runs a statement (bot/storage/postgres/store.py).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, Protocol


class Row(Protocol):
    """A result row, by position or by column name (aiosqlite.Row and asyncpg.Record are both).

    Values are whatever the driver decoded (str, int, float, None), hence Any: each caller turns
    them into its own typed record at once (Request.from_row, Account, …)."""

    def __getitem__(self, key: int | str, /) -> Any: ...

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[Any]: ...


class SqlRunner(Protocol):
    """Runs statements: on the database itself, or inside one transaction."""

    # appended to a SELECT that reads rows the transaction will change: " FOR UPDATE" where
    # writers of several processes lock rows (PostgreSQL); "" where a transaction already holds
    # the whole database's write lock (SQLite's BEGIN IMMEDIATE)
    for_update: str

    async def fetch(self, sql: str, params: Sequence[object] = ()) -> list[Row]: ...

    async def execute(self, sql: str, params: Sequence[object] = ()) -> None: ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[object]]) -> None: ...


class SqlDatabase(SqlRunner, Protocol):
    """A store the query modules can run SQL on (Store for SQLite, PostgresStore)."""

    def transaction(self) -> AbstractAsyncContextManager[SqlRunner]:
        """All statements inside commit together or not at all; the block ends once durable."""
        ...

    async def lookup(self, sql: str, params: Sequence[object]) -> list[Row]:
        """A read of a few rows by an indexed key, as fast as this store can make it (every
        message makes some: its conversation, an awaited answer, whether the sender is staff)."""
        ...

    async def after_erasure(self) -> None:
        """Make erased values unrecoverable from this store's files (SQLite: empty the WAL)."""
        ...

    def file(self) -> Path | None:
        """The database file a worker thread may open read-only, or None (a server, or in memory)."""
        ...

    def exclusively(self, name: str) -> AbstractAsyncContextManager[bool]:
        """True in the one worker process holding `name` meanwhile (a chore such as the daily
        purge runs there); False in the others, which skip it."""
        ...


PLACEHOLDER = re.compile(r"'(?:[^']|'')*'|\?|\bLIKE\b")


@functools.lru_cache(maxsize=1024)
def to_postgres(sql: str) -> str:
    """`?` placeholders numbered, LIKE made case-blind as SQLite's is; string literals untouched."""
    count = 0

    def swap(match: re.Match[str]) -> str:
        nonlocal count
        token = match.group(0)
        if token == "?":
            count += 1
            return f"${count}"
        return "ILIKE" if token == "LIKE" else token

    return PLACEHOLDER.sub(swap, sql)
