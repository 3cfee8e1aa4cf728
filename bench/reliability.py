"""Reliability: other people's answer times while one user floods, and while another process holds the lock.

Two measurements, each beside its own baseline in the same run, conditions alternated round by round
(the order reversed every other round, so a drift in machine speed hits both alike).

1. Flood, on each channel (console, Telegram, LINE), with the SHIPPED flood limit (config.toml's
   [channels] rate_limit_per_minute, 20): that limit is what is measured. N other users (30; a third
   each in ja, ko, en, asking questions from tests/eval/questions.jsonl in their language) ask in a
   closed loop with a think time (the next question 0.5-1.5 x --think seconds after the answer,
   --per-user questions each: below the limit, so none of them is ever told to slow down). Their
   answer times are recorded once without a flood and once while one more user sends a 4,000-
   character Japanese text as an open-loop stream at --flood-rate messages/s for the whole run (each
   sent on schedule without waiting for the last; a LINE post waits only when 256 are unanswered).
   Reported per channel: medians over the rounds of each run's p50 and p99, the median of the
   rounds' own flood/no-flood ratios, the same p50/p99 for the questions asked after the flooder's
   "slow down" arrived (the limit's burst is over: the 20 admitted 4,000-character texts cost ~70 ms
   each to match), the bot's CPU, and how many of the flooder's messages got a reply (expected:
   the limit's 20 answers and one "slow down").

   Each run is a fresh `madoguchi run` Service (bot/runner.py) or, for the console, a fresh
   open_app, on a fresh SQLite file in a temporary folder, sharing one built matcher. The bot runs
   in this process, pinned to one CPU (--cpu). For Telegram and LINE, the platform's side runs in a
   second process pinned to the other CPU (--driver-cpu), as in bench/line_throughput.py: the fake
   servers of the tests (tests/fake_telegram.py, tests/fake_line.py, real HTTP on 127.0.0.1), the
   other users and the flooder. On one CPU, building, signing and posting several hundred 12 kB
   webhooks a second (or serving them to getUpdates) would be charged to the bot, and the users'
   clocks would run on a loop the flood keeps busy. Telegram: updates are pushed into the fake and
   the bot long-polls them (PTB's getUpdates, 100 a batch); an answer time is from the push to the
   first sendMessage to that chat. LINE: one signed webhook POST per message, flooder's on its own
   connections; from the POST to the reply call. The console has no transport: everything runs in
   this process, an answer time is one `await inbox.receive(shell.to_incoming(text), shell)`, and
   the flood is the same stream of concurrent inbox.receive calls.

2. Lock (console: open_app, the inbox and a ConsoleShell per person). Before the window, one
   requester fills in a question to staff up to its summary, and half of the users ask one question
   (their conversation is then saved: "returning" users). Then a separate process (python with
   sqlite3) opens the same database file and holds BEGIN IMMEDIATE for --lock-seconds, while the
   users (half returning, half "new", who write for the first time in the window; none with a form
   in progress) ask plain knowledge questions in a closed loop with a think time, and the requester
   presses Submit again and again. The same without the lock, same process, same run. Reported, all
   rounds pooled: answer time p50/p99 for every question, for each user's first question in the
   window and for their later ones; replies that were "busy"; the Submit's time and reply (it
   should wait at most [storage] lock_wait_seconds, then say "busy"); requests stored.

    .venv/bin/python bench/reliability.py [--quick] [--rounds 4] [--users 30] [--per-user 10] [--think 1.0]
        [--flood-rate 500] [--lock-seconds 15] [--lock-rounds 2] [--parts flood lock] [--cpu 0 --driver-cpu 1]

--quick: fewer users, rounds and seconds (under 2 minutes), to check it still works. The full run
takes about 7 minutes on the 2-core machine. Figures go to bench/results/reliability.json.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import io
import json
import logging
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from bot.app import Answering, build_answering, open_app  # noqa: E402
from bot.channels.console.shell import ConsoleShell  # noqa: E402
from bot.config import Config, load_config  # noqa: E402
from bot.core.channel import Delivery  # noqa: E402
from bot.core.inbox import Inbox  # noqa: E402
from bot.messages import Address, Incoming, Reply  # noqa: E402
from bot.rendering.renderer import Renderer  # noqa: E402
from bot.runner import Service  # noqa: E402
from fake_line import ACCESS_TOKEN, CHANNEL_SECRET, FakeLine, sign, user_id  # noqa: E402
from fake_telegram import TOKEN, FakeTelegram, user  # noqa: E402

LANGS = ("ja", "ko", "en")
CHANNELS = ("console", "telegram", "line")
FLOOD_CHARS = 4000
FLOODER = 777_000  # the flooder's number (Telegram id, LINE U…, console user)
OTHERS = 300_000  # the other users' numbers start here
FLOOD_CONNECTIONS = 64  # the LINE flooder's keep-alive connections: LINE's platform posts over several too
FLOOD_IN_FLIGHT = 256  # unanswered flood posts at most: past that the stream goes at the transport's pace
TICK = 0.005  # the flood sender wakes this often and sends what is due
ANSWER_TIMEOUT = 120.0  # an answer later than this is a hang, not a figure
MAX_ASKED = 18  # questions one user asks in a lock window: under the shipped limit (20/min, one before)
SUBMIT_GAP = 0.5  # seconds between the requester's presses of Submit
# What the requester types before the lock: a question to staff, up to its summary with the Submit button
FORM_SCRIPT = ("/lang en", "/ask Is the office open on Saturdays?", "Kim Minji", "minji@example.ac.kr")
SUBMIT = "fm:submit"
SUBMIT_PHASES = ("alone", "while others ask")
LOCKER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
db.execute("BEGIN IMMEDIATE")  # the write lock, held until stdin closes
print("locked", flush=True)
sys.stdin.read()
db.execute("ROLLBACK")
"""
# (--quick, full) defaults of the settings left unset on the command line
DEFAULTS: dict[str, tuple[Any, Any]] = {
    "rounds": (1, 4), "users": (12, 30), "per_user": (4, 10), "think": (0.5, 1.0),
    "lock_seconds": (8.0, 15.0), "lock_rounds": (1, 2), "lock_users": (6, 12),
}

