"""The queue as a CSV table that Excel in a Japanese office opens correctly.

UTF-8 with a BOM (without it Excel assumes Shift_JIS and garbles Japanese and Korean), one row per
request, every answer field its own column. Answer columns are the union over kinds in a stable
order: kinds alphabetically, each kind's fields in its form's order, a shared field (e-mail) where
it first appears. Times are in the office's zone ([time] zone), as staff read them in the chat.
A cell that Excel would run as a formula (=, +, -, @ first) gets a leading apostrophe, as OWASP
advises: requester text is data, never code, in a spreadsheet too.
"""

from __future__ import annotations

import asyncio
import csv
import io
import itertools
import json
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

from bot.office_time import OfficeZone
from bot.requests.records import REQUEST_COLUMNS, Request, format_value
from bot.storage.sql import Row, SqlDatabase

BOM = "\ufeff"
FIXED_COLUMNS = ("ref", "kind", "status", "created", "updated", "requester_channel", "requester_user", "lang")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 1000  # rows read, turned into CSV and encoded at a time


def cell(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def answer_columns(requests: list[Request]) -> list[str]:
    columns: dict[str, None] = {}
    for request in sorted(requests, key=lambda r: (r.kind, r.created_at, r.id)):
        for name in request.answers:
            columns.setdefault(name, None)
    return list(columns)


def header(fields: list[str]) -> list[str]:
    # an answer field that happens to share a fixed column's name keeps its own column
    return [*FIXED_COLUMNS, *(f"answer_{f}" if f in FIXED_COLUMNS else f for f in fields)]


def row_of(r: Request, fields: list[str], zone: OfficeZone) -> list[str]:
    return [
        r.ref,
        r.kind,
        r.status,
        zone.format(r.created_at),
        zone.format(r.updated_at),
        r.channel,
        r.user_id,
        r.lang,
        *(cell(format_value(r.answers.get(name))) for name in fields),
    ]


def export_csv(requests: list[Request], zone: OfficeZone) -> bytes:
    return stream_csv(answer_columns(requests), requests, zone)


class CsvBuilder:
    """The file built a chunk of rows at a time, each chunk encoded on its own.

    In a worker thread, one call on the whole 28 MB file (getvalue, the BOM joined on, encode)
    held the interpreter for 25-45 ms each, and every other user's answer waited that long
    (bench/storage_backends.py); chunks of a thousand rows hold it a millisecond at a time."""

    def __init__(self, fields: list[str], zone: OfficeZone) -> None:
        self.fields, self.zone = fields, zone
        self.parts: list[bytes] = [BOM.encode("utf-8")]
        self.count = 0
        self._write([header(fields)])

    def _write(self, rows: Iterable[list[str]]) -> None:
        out = io.StringIO(newline="")
        # QUOTE_MINIMAL quotes any cell with a comma, quote or line break; "\r\n" is what Excel expects
        csv.writer(out, lineterminator="\r\n").writerows(rows)
        self.parts.append(out.getvalue().encode("utf-8"))

    def add(self, requests: Iterable[Request]) -> None:
        chunk = [row_of(r, self.fields, self.zone) for r in requests]
        self.count += len(chunk)
        self._write(chunk)

    def add_rows(self, rows: Sequence[Row]) -> None:
        self.add(Request.from_row(row) for row in rows)

    def result(self) -> bytes:
        return b"".join(self.parts)


def stream_csv(fields: list[str], requests: Iterable[Request], zone: OfficeZone) -> bytes:
    """The file, from requests taken one at a time: a caller may read them in batches, so that no
    list of every request is held (at 100,000 requests, that list cost seconds of the collector)."""
    builder = CsvBuilder(fields, zone)
    it = iter(requests)
    while chunk := list(itertools.islice(it, CHUNK)):
        builder.add(chunk)
    return builder.result()


def _collect_fields(rows: Iterable[Row], fields: dict[str, None]) -> None:
    """The answer fields of these rows (answers first in each), in the order they first appear."""
    for row in rows:
        for name in json.loads(row[0]):
            fields.setdefault(name, None)


async def export_from(store: SqlDatabase, zone: OfficeZone) -> tuple[int, bytes]:
    """Every request as the CSV from a database server (or an in-memory one): read a chunk at a
    time on the event loop, each chunk turned into CSV in a worker thread and then dropped, so no
    list of every request is held and other users' turns run between chunks.

    Two passes, as export_sqlite_file makes: the answer columns, then the rows; both over the
    requests there were when it began (id <= the largest then)."""
    top = await store.fetch("SELECT max(id) FROM requests")
    last_id = int(top[0][0] or 0)
    fields: dict[str, None] = {}
    after: tuple[object, ...] = ("", -1.0, -1)
    while True:
        rows = await store.fetch(
            "SELECT answers, kind, created_at, id FROM requests WHERE id <= ? AND (kind, created_at, id) > (?, ?, ?) "
            "ORDER BY kind, created_at, id LIMIT ?",
            (last_id, *after, CHUNK),
        )
        if not rows:
            break
        await asyncio.to_thread(_collect_fields, rows, fields)
        after = (rows[-1][1], rows[-1][2], rows[-1][3])
    builder = CsvBuilder(list(fields), zone)
    after = (-1.0, -1)
    while True:
        rows = await store.fetch(
            f"SELECT {REQUEST_COLUMNS} FROM requests WHERE id <= ? AND (created_at, id) > (?, ?) "
            "ORDER BY created_at, id LIMIT ?",
            (last_id, *after, CHUNK),
        )
        if not rows:
            break
        await asyncio.to_thread(builder.add_rows, rows)
        after = (rows[-1]["created_at"], rows[-1]["id"])
    return builder.count, await asyncio.to_thread(builder.result)


def export_sqlite_file(path: Path, zone: OfficeZone) -> tuple[int, bytes]:
    """Every request of a SQLite file as the CSV, for a worker thread (RequestQueue.export_csv).

    Two passes over the table in batches: the answer columns (export.answer_columns's order),
    then the rows; each request lives only while its row is written, so the collector stays idle."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        db.row_factory = sqlite3.Row
        with db:  # one read transaction: both passes see the same requests
            db.execute("BEGIN")
            fields: dict[str, None] = {}
            _collect_fields(db.execute("SELECT answers FROM requests ORDER BY kind, created_at, id"), fields)

            builder = CsvBuilder(list(fields), zone)
            cursor = db.execute(f"SELECT {REQUEST_COLUMNS} FROM requests ORDER BY created_at, id")
            while batch := cursor.fetchmany(CHUNK):
                builder.add_rows(batch)
            count, body = builder.count, builder.result()
    finally:
        db.close()
    return count, body
