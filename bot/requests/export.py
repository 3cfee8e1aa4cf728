"""The queue as a CSV table that Excel in a Japanese office opens correctly.

UTF-8 with a BOM (without it Excel assumes Shift_JIS and garbles Japanese and Korean), one row per
request, every answer field its own column. Answer columns are the union over kinds in a stable
order: kinds alphabetically, each kind's fields in its form's order, a shared field (e-mail) where
it first appears. Times are in the office's zone ([time] zone), as staff read them in the chat.
A cell that Excel would run as a formula (=, +, -, @ first) gets a leading apostrophe, as OWASP
advises: requester text is data, never code, in a spreadsheet too.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from bot.office_time import OfficeZone
from bot.requests.records import REQUEST_COLUMNS, Request, format_value

BOM = "\ufeff"
FIXED_COLUMNS = ("ref", "kind", "status", "created", "updated", "requester_channel", "requester_user", "lang")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


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


def stream_csv(fields: list[str], requests: Iterable[Request], zone: OfficeZone) -> bytes:
    """The file, from requests taken one at a time: a caller may read them in batches, so that no
    list of every request is held (at 100,000 requests, that list cost seconds of the collector)."""
    out = io.StringIO(newline="")
    # QUOTE_MINIMAL quotes any cell with a comma, quote or line break; "\r\n" is what Excel expects
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header(fields))
    for r in requests:
        writer.writerow(row_of(r, fields, zone))
    return (BOM + out.getvalue()).encode("utf-8")


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
            for (answers,) in db.execute("SELECT answers FROM requests ORDER BY kind, created_at, id"):
                for name in json.loads(answers):
                    fields.setdefault(name, None)
            count = 0

            def requests() -> Iterator[Request]:
                nonlocal count
                cursor = db.execute(f"SELECT {REQUEST_COLUMNS} FROM requests ORDER BY created_at, id")
                while batch := cursor.fetchmany(1000):
                    for row in batch:
                        count += 1
                        yield Request.from_row(row)

            body = stream_csv(list(fields), requests(), zone)
    finally:
        db.close()
    return count, body