Ask = Callable[[int, str], Awaitable[float]]  # user number, text -> seconds until the answer arrived
Seen = Callable[[Address, Sequence[Reply]], None]  # the console's replies, as they are delivered


@dataclass(frozen=True)
class Load:
    """What the other users and the flooder do in one run."""

    users: int
    per_user: int
    think: float
    flood_rate: float  # flood messages per second; 0 = no flood
    seed: int

    def argv(self) -> list[str]:
        return ["--users", str(self.users), "--per-user", str(self.per_user), "--think", str(self.think),
                "--flood-rate", str(self.flood_rate), "--seed", str(self.seed)]


def questions(lang: str) -> list[str]:
    path = ROOT / "tests" / "eval" / "questions.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["text"] for r in rows if r.get("topic") and r["lang"] == lang]


def flood_text() -> str:
    """4,000 characters of real questions: what a paste-happy or scripted user might send."""
    text = ""
    for question in questions("ja") * 20:
        text += question + " "
        if len(text) >= FLOOD_CHARS:
            break
    return text[:FLOOD_CHARS]


def labels(key: str) -> frozenset[str]:
    renderer = Renderer()
    return frozenset(renderer.label(lang, key) for lang in LANGS)


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def median(values: Sequence[float]) -> float:
    return round(statistics.median(values), 3) if values else float("nan")


# -- measurement 1: the other users, the flooder, and what they saw ------------------------------


@dataclass
class Tally:
    """What one run saw: the other users' answer times, and the replies the flooder got."""

    slow_down: frozenset[str]
    asked: list[tuple[float, float]] = field(default_factory=list)  # (asked at, seconds to answer)
    others_slowed: int = 0  # "slow down" said to one of the others: must stay 0
    flood_sent: int = 0
    flood_failed: int = 0
    flood_started: float | None = None
    flood_seconds: float = 0.0
    flood_answers: int = 0  # replies to the flooder that were answers
    flood_slow_downs: int = 0
    # when the flooder's "slow down" arrived: it waits behind the admitted messages, so the burst is over
    calm_from: float | None = None

    def to_flooder(self, texts: Sequence[str]) -> None:
        """One reply (one delivery, reply call or message) to the flooder."""
        if any(text in self.slow_down for text in texts):
            self.flood_slow_downs += 1
            if self.calm_from is None:
                self.calm_from = time.perf_counter()
        else:
            self.flood_answers += 1

    def to_other(self, texts: Sequence[str]) -> None:
        if any(text in self.slow_down for text in texts):
            self.others_slowed += 1

    def figures(self) -> dict[str, Any]:
        seconds = [s for _, s in self.asked]
        calm = [s for at, s in self.asked if self.calm_from is not None and at >= self.calm_from]
        origin = self.flood_started if self.flood_started is not None else min(at for at, _ in self.asked)
        # the five slowest, with when they were asked (seconds from the start): in the burst or after it
        slowest = [[round(at - origin, 2), ms(s)] for at, s in sorted(self.asked, key=lambda a: -a[1])[:5]]
        return {"questions": len(seconds), "p50_ms": ms(pct(seconds, 0.5)), "p99_ms": ms(pct(seconds, 0.99)),
                "mean_ms": ms(statistics.fmean(seconds)), "max_ms": ms(max(seconds)),
                "after_burst_questions": len(calm), "after_burst_p50_ms": ms(pct(calm, 0.5)) if calm else None,
                "after_burst_p99_ms": ms(pct(calm, 0.99)) if calm else None, "others_slowed": self.others_slowed,
                "flood_sent": self.flood_sent, "flood_failed": self.flood_failed,
                "flood_per_second": round(self.flood_sent / self.flood_seconds, 1) if self.flood_seconds else 0.0,
                "flood_answers": self.flood_answers, "flood_slow_downs": self.flood_slow_downs,
                "burst_ms": ms(self.calm_from - self.flood_started)
                if self.calm_from is not None and self.flood_started is not None else None, "slowest": slowest}


