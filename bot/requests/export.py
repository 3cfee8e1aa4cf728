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

from bot.office_time import OfficeZone
from bot.requests.records import Request, format_value

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


def export_csv(requests: list[Request], zone: OfficeZone) -> bytes:
    fields = answer_columns(requests)
    out = io.StringIO(newline="")
    # QUOTE_MINIMAL quotes any cell with a comma, quote or line break; "\r\n" is what Excel expects
    writer = csv.writer(out, lineterminator="\r\n")
    # an answer field that happens to share a fixed column's name keeps its own column
    writer.writerow([*FIXED_COLUMNS, *(f"answer_{f}" if f in FIXED_COLUMNS else f for f in fields)])
    for r in requests:
        writer.writerow(
            [
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
        )
    return (BOM + out.getvalue()).encode("utf-8")
