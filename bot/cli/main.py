"""The `madoguchi` command: shell, run, ask, kb check|show, eval, requests …, staff …, report …"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypedDict

from bot.answering.evaluate import EvalFileError, format_report, read_questions, run, summarize
from bot.answering.knowledge import KnowledgeError
from bot.answering.matcher import Matcher
from bot.answering.understand import understand
from bot.app import load_checked_forms, load_checked_knowledge, open_app
from bot.cli import db as cli_db
from bot.cli import report as cli_report
from bot.cli import requests as cli_requests
from bot.cli import staff as cli_staff
from bot.config import LANGUAGES, Config, load_config, resolve_config_path
from bot.forms.registry import FormRegistry
from bot.forms.replies import load_replies
from bot.messages import Incoming
from bot.settings import ConfigError, StartError
from bot.storage.errors import StorageUnavailable


def _config(args: argparse.Namespace) -> Config:
    return load_config(resolve_config_path(args.config))


def cmd_shell(args: argparse.Namespace) -> int:
    from bot.channels.console.shell import ConsoleShell

    config = _config(args)
    user = args.staff or args.user or "guest"

    async def main() -> None:
        async with open_app(config) as app:
            shell = ConsoleShell(app.inbox, user, config.database.parent / "exports")
            app.outbox.register(shell)
            await shell.run()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
    return 0


class AskResult(TypedDict):
    topic: str | None
    score: float
    decision: str
    lang: str
    alternatives: list[str]
    reply: str
    buttons: list[str]


def cmd_ask(args: argparse.Namespace) -> int:
    config = dataclasses.replace(_config(args), database=Path(":memory:"))

    async def main() -> AskResult:
        async with open_app(config) as app:
            core = app.core
            if args.lang:
                await core.handle(Incoming("cli", "ask", "ask", text=f"/lang {args.lang}"))
            # the decision the chat makes (small talk, the question inside a long message…), not
            # the matcher's alone
            understood = understand(core.deps.matcher, args.text)
            match = understood.match
            replies = await core.handle(Incoming("cli", "ask", "ask", text=args.text))
            await core.drain()  # the language seen is saved beside the answer
            state = await core.deps.store.load_conversation(Incoming("cli", "ask", "ask").key)
            lang = args.lang or state.seen_lang or config.default_language
            return {
                "topic": understood.topic_id,
                "score": round(match.score, 4),
                "decision": understood.kind,
                "lang": lang,
                "alternatives": list(match.alternatives),
                "reply": "\n\n".join(r.text for r in replies),
                "buttons": [b.label for r in replies for b in r.buttons],
            }

    result = asyncio.run(main())
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(
            f"decision: {result['decision']}  topic: {result['topic']}  score: {result['score']}  "
            f"lang: {result['lang']}  alternatives: {', '.join(result['alternatives']) or '-'}"
        )
        print()
        print(result["reply"])
        for i, label in enumerate(result["buttons"], 1):
            print(f"  [{i}] {label}")
    return 0


def cmd_kb_check(args: argparse.Namespace) -> int:
    config = _config(args)
    # topics and forms are both checked before anything is reported, so one run lists every problem
    problems: list[str] = []
    try:
        kb = load_checked_knowledge(config)
    except KnowledgeError as exc:
        problems += exc.problems
    try:
        forms = load_checked_forms(config)
    except KnowledgeError as exc:
        problems += exc.problems
        forms = FormRegistry({})
    try:
        replies = load_replies(config.knowledge_dir / "replies.toml", set(forms))
    except KnowledgeError as exc:
        problems += exc.problems
        replies = []
    if problems:
        raise KnowledgeError(problems)
    extra = f", {len(forms)} forms" if len(forms) else ""
    extra += f", {len(replies)} prepared replies" if replies else ""
    missing = [t for t in config.popular_topics if t not in kb.topics]
    if missing:
        raise ConfigError(
            f"{config.path}: start.popular_topics names unknown topics {missing}. Fix: use ids from knowledge/topics/."
        )
    print(f"ok: {len(kb)} topics{extra} in {config.knowledge_dir}")
    return 0


def cmd_kb_show(args: argparse.Namespace) -> int:
    config = dataclasses.replace(_config(args), database=Path(":memory:"))
    lang = args.lang or config.default_language

    async def main() -> int:
        async with open_app(config) as app:
            core = app.core
            if args.id not in core.deps.knowledge.topics:
                print(f"no topic '{args.id}'. Known: {', '.join(core.deps.knowledge.topics)}", file=sys.stderr)
                return 1
            await core.handle(Incoming("cli", "show", "show", text=f"/lang {lang}"))
            for reply in await core.handle(Incoming("cli", "show", "show", payload=f"t:{args.id}")):
                print(reply.text)
                for i, b in enumerate(reply.buttons, 1):
                    print(f"  [{i}] {b.label}")
            return 0

    return asyncio.run(main())


def cmd_run(args: argparse.Namespace) -> int:
    import os

    from bot.runner import run as run_service

    try:
        return run_service(_config(args), os.environ)
    except StartError as exc:
        print(f"madoguchi run: {exc}", file=sys.stderr)
        return 2


def cmd_eval(args: argparse.Namespace) -> int:
    config = _config(args)
    matcher = Matcher(load_checked_knowledge(config), config.matching)
    outcomes = run(matcher, read_questions(Path(args.file)))
    summary = summarize(outcomes)
    if args.json:
        if args.verbose:
            summary["misses"] = [
                {
                    "id": o.question.id,
                    "lang": o.question.lang,
                    "expected": o.question.topic,
                    "answered": o.predicted,
                    "decision": o.decision,
                    "score": round(o.score, 4),
                }
                for o in outcomes
                if o.predicted != o.question.topic
            ]
        print(json.dumps(summary, ensure_ascii=False))
    else:
        print(format_report(summary, outcomes, args.verbose))
    return 0


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", help="settings file (default ./config.toml, or $MADOGUCHI_CONFIG)")
    parser = argparse.ArgumentParser(prog="madoguchi", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("shell", parents=[common], help="chat in the terminal (also reads a pipe)")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--user", help="play this user id")
    who.add_argument("--staff", help="play this staff id (must be listed in [staff] user_ids)")
    p.set_defaults(func=cmd_shell)

    p = sub.add_parser("ask", parents=[common], help="show the decision and reply for one message")
    p.add_argument("text")
    p.add_argument("--lang", choices=LANGUAGES)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_ask)

    kb = sub.add_parser("kb", help="the knowledge base").add_subparsers(dest="kb_command", required=True)
    p = kb.add_parser("check", parents=[common], help="validate every topic and form, list all problems")
    p.set_defaults(func=cmd_kb_check)
    p = kb.add_parser("show", parents=[common], help="print a topic's answer as a user sees it")
    p.add_argument("id")
    p.add_argument("--lang", choices=LANGUAGES)
    p.set_defaults(func=cmd_kb_show)

    p = sub.add_parser("run", parents=[common], help="serve every channel enabled in config.toml (Telegram, LINE)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("eval", parents=[common], help="answer quality on a JSON-lines question set")
    p.add_argument("file")
    p.add_argument("--json", action="store_true")
    p.add_argument("--verbose", action="store_true", help="list every miss")
    p.set_defaults(func=cmd_eval)

    cli_requests.add_parser(sub, common)
    cli_staff.add_parser(sub, common)
    cli_report.add_parser(sub, common)
    cli_db.add_parser(sub, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func  # each sub-command's set_defaults(func=cmd_...)
    try:
        return func(args)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except KnowledgeError as exc:
        print(f"knowledge base: {len(exc.problems)} problem(s):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    except EvalFileError as exc:
        print(f"eval: {exc}", file=sys.stderr)
        return 2
    except StorageUnavailable as exc:  # a file or a server to fix: restarting will not help
        print(f"madoguchi: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
