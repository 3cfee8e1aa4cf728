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
from bot.storage.copying import BATCH, NOT_COPIED, TABLES, Copied, Copy, Refused
from bot.storage.errors import StorageUnavailable
from bot.storage.store import Store
from bot.storage.url import ENV_NAME


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
            work = Copy(source, source_end.backend, target, target_end.backend, batch)
            return await _copy_all(work, source_end, target_end, out, started)
        finally:
            await target.close()
    finally:
        await source.close()


async def _copy_all(work: Copy, source_end: End, target_end: End, out: TextIO, started: float) -> int:
    print(f"copying {source_end.describe()} -> {target_end.describe()}", file=out, flush=True)
    await work.check_schemas()
    differ: list[Copied] = []
    for table, key in TABLES:
        try:
            done = await work.table(table, key)
        except _database_errors() as exc:
            raise StorageUnavailable(
                f"copying {table} to {target_end.describe()} stopped: {exc}. The batches copied before "
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