async def others(load: Load, ask: Ask, tally: Tally) -> None:
    """Each user asks per_user questions in their language, the next one a think time after the answer."""
    pools = {lang: questions(lang) for lang in LANGS}

    async def one(i: int) -> None:
        rng = random.Random(load.seed * 100_003 + i)
        pool = pools[LANGS[i % 3]]
        await asyncio.sleep(rng.uniform(0, load.think))  # people do not all start on the same tick
        for _ in range(load.per_user):
            at = time.perf_counter()
            tally.asked.append((at, await ask(i, pool[rng.randrange(len(pool))])))
            await asyncio.sleep(load.think * rng.uniform(0.5, 1.5))

    await asyncio.gather(*(one(i) for i in range(load.users)))


async def flood(rate: float, send: Callable[[], Awaitable[None]], stop: asyncio.Event, tally: Tally) -> None:
    """An open-loop stream at `rate` a second until `stop`: each message sent when due, not when the
    last was answered; only FLOOD_IN_FLIGHT unanswered ones make it wait (the transport's own pace)."""
    if rate <= 0:
        return
    interval = 1.0 / rate
    in_flight: set[asyncio.Task[None]] = set()
    loop = asyncio.get_running_loop()
    started = due = time.perf_counter()
    tally.flood_started = started
    while not stop.is_set():
        now = time.perf_counter()
        while due <= now and len(in_flight) < FLOOD_IN_FLIGHT:
            task = loop.create_task(send())
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
            tally.flood_sent += 1
            due += interval
        if due < now - 1.0:  # held up by the transport: carry on at the rate, no burst to catch up
            due = now
        await asyncio.sleep(TICK)
    tally.flood_seconds = time.perf_counter() - started
    await asyncio.gather(*in_flight, return_exceptions=True)


async def run_load(load: Load, ask: Ask, send_flood: Callable[[], Awaitable[None]], tally: Tally) -> dict[str, Any]:
    stop = asyncio.Event()
    flooding = asyncio.get_running_loop().create_task(flood(load.flood_rate, send_flood, stop, tally))
    c0, t0 = time.process_time(), time.perf_counter()
    await others(load, ask, tally)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - c0
    stop.set()
    await flooding
    return tally.figures() | {"seconds": round(wall, 3), "cpu_busy": round(cpu / wall, 3)}


# -- the platform's side, in the driver process (Telegram, LINE) ---------------------------------


def emit(figures: dict[str, Any]) -> None:
    print(json.dumps(figures), flush=True)


async def read_line() -> str:
    return (await asyncio.to_thread(sys.stdin.readline)).strip()


async def drive_telegram(load: Load) -> None:
    fake = FakeTelegram()
    await fake.start()
    emit({"fake": fake.base_url})
    await read_line()  # the bot is polling
    loop = asyncio.get_running_loop()
    tally = Tally(labels("slow_down"))
    people = [user(OTHERS + i, f"U{i}", LANGS[i % 3]) for i in range(load.users)]
    flooder = user(FLOODER, "Flood", "ja")
    waiting: dict[int, asyncio.Future[float]] = {}  # chat -> its question's answer time

    def on_sent(sent: Any) -> None:
        if sent.chat_id == FLOODER:
            tally.to_flooder([sent.text])
            return
        tally.to_other([sent.text])
        answer = waiting.pop(sent.chat_id, None)
        if answer is not None and not answer.done():
            answer.set_result(sent.at)  # the first message of the answer, as bench/telegram_throughput.py

    async def ask(i: int, text: str) -> float:
        answer = loop.create_future()
        waiting[people[i]["id"]] = answer
        t0 = time.perf_counter()
        await fake.push(fake.message_update(people[i], text))
        return await asyncio.wait_for(answer, ANSWER_TIMEOUT) - t0

    text = flood_text()

    async def send_flood() -> None:
        await fake.push(fake.message_update(flooder, text))

    fake.on_sent = on_sent
    figures = await run_load(load, ask, send_flood, tally)
    emit(figures | {"flood_backlog": len(fake.pending)})  # pushed, not yet confirmed by the bot
    await read_line()  # the bot has stopped: its last getUpdates is answered
    await fake.stop()


