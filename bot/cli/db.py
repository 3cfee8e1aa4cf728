"""`madoguchi db copy --from URL --to URL`: a whole installation's data, from one database to another.

  madoguchi db copy --from sqlite:///data/madoguchi.sqlite3 --to postgresql://madoguchi@db.internal:5432/madoguchi
  PGPASSWORD=… madoguchi db copy --from data/madoguchi.sqlite3 --to postgresql://madoguchi@db.internal/madoguchi
  madoguchi db copy --from postgresql://madoguchi@db.internal/madoguchi --to sqlite:///backup.sqlite3 \\
      --password-env MADOGUCHI_PG_PASSWORD

A URL is a file path or sqlite:///path (SQLite; relative to the current folder, sqlite:////abs for an
absolute one) or postgresql://user@host:port/db. A password is never written in the URL (one there
is refused): it is read from the environment variable PGPASSWORD, or from the variable that
--password-env names (for every PostgreSQL side), and never printed. Both databases are opened as
`madoguchi run` opens them, so each is migrated to the current schema first; a PostgreSQL target
may be an empty database (its tables are made then). Stop the bot while copying: rows written
meanwhile would make the counts differ at the end.

Every table is copied in key order, a batch of rows at a time (--batch, 1000 by default; a batch
is one INSERT … ON CONFLICT (primary key) DO NOTHING in one transaction), parents before their
children (requests before request_events, staff_accounts before their identities and sessions),
so a hundred thousand requests never sit in memory at once. A row whose primary key the target
already has is left as it is, so the copy can be run again: a second run copies nothing twice
and ends with the same counts. Such a row is compared with the source's, and one that differs
(the source changed since an earlier copy, or the target has been used) is reported, since it
was not brought up to date. Afterwards each PostgreSQL identity sequence is moved past the
largest id copied, so the next request gets a new id, and ref_counters (copied like any table)
give it the next reference number.

login_failures is not copied: it holds wrong passwords of the last minutes, kept only to lock out
someone guessing; it has no key to recognise a row already copied by, and starting the new
database without it costs nothing but a fresh count. schema_migrations and store_opened belong
to each database itself.

Per table it prints: copied N, already there M, target total T. Then it counts every table on
both sides: exit 0 when each has as many rows on the target as on the source and no row already
there differs; exit 1 with the numbers otherwise (a target that had rows of its own is reported
so); exit 2 when it cannot start or a database fails (--from and --to the same database, a
source file that does not exist, a URL it cannot read, a server it cannot reach).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from bot.storage.contracts import Database
from bot.storage.errors import StorageUnavailable
from bot.storage.store import Store
from bot.storage.url import ENV_NAME

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


@dataclass(frozen=True)
class End:
    """One side of the copy: a SQLite file, or a PostgreSQL database and its password."""

    backend: str  # "sqlite" or "postgresql"
    path: Path = Path()
    dsn: str = ""
    password: str = ""

    def describe(self) -> str:
        """For messages: never the password (a URL holding one is refused)."""
        return str(self.path) if self.backend == "sqlite" else self.dsn

    def identity(self) -> tuple[object, ...]:
        """The same for two spellings of one database (as far as the URL can tell)."""
        if self.backend == "sqlite":
            return ("sqlite", str(self.path.resolve()))
        parts = urlsplit(self.dsn)
        return ("postgresql", (parts.hostname or "").lower(), parts.port or 5432, parts.path.strip("/"))


def parse_end(text: str, option: str, password_env: str = "", environ: Mapping[str, str] = os.environ) -> End:
    """--from / --to: a file path, sqlite:///path, or postgresql://user@host:port/db."""
    url = text.strip()
    if not url:
        raise Refused(f"{option} is empty: name a file, sqlite:///path or postgresql://user@host:5432/db")
    if url.startswith("sqlite:"):
        if not url.startswith("sqlite:///") or len(url) == len("sqlite:///"):
            raise Refused(f"{option} is '{url}': write sqlite:/// then the file, e.g. sqlite:///data/madoguchi.sqlite3")
        return End("sqlite", path=Path(url[len("sqlite:///") :]))
    if url.startswith(("postgresql://", "postgres://")):
        parts = urlsplit(url)
        if parts.password is not None:  # the URL itself is not repeated: it holds the password
            raise Refused(
                f"{option} holds a password: remove it from the URL and put it in the environment variable "
                "PGPASSWORD, or in one that --password-env names"
            )
        try:
            parts.port  # noqa: B018 - a port that is not a number raises here
        except ValueError:
            raise Refused(f"{option} is '{url}': the port is not a number") from None
        if not parts.hostname or not parts.path.strip("/"):
            raise Refused(f"{option} is '{url}': name the host and the database, postgresql://user@host:5432/db")
        name = password_env or "PGPASSWORD"
        if password_env and password_env not in environ:
            raise Refused(f"--password-env names {password_env}, which is not set: export {password_env}=… first")
        return End("postgresql", dsn=url, password=environ.get(name, ""))
    if "://" in url:
        raise Refused(
            f"{option} is '{url}', a kind of database Madoguchi does not know: "
            "a file, sqlite:///path or postgresql://user@host:5432/db"
        )
    return End("sqlite", path=Path(url))


