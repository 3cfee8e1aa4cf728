"""`madoguchi requests list|show|export|purge` on a real database; the CSV opens as a proper table."""
from __future__ import annotations

import asyncio
import csv
import io
import json
import sqlite3

from bot.app import open_app
from bot.cli.main import main
from queue_helpers import LECTURE_KO, submit
from shared import answering_for

OMATSURI = {
    "municipality": "山口県",
    "department": "観光政策課",
    "contact_person": "山田 花子",
    "email": "hanako@example.lg.jp",
    "exhibit": "ふぐ料理の紹介, 観光パンフレット\n2行目には \"引用\" も",
    "materials": ["パンフレット", "ポスター"],
}


def make_queue(queue_config) -> tuple[str, str, str]:
    async def scenario():
        async with open_app(queue_config, answering=answering_for(queue_config)) as app:
            core = app.core
            lecture = await submit(core, "7")
            omatsuri = await submit(core, "8", "omatsuri", OMATSURI, lang="ja")
            question = await submit(core, "9", "question", {"question": "=HYPERLINK(\"x\")", "email": "q@x.kr"},
                                    lang="en")
            await core.deps.requests.claim(lecture, "console:1")
            return lecture, omatsuri, question

    return asyncio.run(scenario())


def test_export_csv_is_a_proper_table_for_excel(queue_config, queue_config_file, tmp_path, capsys):
    lecture, omatsuri, question = make_queue(queue_config)
    out = tmp_path / "requests.csv"
    assert main(["requests", "export", "--csv", str(out), "--config", str(queue_config_file)]) == 0
    assert "3 request(s)" in capsys.readouterr().out

    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM that makes Excel read UTF-8
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    header, rows = table[0], table[1:]
    assert header[:8] == ["ref", "kind", "status", "created", "updated", "requester_channel", "requester_user",
                          "lang"]
    # union over kinds: kinds alphabetically, each kind's fields in form order, shared fields once
    assert header[8:] == ["university", "department", "contact_person", "email", "preferred_dates", "format",
                          "topics", "students", "municipality", "exhibit", "materials", "question"]
    assert all(len(row) == len(header) for row in rows)
    by_ref = {row[0]: dict(zip(header, row)) for row in rows}
    assert [row[0] for row in rows] == [lecture, omatsuri, question]
    assert by_ref[lecture]["status"] == "claimed" and by_ref[lecture]["requester_user"] == "7"
    assert by_ref[lecture]["preferred_dates"] == "2026-05-12; 2026-05-19"
    assert by_ref[lecture]["university"] == "한국대학교" and by_ref[lecture]["students"] == "40"
    assert by_ref[omatsuri]["municipality"] == "山口県"
    assert by_ref[omatsuri]["exhibit"] == OMATSURI["exhibit"]  # comma, newline and quotes survive
    assert by_ref[omatsuri]["materials"] == "パンフレット; ポスター"
    assert by_ref[omatsuri]["university"] == ""
    assert by_ref[question]["question"] == "'=HYPERLINK(\"x\")"  # never run as a formula


def test_list_json_and_show(queue_config, queue_config_file, capsys):
    lecture, omatsuri, _ = make_queue(queue_config)
    config = ["--config", str(queue_config_file)]

    assert main(["requests", "list", "--json", *config]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["ref"] for r in listed] == [lecture, omatsuri, "Q-" + lecture[2:]]
    assert listed[0]["answers"] == LECTURE_KO and listed[1]["lang"] == "ja"

    assert main(["requests", "list", "--status", "claimed", *config]) == 0
    assert capsys.readouterr().out.split("\t")[0] == lecture
    assert main(["requests", "list", "--kind", "omatsuri", "--json", *config]) == 0
    assert [r["ref"] for r in json.loads(capsys.readouterr().out)] == [omatsuri]
    # a page at a time: which ones, and how many there are in all
    assert main(["requests", "list", "--limit", "1", "--offset", "1", *config]) == 0
    out, err = capsys.readouterr()
    assert [line.split("\t")[0] for line in out.splitlines()] == [omatsuri]
    assert "3 request(s), showing 2-2" in err
    assert main(["requests", "list", "--limit", "0", "--json", *config]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 3

    assert main(["requests", "show", lecture.lower(), *config]) == 0
    shown = capsys.readouterr().out
    assert "contact_person: 김민지" in shown and "console:1  claimed" in shown
    assert main(["requests", "show", "L-1999-0001", *config]) == 1
    assert "no request" in capsys.readouterr().err


def test_purge_command_uses_the_configured_retention(queue_config, queue_config_file, capsys):
    lecture, omatsuri, question = make_queue(queue_config)

    async def close_both():
        async with open_app(queue_config, answering=answering_for(queue_config)) as app:
            core = app.core
            await core.deps.requests.close(lecture, "console:1")
            await core.deps.requests.close(omatsuri, "console:1")

    asyncio.run(close_both())
    with sqlite3.connect(queue_config.database) as db:  # the lecture was closed 366 days ago
        db.execute("UPDATE requests SET closed_at = closed_at - 366 * 86400 WHERE ref=?", (lecture,))
    assert main(["requests", "purge", "--config", str(queue_config_file)]) == 0
    assert "erased the personal fields of 1 request(s) closed more than 365 days ago" in capsys.readouterr().out
    with sqlite3.connect(queue_config.database) as db:
        rows = dict(db.execute("SELECT ref, answers FROM requests").fetchall())
    assert rows[lecture] == "{}" and json.loads(rows[omatsuri]) == OMATSURI and rows[question] != "{}"