async def drive_line(load: Load) -> None:
    fake = FakeLine()
    await fake.start()
    emit({"fake": fake.base_url})
    webhook = await read_line()
    loop = asyncio.get_running_loop()
    tally = Tally(labels("slow_down"))
    people = [user_id(OTHERS + i) for i in range(load.users)]
    flooder = user_id(FLOODER)
    waiting: dict[str, asyncio.Future[float]] = {}

    def on_sent(sent: Any) -> None:
        if not sent.last_of_call:
            return
        if sent.to == flooder:
            tally.to_flooder([sent.text])
            return
        tally.to_other([sent.text])
        answer = waiting.pop(sent.to, None)
        if answer is not None and not answer.done():
            answer.set_result(sent.at)

    async def ask(i: int, text: str) -> float:
        answer = loop.create_future()
        waiting[people[i]] = answer
        event = fake.text_event(people[i], text)
        t0 = time.perf_counter()
        status, body = await fake.post_events(webhook, [event])
        if status != 200:
            raise RuntimeError(f"the webhook answered {status}: {body}")
        return await asyncio.wait_for(answer, ANSWER_TIMEOUT) - t0

    text = flood_text()
    # the flooder's own connections: sharing the others' pool would make them queue in the driver
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=FLOOD_CONNECTIONS))

    async def send_flood() -> None:
        body = fake.payload([fake.text_event(flooder, text)])  # a fresh event id and reply token each
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "LineBotWebhook/2.0",
                   "X-Line-Signature": sign(body, CHANNEL_SECRET)}
        try:
            async with session.post(webhook, data=body, headers=headers) as response:
                await response.read()
                if response.status != 200:
                    tally.flood_failed += 1
        except aiohttp.ClientError:
            tally.flood_failed += 1

    fake.on_sent = on_sent
    figures = await run_load(load, ask, send_flood, tally)
    await session.close()
    emit(figures)
    await read_line()
    await fake.stop()