async def open_end(end: End) -> Database:
    if end.backend == "sqlite":
        return await Store.open(end.path)
    try:
        from bot.storage.postgres.store import PostgresStore
    except ImportError as exc:
        raise StorageUnavailable(
            f"{end.describe()} is a PostgreSQL database, but its driver is missing ({exc}). "
            "Fix: install the PostgreSQL extra, .venv/bin/pip install '.[postgres]' (it adds asyncpg)."
        ) from exc
    try:
        return await PostgresStore.open(end.dsn, end.password, max_size=2)
    except StorageUnavailable as exc:  # its fix names config.toml, which this command does not read
        cause = getattr(exc, "cause", None) or exc
        raise StorageUnavailable(
            f"database {end.describe()}: {cause}. Fix: check that the server runs and accepts this user, and "
            "the password in PGPASSWORD (or in the variable --password-env names)"
        ) from exc


def _database_errors() -> tuple[type[BaseException], ...]:
    errors: tuple[type[BaseException], ...] = (sqlite3.Error, OSError)
    try:
        import asyncpg
    except ImportError:
        return errors
    return (*errors, asyncpg.PostgresError, asyncpg.InterfaceError)


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
    def __init__(self, source: Database, source_end: End, target: Database, target_end: End, batch: int) -> None:
        self.source, self.source_end = source, source_end
        self.target, self.target_end = target, target_end
        self.batch = max(1, batch)

    async def tables(self, db: Database, end: End) -> set[str]:
        if end.backend == "sqlite":
            rows = await db.fetch(
                "SELECT name FROM sqlite_master WHERE type='table' AND substr(name, 1, 7) <> 'sqlite_'"
            )
        else:
            rows = await db.fetch(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            )
        return {str(row[0]) for row in rows}

    async def columns(self, db: Database, end: End, table: str) -> list[str]:
        if end.backend == "sqlite":
            return [str(row[1]) for row in await db.fetch(f"PRAGMA table_info({_q(table)})")]
        rows = await db.fetch(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
            (table,),
        )
        return [str(row[0]) for row in rows]

    async def check_schemas(self) -> None:
        known = {name for name, _ in TABLES} | set(NOT_COPIED)
        unknown = sorted((await self.tables(self.source, self.source_end)) - known)
        if unknown:
            raise Refused(
                f"the source has tables this command does not know: {', '.join(unknown)}; "
                "a newer Madoguchi made them: copy with that version"
            )
        for table, _ in TABLES:
            theirs = await self.columns(self.source, self.source_end, table)
            ours = await self.columns(self.target, self.target_end, table)
            if set(theirs) != set(ours):
                raise Refused(
                    f"{table} has other columns on the target than on the source ({', '.join(ours)} against "
                    f"{', '.join(theirs)}): both should be the same version of Madoguchi"
                )

    async def count(self, db: Database, table: str) -> int:
        return int((await db.fetch(f"SELECT count(*) FROM {_q(table)}"))[0][0])

    async def table(self, table: str, key: tuple[str, ...]) -> Copied:
        columns = await self.columns(self.source, self.source_end, table)
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
        if self.target_end.backend == "postgresql" and key == ("id",):
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


async def same_database(source: Database, source_end: End, target: Database, target_end: End) -> bool:
    """Whether the two opened stores are one database, whatever the URLs said."""
    if source_end.backend != target_end.backend:
        return False
    if source_end.backend == "sqlite":
        return source_end.path.exists() and target_end.path.exists() and source_end.path.samefile(target_end.path)
    # an advisory lock is per database: held on the source, it cannot be taken on the same database
    name = f"madoguchi db copy {os.getpid()} {time.time()}"
    async with source.exclusively(name) as mine, target.exclusively(name) as theirs:
        return mine and not theirs


