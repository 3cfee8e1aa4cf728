"""Telegram end to end: messages per second, update in to reply out, against a bare echo bot.

The bot under test runs in this process, pinned to one CPU (--cpu): a real python-telegram-bot
Application polling the fake Bot API server of the tests (tests/fake_telegram.py, real HTTP on
127.0.0.1). Telegram's side runs in a second process pinned to the other CPU (--driver-cpu): the
fake server and 100 simulated users. In production that side is Telegram's servers; sharing the
bot's CPU with it (as this bench did until the LINE one showed why not) charged the bot for
parsing and storing what it sends, and an answer with its keyboard is many times the bytes of an
echoed question. Three bots, in the same run, each round in turn (the order reversed every other
round, so a drift in machine speed hits them alike):

  echo       the floor: a bare Application, python-telegram-bot's defaults, whose one handler
             sends the text back. Nothing goes through python-telegram-bot and this server faster.
  echo-pool  the same echo bot with Madoguchi's sending pool ([telegram] connection_pool_size):
             how much of Madoguchi's figure is that setting rather than its own code.
  madoguchi  `madoguchi run`'s Service with the shipped config.toml (LINE off): the channel, the
             inbox (rate limit, per-user ordering), Core.handle (conversation load, language,
             matching, templates, conversation save in SQLite), the outbox, inline keyboards,
             JSON sendMessage.

100 simulated users each ask free-text questions (from tests/eval/questions.jsonl; a third of
the users in each of ja, ko, en, each user in their own language) in a closed loop: a user sends
the next question when the reply to the last one has arrived. Handling time is from the moment
getUpdates hands the update to the bot to the moment the reply reaches the server (p50, p99).
The per-user rate limit is raised for the run: 100 users asking as fast as they can is not the
flood the limit is for. The headline ratio is the median of the rounds' own madoguchi/echo
ratios; the machine this runs on is shared, and single runs swing by a fifth.

    .venv/bin/python bench/telegram_throughput.py [--users 100] [--per-user 10] [--rounds 6] [--cpu 0 --driver-cpu 1]
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
from typing import Awaitable, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from telegram import Update  # noqa: E402
from telegram.ext import ApplicationBuilder, ContextTypes, MessageHandler, filters  # noqa: E402

from bot.app import open_app  # noqa: E402
from bot.channels.telegram.application import MAX_CONCURRENT_UPDATES, api_urls  # noqa: E402
from bot.config import load_config  # noqa: E402
from bot.runner import Service  # noqa: E402
from fake_telegram import TOKEN, FakeTelegram, Sent, user  # noqa: E402

# (the fake server's base URL, stop, started)
Runner = Callable[[str, asyncio.Event, asyncio.Event], Awaitable[None]]


def questions(lang: str | None = None) -> list[str]:
    path = ROOT / "tests" / "eval" / "questions.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["text"] for r in rows if r.get("topic") and lang in (None, r["lang"])]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def echo_bot(pool_size: int | None = None) -> Runner:
    async def run(fake_url: str, stop: asyncio.Event, started: asyncio.Event) -> None:
        async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            await context.bot.send_message(update.effective_chat.id, update.message.text)

        api, files = api_urls(fake_url, "")
        builder = (ApplicationBuilder().token(TOKEN).base_url(api).base_file_url(files)
                   .concurrent_updates(MAX_CONCURRENT_UPDATES))
        if pool_size is not None:
            builder = builder.connection_pool_size(pool_size)
        app = builder.build()
        app.add_handler(MessageHandler(filters.TEXT, echo))
        async with app:
            await app.start()
            await app.updater.start_polling(timeout=30)
            started.set()
            await stop.wait()
            await app.updater.stop()
            await app.stop()
    return run


def madoguchi_bot(tmp: Path) -> Runner:
    async def run(fake_url: str, stop: asyncio.Event, started: asyncio.Event) -> None:
        base = load_config(ROOT / "config.toml")
        db = tmp / f"bench-{time.monotonic_ns()}.sqlite3"
        tg = dataclasses.replace(base.telegram, base_url=fake_url, base_file_url="")
        config = dataclasses.replace(base, database=db, attachments_dir=tmp / "attachments", telegram=tg,
                                     rate_limit_per_minute=10_000, line=dataclasses.replace(base.line, enabled=False),
                                     server=dataclasses.replace(base.server, port=0))
        async with Service(config, {"TELEGRAM_BOT_TOKEN": TOKEN}):
            started.set()
            await stop.wait()
    return run


async def measure(name: str, runner: Runner, users: int, per_user: int, driver_cpu: int) -> dict:
    driver = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--drive", "--users", str(users), "--per-user", str(per_user),
        "--cpu", str(driver_cpu), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    assert driver.stdin is not None and driver.stdout is not None
    fake_url = json.loads(await driver.stdout.readline())["fake"]
    stop, started = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(runner(fake_url, stop, started))
    await asyncio.wait_for(started.wait(), 60)
    c0 = time.process_time()
    driver.stdin.write(b"go\n")
    await driver.stdin.drain()
    figures = json.loads(await asyncio.wait_for(driver.stdout.readline(), 600))
    cpu = time.process_time() - c0
    stop.set()
    await task  # the bot stops while the fake still answers its last getUpdates
    driver.stdin.write(b"stop\n")
    await driver.stdin.drain()
    await driver.wait()
    return {"bot": name, **figures, "cpu_busy": round(cpu / figures["seconds"], 2)}


async def drive(users: int, per_user: int) -> None:
    """Telegram's side, in its own process: the fake Bot API, and users in a closed loop.

    Prints the fake's URL, waits for "go", runs, prints the figures as one JSON line, and keeps
    the fake serving until "stop" (the bot's last getUpdates comes while it shuts down)."""
    fake = FakeTelegram()
    await fake.start()
    print(json.dumps({"fake": fake.base_url}), flush=True)
    await asyncio.to_thread(sys.stdin.readline)

    people = [user(100_000 + i, f"U{i}", ("ja", "ko", "en")[i % 3]) for i in range(users)]
    current: dict[int, int] = {}     # chat -> update id waiting for its reply
    left = {p["id"]: per_user for p in people}
    latencies: list[float] = []
    done = asyncio.Event()
    counter = [0]
    tasks: set[asyncio.Task] = set()

    by_lang = {lang: questions(lang) for lang in ("ja", "ko", "en")}

    def next_text(lang: str) -> str:  # a user keeps to their own language, as people do
        counter[0] += 1
        pool = by_lang[lang]
        return pool[counter[0] % len(pool)]

    def ask(person: dict) -> None:
        text = next_text(person["language_code"])
        task = asyncio.get_running_loop().create_task(_push(person, fake.message_update(person, text)))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    async def _push(person: dict, update: dict) -> None:
        current[person["id"]] = await fake.push(update)

    def on_sent(sent: Sent) -> None:
        chat = sent.chat_id
        update_id = current.pop(chat, None)
        if update_id is None:
            return
        latencies.append(sent.at - fake.queued_at[update_id])
        left[chat] -= 1
        if left[chat] > 0:
            ask(by_id[chat])
        elif all(v == 0 for v in left.values()):
            done.set()

    by_id = {p["id"]: p for p in people}
    fake.on_sent = on_sent
    t0 = time.perf_counter()
    for person in people:
        ask(person)
    await asyncio.wait_for(done.wait(), 600)
    wall = time.perf_counter() - t0
    count = users * per_user
    print(json.dumps({"messages": count, "seconds": round(wall, 3), "per_second": round(count / wall, 1),
                      "p50_ms": round(pct(latencies, 0.5) * 1000, 2), "p99_ms": round(pct(latencies, 0.99) * 1000, 2),
                      "mean_ms": round(statistics.fmean(latencies) * 1000, 2)}), flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    await fake.stop()


async def core_only(tmp: Path, texts: list[str], users: int, count: int) -> dict:
    """Core.handle alone, no Telegram at all: where the time goes when Madoguchi is below target."""
    from bot.messages import Incoming

    base = load_config(ROOT / "config.toml")
    config = dataclasses.replace(base, database=tmp / "core-only.sqlite3")
    by_lang = [questions(lang) for lang in ("ja", "ko", "en")]

    def message(i: int) -> Incoming:  # user u asks in one language, as in measure()
        u = i % users
        pool = by_lang[u % 3]
        return Incoming("telegram", str(u), str(u), text=pool[(i // users) % len(pool)])

    async with open_app(config) as app:
        core = app.core
        for i in range(50):
            await core.handle(message(i))
        t0 = time.perf_counter()
        for i in range(count):
            await core.handle(message(i))
        wall = time.perf_counter() - t0
        t0 = time.perf_counter()
        for i in range(count):
            core.deps.matcher.match(texts[i % len(texts)])
        match_wall = time.perf_counter() - t0
    return {"bot": "core.handle only", "messages": count, "per_second": round(count / wall, 1),
            "mean_ms": round(wall / count * 1000, 2), "matcher_mean_ms": round(match_wall / count * 1000, 2)}


async def main(args: argparse.Namespace) -> list[dict]:
    texts = questions()
    pool = load_config(ROOT / "config.toml").telegram.connection_pool_size
    with tempfile.TemporaryDirectory() as tmp:
        runners: list[tuple[str, Runner]] = [("echo", echo_bot()), ("echo-pool", echo_bot(pool)),
                                             ("madoguchi", madoguchi_bot(Path(tmp)))]
        for name, runner in runners:  # warm-up: imports, first matcher call, connection pools
            await measure(name, runner, 10, 3, args.driver_cpu)
        results = []
        for i in range(args.rounds):
            for name, runner in runners if i % 2 == 0 else runners[::-1]:
                results.append(await measure(name, runner, args.users, args.per_user, args.driver_cpu) | {"round": i})
                print(json.dumps(results[-1]), flush=True)
        results.append(await core_only(Path(tmp), texts, args.users, args.users * args.per_user))
        print(json.dumps(results[-1]), flush=True)
    return results


def report(results: list[dict]) -> dict:
    runs = [r for r in results if "round" in r]
    names = ("echo", "echo-pool", "madoguchi")
    rate = {(r["round"], r["bot"]): r["per_second"] for r in runs}
    rounds = sorted({r["round"] for r in runs})

    def ratios(bot: str, floor: str) -> list[float]:
        return [rate[i, bot] / rate[i, floor] for i in rounds]

    median = {name: {k: statistics.median(r[k] for r in runs if r["bot"] == name)
                     for k in ("per_second", "p50_ms", "p99_ms")} for name in names}
    headline = statistics.median(ratios("madoguchi", "echo"))
    same_pool = statistics.median(ratios("madoguchi", "echo-pool"))
    spread = ratios("madoguchi", "echo")
    print()
    print(f"{'bot':<10} {'msg/s':>8} {'p50 ms':>8} {'p99 ms':>8}   (medians of {len(rounds)} rounds)")
    for name in names:
        m = median[name]
        print(f"{name:<10} {m['per_second']:>8.1f} {m['p50_ms']:>8.1f} {m['p99_ms']:>8.1f}")
    print(f"madoguchi / echo: {headline:.0%} (median of the rounds' ratios; range {min(spread):.0%}-{max(spread):.0%}; "
          f"target >= 70%)")
    print(f"madoguchi / echo with the same sending pool: {same_pool:.0%}")
    core = results[-1]
    print(f"for comparison, Core.handle alone: {core['per_second']} msg/s, {core['mean_ms']} ms per message, "
          f"of which matching {core['matcher_mean_ms']} ms")
    return {"medians": median, "ratio": round(headline, 3), "ratio_range": [round(min(spread), 3), round(max(spread), 3)],
            "ratio_same_pool": round(same_pool, 3), "core_only": core, "runs": results}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--per-user", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--cpu", type=int, default=0, help="pin the bot to this CPU (-1: don't)")
    parser.add_argument("--driver-cpu", type=int, default=1, help="pin Telegram's side to this CPU (-1: don't)")
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
    (out / "telegram_throughput.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
