"""`madoguchi report unanswered`: what the bot could not answer, grouped, with the weekly counts."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import date, datetime, time
from typing import Any, TypedDict

from bot.config import LANGUAGES, Config, load_config, resolve_config_path
from bot.office_time import OfficeZone
from bot.storage.opening import open_database
from bot.unanswered.groups import UnansweredGroup
from bot.unanswered.log import UnansweredLog
from bot.unanswered.records import WeekCount


class GroupRow(TypedDict):
    key: str
    count: int
    lang: str
    kinds: dict[str, int]
    topics: list[tuple[str, float]]
    text: str
    first: str
    last: str


class WeekRow(TypedDict):
    week: str
    lang: str
    answered: int
    unanswered: int


class Report(TypedDict):
    since: str | None
    lang: str | None
    groups: list[GroupRow]
    weeks: list[WeekRow]


def _since(text: str | None, zone: OfficeZone) -> float | None:
    """The start of that day in the office's zone; argparse has already checked the form."""
    if text is None:
        return None
    return datetime.combine(date.fromisoformat(text), time(), zone.tz).timestamp()


def _day(text: str) -> str:
    try:
        date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from exc
    return text


def _row(g: UnansweredGroup, zone: OfficeZone) -> GroupRow:
    return {
        "key": g.key,
        "count": g.count,
        "lang": g.lang,
        "kinds": dict(sorted(g.kinds.items())),
        "topics": [(t, round(s, 3)) for t, s in g.topics],
        "text": g.text,
        "first": zone.format(g.first_at),
        "last": zone.format(g.last_at),
    }


def _week(w: WeekCount) -> WeekRow:
    return {"week": w.week, "lang": w.lang, "answered": w.answered, "unanswered": w.unanswered}


async def build_report(config: Config, since: str | None, lang: str | None) -> Report:
    store = await open_database(config)
    try:
        log = UnansweredLog(store, config.zone, config.privacy.retention_days)
        start = _since(since, config.zone)
        groups = await log.groups(start, lang)
        weeks = [w for w in await log.weeks(start) if lang is None or w.lang == lang]
    finally:
        await store.close()
    return {
        "since": since,
        "lang": lang,
        "groups": [_row(g, config.zone) for g in groups],
        "weeks": [_week(w) for w in weeks],
    }


def format_report(report: Report) -> str:
    lines = [f"unanswered questions{' since ' + report['since'] if report['since'] else ''}"]
    if not report["groups"]:
        lines.append("  (none)")
    for g in report["groups"]:
        kinds = ", ".join(f"{k} {n}" for k, n in g["kinds"].items())
        topics = ", ".join(f"{t} {s:.2f}" for t, s in g["topics"]) or "-"
        lines.append(f"{g['count']:>4}  {g['lang']}  [{kinds}]  topics: {topics}  (group {g['key']}, last {g['last']})")
        lines.append(f"      {g['text']}")
    lines += ["", "questions per week: answered / unanswered"]
    if not report["weeks"]:
        lines.append("  (none)")
    for w in report["weeks"]:
        lines.append(f"  {w['week']}  {w['lang']}  {w['answered']:>5} / {w['unanswered']}")
    return "\n".join(lines)


def cmd_unanswered(args: argparse.Namespace) -> int:
    config = load_config(resolve_config_path(args.config))
    report = asyncio.run(build_report(config, args.since, args.lang))
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(format_report(report))
    print(f"{len(report['groups'])} group(s)", file=sys.stderr)
    return 0


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    report = sub.add_parser("report", help="reports from the database").add_subparsers(
        dest="report_command", required=True
    )
    p = report.add_parser(
        "unanswered", parents=[common], help="what the bot could not answer, similar ones grouped, and weekly counts"
    )
    p.add_argument("--since", type=_day, metavar="YYYY-MM-DD", help="only from this day (office's zone)")
    p.add_argument("--lang", choices=LANGUAGES)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_unanswered)
