"""LINE end to end: webhook events per second, signed POST in to reply call out, against a bare echo.

The bot under test runs in this process, pinned to one CPU (--cpu). LINE's side runs in a second
process pinned to the other CPU (--driver-cpu): the fake Messaging API of the tests
(tests/fake_line.py, real HTTP on 127.0.0.1) and 100 simulated users who sign and POST webhook
events. In production that side is LINE's servers: parsing, validating and storing the messages
the bot sends is their work, not the bot's, and an answer with its buttons is a hundred times the
bytes of an echoed question, so sharing one CPU with the fake would charge the bot for LINE's
work. The bot's CPU is reported beside each figure: near 100% means the bot, not the driver, set
the pace. Two bots in the same run, each round in turn (the order reversed every other round, so
a drift in machine speed hits them alike):

  echo       the floor: a bare line-bot-sdk handler on the same aiohttp server — WebhookParser
             checks the signature and parses the events, then AsyncMessagingApi.reply_message sends
             the text back with the reply token. Nothing goes through line-bot-sdk and aiohttp faster.
  madoguchi  `madoguchi run`'s Service with the shipped config.toml (Telegram off): the LINE
             channel (signature, duplicate-event check, loading-animation timer), the inbox (rate
             limit, per-user order), Core.handle (conversation load, language, matching, templates,
             conversation save in SQLite), the outbox, quick-reply buttons through the payload
             table, reply_message.
  memoized   a diagnostic: the same, but Core.handle answers each distinct question once and then
             repeats those replies, which shows what the channel costs apart from answering.

Each user sends free-text questions (tests/eval/questions.jsonl, each user in one of ja, ko, en)
in a closed loop: one signed webhook POST per question; the next question when the reply has
reached the fake. Handling time is from the POST to the reply call arriving (p50, p99). The
per-user rate limit is raised for the run. The headline ratio is the median of the rounds' own
madoguchi/echo ratios.

    .venv/bin/python bench/line_throughput.py [--users 100] [--per-user 10] [--rounds 6] [--cpu 0 --driver-cpu 1]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Awaitable, Callable

from aiohttp import web
from linebot.v3.messaging import AsyncApiClient, AsyncMessagingApi, Configuration, ReplyMessageRequest, TextMessage
from linebot.v3.webhook import WebhookParser
from linebot.v3.webhooks import MessageEvent, TextMessageContent

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from bot.config import load_config  # noqa: E402
from bot.messages import Incoming, Reply  # noqa: E402
from bot.core.routing import Core  # noqa: E402
from bot.runner import Service  # noqa: E402
from fake_line import ACCESS_TOKEN, CHANNEL_SECRET, FakeLine, Sent, user_id  # noqa: E402

PATH = "/line/webhook"
# (the fake's base URL, stop, started, a list to put the webhook URL in)
Runner = Callable[[str, asyncio.Event, asyncio.Event, list[str]], Awaitable[None]]


def questions(lang: str) -> list[str]:
    path = ROOT / "tests" / "eval" / "questions.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["text"] for r in rows if r.get("topic") and r["lang"] == lang]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def echo_bot(api_url: str, stop: asyncio.Event, started: asyncio.Event, url: list[str]) -> None:
    parser = WebhookParser(CHANNEL_SECRET)
    client = AsyncApiClient(Configuration(host=api_url, access_token=ACCESS_TOKEN))
    api = AsyncMessagingApi(client)

    async def webhook(request: web.Request) -> web.Response:
        body = (await request.read()).decode("utf-8")
        for event in parser.parse(body, request.headers.get("X-Line-Signature", "")):
            if isinstance(event, MessageEvent) and isinstance(event.message, TextMessageContent):
                await api.reply_message(ReplyMessageRequest(replyToken=event.reply_token,
                                                            messages=[TextMessage(text=event.message.text)]))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post(PATH, webhook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url.append(f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}{PATH}")  # type: ignore[union-attr]
    started.set()
    await stop.wait()
    await runner.cleanup()
    await client.close()


def madoguchi_bot(tmp: Path, memoized: bool = False) -> Runner:
    """memoized (a diagnostic, not the headline): Core.handle answers each distinct question once and
    then repeats its replies, so the figure is the channel, inbox and outbox without the answering."""

    async def run(api_url: str, stop: asyncio.Event, started: asyncio.Event, url: list[str]) -> None:
        base = load_config(ROOT / "config.toml")
        line = dataclasses.replace(base.line, enabled=True, api_base_url=api_url, data_api_base_url="")
        config = dataclasses.replace(
            base, database=tmp / f"bench-{time.monotonic_ns()}.sqlite3", attachments_dir=tmp / "attachments",
            rate_limit_per_minute=10_000, line=line, telegram=dataclasses.replace(base.telegram, enabled=False),
            server=dataclasses.replace(base.server, port=0))
        env = {"LINE_CHANNEL_SECRET": CHANNEL_SECRET, "LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN}
        async with Service(config, env) as service:
            if memoized:
                memoize(service.app.core)
            url.append(f"http://127.0.0.1:{service.server.port}{config.line.webhook_path}")
            started.set()
            await stop.wait()
    return run


def memoize(core: Core) -> None:
    real = core.handle
    seen: dict[str, list[Reply]] = {}

    async def handle(msg: Incoming, fetch: Any = None) -> list[Reply]:
        if msg.text not in seen:
            seen[msg.text] = await real(msg, fetch)
        return [dataclasses.replace(r, to=msg.address) for r in seen[msg.text]]

    core.handle = handle  # type: ignore[method-assign]


async def drive(users: int, per_user: int) -> None:
    """LINE's side, in its own process: the fake API, and users in a closed loop against the webhook.

    Prints the fake's URL, reads the webhook's URL, runs, prints the figures as one JSON line."""
    fake = FakeLine()
    await fake.start()
    print(json.dumps({"fake": fake.base_url}), flush=True)
    webhook = (await asyncio.to_thread(sys.stdin.readline)).strip()

    langs = ("ja", "ko", "en")
    by_lang = {lang: questions(lang) for lang in langs}
    people = [user_id(200_000 + i) for i in range(users)]
    lang_of = {p: langs[i % 3] for i, p in enumerate(people)}
    asked: dict[str, float] = {}  # user -> when their question was posted
    left = {p: per_user for p in people}
    latencies: list[float] = []
    done = asyncio.Event()
    counter = [0]
    tasks: set[asyncio.Task[Any]] = set()

    def ask(person: str) -> None:
        counter[0] += 1
        pool = by_lang[lang_of[person]]
        event = fake.text_event(person, pool[counter[0] % len(pool)])
        asked[person] = time.perf_counter()
        task = asyncio.get_running_loop().create_task(fake.post_events(webhook, [event]))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    def on_sent(sent: Sent) -> None:
        if not sent.last_of_call or sent.to not in asked:
            return
        latencies.append(sent.at - asked.pop(sent.to))
        left[sent.to] -= 1
        if left[sent.to] > 0:
            ask(sent.to)
        elif all(v == 0 for v in left.values()):
            done.set()

    fake.on_sent = on_sent
    t0 = time.perf_counter()
    for person in people:
        ask(person)
    await asyncio.wait_for(done.wait(), 600)
    wall = time.perf_counter() - t0
    await asyncio.gather(*tasks)
    if fake.session is not None:
        await fake.session.close()
    await fake.stop()
    count = users * per_user
    print(json.dumps({"messages": count, "seconds": round(wall, 3), "per_second": round(count / wall, 1),
                      "p50_ms": round(pct(latencies, 0.5) * 1000, 2),
                      "p99_ms": round(pct(latencies, 0.99) * 1000, 2)}), flush=True)


async def measure(name: str, runner: Runner, users: int, per_user: int, driver_cpu: int) -> dict[str, Any]:
    driver = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--drive", "--users", str(users), "--per-user", str(per_user),
        "--cpu", str(driver_cpu), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    assert driver.stdin is not None and driver.stdout is not None
    api_url = json.loads(await driver.stdout.readline())["fake"]
    stop, started, url = asyncio.Event(), asyncio.Event(), []
    task = asyncio.create_task(runner(api_url, stop, started, url))
    await asyncio.wait_for(started.wait(), 60)
    c0 = time.process_time()
    driver.stdin.write((url[0] + "\n").encode())
    await driver.stdin.drain()
    figures = json.loads(await asyncio.wait_for(driver.stdout.readline(), 600))
    cpu = time.process_time() - c0
    await driver.wait()
    stop.set()
    await task
    return {"bot": name, **figures, "bot_cpu_busy": round(cpu / figures["seconds"], 2)}


async def main(args: argparse.Namespace) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        runners: list[tuple[str, Runner]] = [("echo", echo_bot), ("madoguchi", madoguchi_bot(Path(tmp))),
                                             ("memoized", madoguchi_bot(Path(tmp), memoized=True))]
        for name, runner in runners:  # warm-up: imports, first matcher call, connection pools
            await measure(name, runner, 10, 3, args.driver_cpu)
        results = []
        for i in range(args.rounds):
            for name, runner in runners if i % 2 == 0 else runners[::-1]:
                results.append(await measure(name, runner, args.users, args.per_user, args.driver_cpu) | {"round": i})
                print(json.dumps(results[-1]), flush=True)
    return results


def report(results: list[dict[str, Any]]) -> dict[str, Any]:
    rounds = sorted({r["round"] for r in results})
    rate = {(r["round"], r["bot"]): r["per_second"] for r in results}
    ratios = [rate[i, "madoguchi"] / rate[i, "echo"] for i in rounds]
    channel_only = statistics.median(rate[i, "memoized"] / rate[i, "echo"] for i in rounds)
    median = {name: {k: statistics.median(r[k] for r in results if r["bot"] == name)
                     for k in ("per_second", "p50_ms", "p99_ms", "bot_cpu_busy")}
              for name in ("echo", "madoguchi", "memoized")}
    headline = statistics.median(ratios)
    print()
    print(f"{'bot':<10} {'events/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'bot CPU':>8}   (medians of {len(rounds)} rounds)")
    for name, m in median.items():
        print(f"{name:<10} {m['per_second']:>9.1f} {m['p50_ms']:>8.1f} {m['p99_ms']:>8.1f} {m['bot_cpu_busy']:>8.0%}")
    print(f"madoguchi / echo: {headline:.0%} (median of the rounds' ratios; range {min(ratios):.0%}-{max(ratios):.0%}; "
          "target >= 70%)")
    print(f"memoized answers (diagnostic: the channel, inbox and outbox without answering) / echo: {channel_only:.0%}")
    return {"medians": median, "ratio": round(headline, 3), "ratio_range": [round(min(ratios), 3),
            round(max(ratios), 3)], "ratio_memoized": round(channel_only, 3), "runs": results}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--per-user", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--cpu", type=int, default=0, help="pin the bot to this CPU (-1: don't)")
    parser.add_argument("--driver-cpu", type=int, default=1, help="pin LINE's side to this CPU (-1: don't)")
    parser.add_argument("--drive", action="store_true", help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    if args.cpu >= 0 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    logging.basicConfig(level=logging.WARNING)
    if args.drive:
        asyncio.run(drive(args.users, args.per_user))
        sys.exit(0)
    summary = report(asyncio.run(main(args)))
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "line_throughput.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