async def copy(source_end: End, target_end: End, batch: int = BATCH, out: TextIO | None = None) -> int:
    """The whole copy and its verification; the exit status. Raises Refused or StorageUnavailable."""
    out = out or sys.stdout
    if source_end.identity() == target_end.identity():
        raise Refused(f"--from and --to are the same database ({source_end.describe()}): nothing to copy")
    if source_end.backend == "sqlite" and not source_end.path.is_file():
        raise Refused(f"--from names {source_end.path}, which does not exist: name the database to copy from")
    started = time.monotonic()
    source = await open_end(source_end)
    try:
        target = await open_end(target_end)
        try:
            if await same_database(source, source_end, target, target_end):
                raise Refused(
                    f"--from and --to are the same database ({source_end.describe()} and {target_end.describe()})"
                )
            return await _copy_all(Copy(source, source_end, target, target_end, batch), out, started)
        finally:
            await target.close()
    finally:
        await source.close()


async def _copy_all(work: Copy, out: TextIO, started: float) -> int:
    print(f"copying {work.source_end.describe()} -> {work.target_end.describe()}", file=out, flush=True)
    await work.check_schemas()
    differ: list[Copied] = []
    for table, key in TABLES:
        try:
            done = await work.table(table, key)
        except _database_errors() as exc:
            raise StorageUnavailable(
                f"copying {table} to {work.target_end.describe()} stopped: {exc}. The batches copied before "
                "are kept; fix the cause and run the same command again"
            ) from exc
        note = f"  ({done.differ} of those differ from the source)" if done.differ else ""
        print(
            f"  {table:<17} copied {done.copied:>7}, already there {done.present:>7}, "
            f"target total {done.total:>7}{note}",
            file=out,
            flush=True,
        )
        if done.differ:
            differ.append(done)
    for table, why in NOT_COPIED.items():
        if why:
            print(f"  {table:<17} skipped: {why}", file=out)
    mismatched = []
    for table, _ in TABLES:
        theirs, ours = await work.count(work.source, table), await work.count(work.target, table)
        if theirs != ours:
            mismatched.append(f"{table} has {theirs} rows on the source and {ours} on the target")
    seconds = time.monotonic() - started
    if mismatched or differ:
        for line in mismatched:
            print(f"mismatch: {line}", file=sys.stderr)
        for done in differ:
            print(
                f"mismatch: {done.table} has {done.differ} rows on the target whose key the source has too but "
                "whose values differ (kept as they were on the target)",
                file=sys.stderr,
            )
        print(
            "not verified: the target is not a copy of the source. Copy into an empty database "
            "(and with the bot stopped, so that nothing is written meanwhile)",
            file=sys.stderr,
        )
        return 1
    print(
        f"verified: each of {len(TABLES)} tables has as many rows on the target as on the source ({seconds:.1f} s)",
        file=out,
    )
    return 0


def cmd_copy(args: argparse.Namespace) -> int:
    try:
        source = parse_end(args.source, "--from", args.password_env or "")
        target = parse_end(args.target, "--to", args.password_env or "")
        return asyncio.run(copy(source, target, args.batch))
    except Refused as exc:
        print(f"madoguchi db copy: {exc}", file=sys.stderr)
        return 2


def _env_name(value: str) -> str:
    if not ENV_NAME.match(value):
        raise argparse.ArgumentTypeError(f"'{value}' is not the NAME of an environment variable")
    return value


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    # no --config (`common`): both databases are named on the command line
    db = sub.add_parser("db", help="the database itself").add_subparsers(dest="db_command", required=True)
    p = db.add_parser(
        "copy",
        help="copy every table from one database to another, then verify the counts (safe to run again)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--from", dest="source", required=True, metavar="URL", help="file, sqlite:///path or postgresql://")
    p.add_argument("--to", dest="target", required=True, metavar="URL", help="file, sqlite:///path or postgresql://")
    p.add_argument(
        "--password-env",
        type=_env_name,
        default=None,
        metavar="NAME",
        help="the environment variable holding the PostgreSQL password (default PGPASSWORD)",
    )
    p.add_argument("--batch", type=int, default=BATCH, metavar="N", help=f"rows per INSERT (default {BATCH})")
    p.set_defaults(func=cmd_copy)
