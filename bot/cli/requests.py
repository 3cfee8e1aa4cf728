"""`madoguchi requests list|show|export|purge`: the queue from a terminal, for staff and cron."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.config import Config, load_config, resolve_config_path
from bot.office_time import OfficeZone
from bot.requests.export import export_csv
from bot.requests.queue import RequestQueue
from bot.requests.records import STATUSES, Request, format_value, normalize_ref
from bot.storage.opening import open_database
from bot.unanswered.log import UnansweredLog


def _run(args: argparse.Namespace, work: Callable[[RequestQueue, Config], Awaitable[int]]) -> int:
    """Open only the database: these commands need neither the knowledge base nor the matcher."""
    config = load_config(resolve_config_path(args.config))

    async def main() -> int:
        store = await open_database(config)
        try:
            return await work(RequestQueue(store, zone=config.zone.tz, attachments=config.attachments_dir), config)
        finally:
            await store.close()

    return asyncio.run(main())


def cmd_list(args: argparse.Namespace) -> int:
    async def work(queue: RequestQueue, config: Config) -> int:
        limit = args.limit or None  # 0: all of them
        found = await queue.list(args.status, args.kind, limit=limit, offset=args.offset)
        total = await queue.count(args.status, args.kind)
        if args.json:
            print(json.dumps([r.as_dict(config.zone) for r in found], ensure_ascii=False, indent=2))
        else:
            for r in found:
                who = "(erased)" if r.erased_at else r.requester
                print(f"{r.ref}\t{r.kind}\t{r.status}\t{config.zone.format(r.created_at)}\t{who}\t{r.assignee or '-'}")
        if len(found) < total:
            shown = f"{args.offset + 1}-{args.offset + len(found)}" if found else "none"
            print(f"{total} request(s), showing {shown} (--offset N for more, --limit 0 for all)", file=sys.stderr)
        else:
            print(f"{total} request(s)", file=sys.stderr)
        return 0

    return _run(args, work)


def cmd_show(args: argparse.Namespace) -> int:
    async def work(queue: RequestQueue, config: Config) -> int:
        request = await queue.get(normalize_ref(args.ref), with_events=True)
        if request is None:
            print(f"no request {args.ref}. `madoguchi requests list` shows them.", file=sys.stderr)
            return 1
        if args.json:
            data: dict[str, Any] = request.as_dict(config.zone)
            data["events"] = [
                {"at": config.zone.format(e.at), "actor": e.actor, "action": e.action, "text": e.text}
                for e in request.events
            ]
            print(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            print(_describe(request, config.zone))
        return 0

    return _run(args, work)


def cmd_export(args: argparse.Namespace) -> int:
    async def work(queue: RequestQueue, config: Config) -> int:
        found = await queue.list(args.status, args.kind)
        Path(args.csv).write_bytes(export_csv(found, config.zone))
        print(f"wrote {len(found)} request(s) to {args.csv}")
        return 0

    return _run(args, work)


def cmd_purge(args: argparse.Namespace) -> int:
    async def work(queue: RequestQueue, config: Config) -> int:
        days = config.privacy.retention_days
        count = await queue.purge(days)
        log = UnansweredLog(queue.store, config.zone, days)
        entries = await log.purge_expired()
        print(
            f"erased the personal fields of {count} request(s) closed more than {days} days ago, and "
            f"{entries} unanswered question(s) older than that ([privacy] retention_days)"
        )
        return 0

    return _run(args, work)


def _describe(r: Request, zone: OfficeZone) -> str:
    at = zone.format
    tz = zone.abbreviation(r.created_at)
    lines = [
        f"{r.ref}  {r.kind}  {r.status}",
        "requester: "
        + ("(personal data erased)" if r.erased_at else f"{r.requester} chat {r.chat_id} lang {r.lang}")
        + ("  [unreachable]" if r.unreachable else ""),
        f"assignee:  {r.assignee or '-'}",
        f"created:   {at(r.created_at)} {tz}   updated: {at(r.updated_at)} {tz}"
        + (f"   closed: {at(r.closed_at)} {tz}" if r.closed_at else ""),
        "",
        *(f"{name}: {format_value(value)}" for name, value in r.answers.items()),
        "",
        "history:",
        *(f"  {at(e.at)}  {e.actor}  {e.action}" + (f": {e.text}" if e.text else "") for e in r.events),
    ]
    return "\n".join(lines)


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    requests = sub.add_parser("requests", help="the request queue").add_subparsers(
        dest="requests_command", required=True
    )
    p = requests.add_parser("list", parents=[common], help="list requests, oldest first")
    p.add_argument("--status", choices=STATUSES)
    p.add_argument("--kind")
    p.add_argument("--limit", type=int, default=1000, help="at most this many (default 1000; 0: all)")
    p.add_argument("--offset", type=int, default=0, help="skip this many first")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_list)

    p = requests.add_parser("show", parents=[common], help="one request with its answers and history")
    p.add_argument("ref")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_show)

    p = requests.add_parser("export", parents=[common], help="write a CSV table (UTF-8 with BOM, for Excel)")
    p.add_argument("--csv", required=True, metavar="FILE")
    p.add_argument("--status", choices=STATUSES)
    p.add_argument("--kind")
    p.set_defaults(func=cmd_export)

    p = requests.add_parser(
        "purge", parents=[common], help="erase personal fields of requests closed longer than [privacy] retention_days"
    )
    p.set_defaults(func=cmd_purge)