def bot_config(base: Config, channel: str, fake_url: str, database: Path) -> tuple[Config, dict[str, str]]:
    """config.toml as shipped (the flood limit included), pointed at the fake, on a fresh database."""
    config = dataclasses.replace(base, database=database, attachments_dir=database.parent / "attachments",
                                 server=dataclasses.replace(base.server, port=0))
    if channel == "telegram":
        return dataclasses.replace(
            config, telegram=dataclasses.replace(base.telegram, base_url=fake_url, base_file_url=""),
            line=dataclasses.replace(base.line, enabled=False)), {"TELEGRAM_BOT_TOKEN": TOKEN}
    line = dataclasses.replace(base.line, enabled=True, api_base_url=fake_url, data_api_base_url="")
    return dataclasses.replace(config, line=line, telegram=dataclasses.replace(base.telegram, enabled=False)), {
        "LINE_CHANNEL_SECRET": CHANNEL_SECRET, "LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN}


async def measure_remote(channel: str, load: Load, base: Config, answering: Answering, database: Path,
                         driver_cpu: int) -> dict[str, Any]:
    """The bot here, the platform's side in a driver process (this script with --drive)."""
    driver = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--drive", channel, *load.argv(), "--cpu", str(driver_cpu),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    assert driver.stdin is not None and driver.stdout is not None
    try:
        fake_url = json.loads(await asyncio.wait_for(driver.stdout.readline(), 60))["fake"]
        config, env = bot_config(base, channel, fake_url, database)
        async with Service(config, env, answering=answering) as service:
            target = f"http://127.0.0.1:{service.server.port}{config.line.webhook_path}" if channel == "line" else "go"
            c0 = time.process_time()
            driver.stdin.write((target + "\n").encode())
            await driver.stdin.drain()
            line = await asyncio.wait_for(driver.stdout.readline(), 600)
            cpu = time.process_time() - c0
        figures = json.loads(line)
        driver.stdin.write(b"stop\n")
        await driver.stdin.drain()
        await asyncio.wait_for(driver.wait(), 60)
    finally:
        if driver.returncode is None:
            driver.kill()
            await driver.wait()
    return figures | {"driver_cpu_busy": figures.pop("cpu_busy"), "bot_cpu_busy": round(cpu / figures["seconds"], 3)}


# -- the console: many people at one terminal -------------------------------------------------------


class Terminal(ConsoleShell):
    """A console shell for one person. The one registered with the outbox delivers for everyone (a
    plain shell keeps a notice for anyone but the one typing): the bench's people share a screen."""

    def __init__(self, inbox: Inbox, user: str, exports_dir: Path, seen: Seen) -> None:
        super().__init__(inbox, user, exports_dir, io.StringIO())
        self.seen = seen

    async def deliver(self, to: Address, replies: Sequence[Reply], origin: Incoming | None) -> list[Delivery]:
        self.seen(to, replies)  # what the terminal would print, without the printing
        return [Delivery.SENT] * len(replies)

    async def say(self, text: str) -> float:
        """Type one line; seconds until its replies were delivered."""
        return await self._timed(self.to_incoming(text))

    async def press(self, payload: str) -> float:
        """Press a button (what typing its number makes of it); seconds until the replies were delivered."""
        return await self._timed(Incoming(self.name, self.chat_id, self.user_id, payload=payload,
                                          received_at=time.monotonic()))

    async def _timed(self, msg: Incoming) -> float:
        t0 = time.perf_counter()
        await self.inbox.receive(msg, self)
        return time.perf_counter() - t0


async def measure_console(load: Load, base: Config, answering: Answering, database: Path) -> dict[str, Any]:
    config = dataclasses.replace(base, database=database, attachments_dir=database.parent / "attachments")
    tally = Tally(labels("slow_down"))
    flooder = str(FLOODER)

    def seen(to: Address, replies: Sequence[Reply]) -> None:
        (tally.to_flooder if to.chat_id == flooder else tally.to_other)([reply.text for reply in replies])

    async with open_app(config, answering=answering) as app:
        exports = database.parent / "exports"
        people = [Terminal(app.inbox, str(OTHERS + i), exports, seen) for i in range(load.users)]
        flooding = Terminal(app.inbox, flooder, exports, seen)
        app.outbox.register(flooding)
        text = flood_text()

        async def ask(i: int, question: str) -> float:
            return await people[i].say(question)

        async def send_flood() -> None:
            await flooding.say(text)

        figures = await run_load(load, ask, send_flood, tally)
    return figures | {"bot_cpu_busy": figures.pop("cpu_busy")}


async def measure_flood(args: argparse.Namespace, base: Config, answering: Answering, tmp: Path) -> dict[str, Any]:
    runs: list[dict[str, Any]] = []
    counter = [0]

    async def one(channel: str, load: Load) -> dict[str, Any]:
        counter[0] += 1
        database = tmp / f"flood-{channel}-{counter[0]}.sqlite3"  # each run its own empty database
        if channel == "console":
            return await measure_console(load, base, answering, database)
        return await measure_remote(channel, load, base, answering, database, args.driver_cpu)

    for channel in args.channels:  # warm-up: imports, first matcher calls, connection pools; not kept
        await one(channel, Load(6, 2, 0.2, args.flood_rate, 999))
    for i in range(args.rounds):
        for channel in args.channels:
            for flooded in (False, True) if i % 2 == 0 else (True, False):
                load = Load(args.users, args.per_user, args.think, args.flood_rate if flooded else 0.0, i)
                runs.append({"channel": channel, "flood": flooded, "round": i, **await one(channel, load)})
                print(json.dumps(runs[-1]), flush=True)
    return report_flood(args, runs)


def report_flood(args: argparse.Namespace, runs: list[dict[str, Any]]) -> dict[str, Any]:
    keys = ("p50_ms", "p99_ms", "after_burst_p50_ms", "after_burst_p99_ms", "bot_cpu_busy", "driver_cpu_busy",
            "flood_per_second", "flood_answers", "flood_slow_downs", "flood_failed", "others_slowed", "flood_backlog")
    medians: dict[str, dict[str, dict[str, float]]] = {}
    ratios: dict[str, dict[str, Any]] = {}
    for channel in args.channels:
        medians[channel] = {}
        for flooded, name in ((False, "no_flood"), (True, "flood")):
            mine = [r for r in runs if r["channel"] == channel and r["flood"] == flooded]
            medians[channel][name] = {k: median([r[k] for r in mine if r.get(k) is not None]) for k in keys
                                      if any(r.get(k) is not None for r in mine)}
        by_round = {(r["round"], r["flood"]): r for r in runs if r["channel"] == channel}
        rounds = sorted({r["round"] for r in runs})
        ratios[channel] = {}
        for k in ("p50_ms", "p99_ms"):
            each = [by_round[i, True][k] / by_round[i, False][k] for i in rounds]
            ratios[channel][k.removesuffix("_ms")] = {"median": median(each),
                                                      "range": [round(min(each), 3), round(max(each), 3)]}
    print()
    print(f"Flood: {args.users} other users, {args.per_user} questions each, think {args.think} s; flooder "
          f"{args.flood_rate:.0f} msg/s of {FLOOD_CHARS} chars; shipped limit; medians of {args.rounds} round(s)")
    print(f"{'channel':<9} {'p50 ms':>15} {'p99 ms':>15} {'ratio p50/p99':>14} {'p99 after burst':>16} "
          f"{'bot CPU':>11} {'flood msg/s':>11} {'flooder replies':>16}")
    for channel in args.channels:
        m0, m1 = medians[channel]["no_flood"], medians[channel]["flood"]
        print(f"{channel:<9} {m0['p50_ms']:>6.1f} -> {m1['p50_ms']:>6.1f} {m0['p99_ms']:>6.1f} -> {m1['p99_ms']:>6.1f} "
              f"{ratios[channel]['p50']['median']:>6.2f}/{ratios[channel]['p99']['median']:<7.2f} "
              f"{m1.get('after_burst_p99_ms', float('nan')):>16.1f} "
              f"{m0['bot_cpu_busy']:>4.0%} -> {m1['bot_cpu_busy']:>4.0%} {m1['flood_per_second']:>11.0f} "
              f"{m1['flood_answers']:>7.0f} + {m1['flood_slow_downs']:.0f} slow")
    return {"settings": {k: getattr(args, k) for k in ("users", "per_user", "think", "flood_rate", "rounds")}
            | {"flood_chars": FLOOD_CHARS, "rate_limit_per_minute": load_config(ROOT / "config.toml")
               .rate_limit_per_minute},
            "medians": medians, "ratios": ratios, "runs": runs}


# -- measurement 2: a plain question while another process holds the write lock ------------------


class Locker:
    """Another process holding the database's write lock (BEGIN IMMEDIATE) until released."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    @classmethod
    async def hold(cls, database: Path) -> Locker:
        proc = await asyncio.create_subprocess_exec(sys.executable, "-c", LOCKER, str(database),
                                                    stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        assert proc.stdout is not None
        if (await asyncio.wait_for(proc.stdout.readline(), 30)).strip() != b"locked":
            raise RuntimeError("the locking process did not take the lock")
        return cls(proc)

    async def release(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        await asyncio.wait_for(self.proc.wait(), 30)


@dataclass
class Asked:
    group: str  # "returning" (talked before the window, state saved) or "new" (first message in the window)
    first: bool  # the user's first question in the window
    seconds: float
    busy: bool  # the reply was "busy" or "retry" instead of an answer


class LogCount(logging.Handler):
    """Counts the bot's warnings (hint saves lost, messages not taken in) instead of printing each."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[str(record.msg)] += 1


async def lock_round(locked: bool, args: argparse.Namespace, base: Config, answering: Answering, database: Path,
                     seed: int) -> dict[str, Any]:
    config = dataclasses.replace(base, database=database, attachments_dir=database.parent / "attachments")
    apologies = labels("busy") | labels("retry")
    last: dict[str, list[str]] = {}  # chat -> the texts of its latest replies
    buttons: dict[str, list[str]] = {}  # chat -> the payloads of its latest buttons
    pools = {lang: questions(lang) for lang in LANGS}
    asked: list[Asked] = []
    submits: list[dict[str, Any]] = []
    counter = LogCount()
    logging.getLogger().addHandler(counter)

    def seen(to: Address, replies: Sequence[Reply]) -> None:
        last[to.chat_id] = [reply.text for reply in replies]
        buttons[to.chat_id] = [button.payload for reply in replies for button in reply.buttons]

    async with open_app(config, answering=answering) as app:
        exports = database.parent / "exports"
        requester = Terminal(app.inbox, "form", exports, seen)
        app.outbox.register(requester)
        for line in FORM_SCRIPT:  # a question to staff, filled in up to its summary
            await requester.say(line)
        if SUBMIT not in buttons.get("form", []):
            raise RuntimeError(f"the form did not reach its summary: {last.get('form')}")
        people = [(Terminal(app.inbox, f"{group}{i}", exports, seen), group, LANGS[i % 3])
                  for group in ("returning", "new") for i in range(args.lock_users // 2)]
        rng = random.Random(seed)
        for person, group, lang in people:
            if group == "returning":  # they asked something before: their conversation is on disk
                await person.say(rng.choice(pools[lang]))
        await app.core.drain()

        async def press(phase: str, at: float) -> None:
            seconds = await requester.press(SUBMIT)
            reply = last.get("form", [])
            submits.append({"phase": phase, "at_s": round(at, 2), "ms": ms(seconds),
                            "reply": "busy" if any(t in apologies for t in reply) else "answered",
                            "text": " / ".join(reply)[:100]})

        locker = await Locker.hold(database) if locked else None
        try:
            # first Submit alone, nothing else waiting for the database: the plain lock_wait_seconds
            await press("alone", 0.0)
            start = time.perf_counter()
            window = args.lock_seconds

            async def questioner(person: Terminal, group: str, lang: str) -> None:
                mine = random.Random(rng.random())
                await asyncio.sleep(mine.uniform(0, args.think))
                count = 0
                while time.perf_counter() - start < window and count < MAX_ASKED:
                    seconds = await person.say(mine.choice(pools[lang]))
                    reply = last.get(person.chat_id, [])
                    asked.append(Asked(group, count == 0, seconds, any(t in apologies for t in reply)))
                    count += 1
                    await asyncio.sleep(args.think * mine.uniform(0.5, 1.5))

            async def submitter() -> None:
                await asyncio.sleep(1.0)  # the questions' hint saves are waiting for the lock by then
                while True:
                    await press("while others ask", time.perf_counter() - start)
                    # again only while the longest wait seen (two lock waits: a batch of saves, then
                    # its own) still ends before the lock is released, or the figure would be cut short
                    if time.perf_counter() - start + SUBMIT_GAP + 2 * config.lock_wait_seconds > window:
                        return
                    await asyncio.sleep(SUBMIT_GAP)

            async def hold() -> None:
                await asyncio.sleep(window)
                if locker is not None:
                    await locker.release()

            await asyncio.gather(hold(), submitter(), *(questioner(*p) for p in people))
        finally:
            if locker is not None and locker.proc.returncode is None:
                await locker.release()
        await app.core.drain()
    logging.getLogger().removeHandler(counter)
    with sqlite3.connect(database) as conn:  # what was stored, read once the bot has closed the file
        stored = conn.execute("SELECT count(*) FROM requests").fetchone()[0]
    return {"locked": locked, "asked": [dataclasses.asdict(a) for a in asked], "submits": submits,
            "requests_stored": stored, "warnings": dict(counter.counts)}


def submit_figures(submits: list[dict[str, Any]]) -> dict[str, Any]:
    return {"n": len(submits), "median_ms": median([s["ms"] for s in submits]),
            "max_ms": max((s["ms"] for s in submits), default=float("nan")),
            "replies": dict(Counter(s["reply"] for s in submits))}


def summarise(asked: list[dict[str, Any]]) -> dict[str, Any]:
    def figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
        seconds = [r["seconds"] for r in rows]
        if not seconds:
            return {"n": 0}
        return {"n": len(seconds), "p50_ms": ms(pct(seconds, 0.5)), "p99_ms": ms(pct(seconds, 0.99)),
                "max_ms": ms(max(seconds)), "over_1s": sum(s > 1.0 for s in seconds),
                "busy_replies": sum(r["busy"] for r in rows)}

    return {"all": figures(asked), "first": figures([r for r in asked if r["first"]]),
            "later": figures([r for r in asked if not r["first"]]),
            "returning_later": figures([r for r in asked if not r["first"] and r["group"] == "returning"]),
            "new_later": figures([r for r in asked if not r["first"] and r["group"] == "new"])}


async def measure_lock(args: argparse.Namespace, base: Config, answering: Answering, tmp: Path) -> dict[str, Any]:
    runs = []
    for i in range(args.lock_rounds):
        for locked in (False, True) if i % 2 == 0 else (True, False):
            database = tmp / f"lock-{i}-{int(locked)}.sqlite3"
            runs.append(await lock_round(locked, args, base, answering, database, seed=i) | {"round": i})
            brief = summarise(runs[-1]["asked"])["all"]
            print(json.dumps({"locked": locked, "round": i, **brief, "submits": runs[-1]["submits"],
                              "requests_stored": runs[-1]["requests_stored"]}), flush=True)
    out: dict[str, Any] = {"settings": {"lock_seconds": args.lock_seconds, "users": args.lock_users,
                                        "think": args.think, "rounds": args.lock_rounds,
                                        "lock_wait_seconds": base.lock_wait_seconds}}
    for locked, name in ((False, "unlocked"), (True, "locked")):
        mine = [r for r in runs if r["locked"] == locked]
        submits = [s for r in mine for s in r["submits"]]
        warnings: Counter[str] = Counter()
        for r in mine:
            warnings.update(r["warnings"])
        out[name] = {"questions": summarise([a for r in mine for a in r["asked"]]),
                     "submit": {phase: submit_figures([s for s in submits if s["phase"] == phase])
                                for phase in SUBMIT_PHASES},
                     "requests_stored": [r["requests_stored"] for r in mine], "warnings": dict(warnings)}
    out["runs"] = runs
    print()
    print(f"Lock: another process holds BEGIN IMMEDIATE for {args.lock_seconds:.0f} s; {args.lock_users} users "
          f"(half returning, half new), think {args.think} s; lock_wait_seconds {base.lock_wait_seconds}; "
          f"{args.lock_rounds} round(s) pooled")
    groups = (("all", "every question"), ("first", "a user's first in the window"),
              ("returning_later", "later ones, returning users"), ("new_later", "later ones, new users"))
    print(f"{'':<9} {'questions':<30} {'n':>5} {'p50 ms':>8} {'p99 ms':>9} {'max ms':>9} {'>1 s':>5} {'busy':>5}")
    for name in ("unlocked", "locked"):
        for key, label in groups:
            g = out[name]["questions"][key]
            if g["n"]:
                print(f"{name:<9} {label:<30} {g['n']:>5} {g['p50_ms']:>8.1f} {g['p99_ms']:>9.1f} {g['max_ms']:>9.1f} "
                      f"{g['over_1s']:>5} {g['busy_replies']:>5}")
    for name in ("unlocked", "locked"):
        for phase in SUBMIT_PHASES:
            s = out[name]["submit"][phase]
            print(f"Submit {phase}, {name}: {s['n']} press(es), median {s['median_ms']:.0f} ms, "
                  f"max {s['max_ms']:.0f} ms, replies {s['replies']}")
        print(f"Requests stored, {name}: {out[name]['requests_stored']}")
    return out


# -- the run --------------------------------------------------------------------------------------


async def main(args: argparse.Namespace) -> dict[str, Any]:
    base = load_config(ROOT / "config.toml")
    answering = build_answering(base)  # read-only; one build shared by every run
    summary: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        if "flood" in args.parts:
            summary["flood"] = await measure_flood(args, base, answering, Path(tmp))
        if "lock" in args.parts:
            summary["lock"] = await measure_lock(args, base, answering, Path(tmp))
    return summary


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer users, rounds and seconds: check it runs")
    parser.add_argument("--rounds", type=int, help="flood rounds (4; quick 1)")
    parser.add_argument("--users", type=int, help="other users during the flood (30; quick 12)")
    parser.add_argument("--per-user", type=int, help="questions each asks (10; quick 4); under the limit of 20")
    parser.add_argument("--think", type=float, help="seconds between an answer and the next question (1; quick 0.5)")
    parser.add_argument("--flood-rate", type=float, default=500.0, help="flood messages per second")
    parser.add_argument("--channels", nargs="+", choices=CHANNELS, default=list(CHANNELS))
    parser.add_argument("--lock-seconds", type=float, help="how long the other process holds the lock (15; quick 8)")
    parser.add_argument("--lock-rounds", type=int, help="lock rounds (2; quick 1)")
    parser.add_argument("--lock-users", type=int, help="users asking during the lock (12; quick 6)")
    parser.add_argument("--parts", nargs="+", choices=("flood", "lock"), default=["flood", "lock"])
    parser.add_argument("--cpu", type=int, default=0, help="pin the bot to this CPU (-1: don't)")
    parser.add_argument("--driver-cpu", type=int, default=1, help="pin the platform's side to this CPU (-1: don't)")
    parser.add_argument("--drive", choices=("telegram", "line"), help=argparse.SUPPRESS)  # the driver process
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    for name, (quick, full) in DEFAULTS.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    return args


if __name__ == "__main__":
    args = parse()
    if args.cpu >= 0 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger().handlers[0].setLevel(logging.ERROR)  # the lock's expected warnings are counted, not shown
    if args.drive:
        load = Load(args.users, args.per_user, args.think, args.flood_rate, args.seed)
        asyncio.run(drive_telegram(load) if args.drive == "telegram" else drive_line(load))
        sys.exit(0)
    summary = asyncio.run(main(args))
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "reliability.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
