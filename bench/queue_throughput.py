"""Queue throughput: 100 concurrent submitters on one SQLite file, against a plain sqlite3 floor.

Three runs in one process, each on its own fresh database file in the same folder (same disk):

  floor   a plain `sqlite3` loop: INSERT one row + COMMIT, WAL and synchronous=FULL as the Store
          uses, one thread, no asyncio. No request path can commit durably faster than this.
  queue   RequestQueue.submit from 100 concurrent asyncio submitters: reference counter, request
          row and audit row in one BEGIN IMMEDIATE .. COMMIT, returned only after the commit.
  core    Core.handle with a ready summary: 100 users each fill the "question" form through the
          core (not timed), then all press "submit" at once (timed): load the conversation, submit,
          save the conversation, render the acknowledgement and the staff notice.

Acknowledged requests per second (total / wall time), and the time from submit to acknowledgement
(p50, p99) of every submit; the runs are repeated interleaved and the median run is shown. Each durable commit waits for an fsync, so the figures depend on the
disk: pass --dir to measure where the database will live.

    .venv/bin/python bench/queue_throughput.py [--users 100] [--per-user 10] [--rounds 5] [--repeat 3] [--dir DIR]
"""
from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import open_app  # noqa: E402
from bot.config import load_config  # noqa: E402
from bot.messages import ConversationKey, Incoming  # noqa: E402

ANSWERS = {"question": "2026年度の出前講座はオンラインでも申し込めますか？", "contact_person": "김민지",
           "email": "minji@example.ac.kr"}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def summary(name: str, count: int, wall: float, latencies: list[float]) -> dict:
    return {"run": name, "acknowledged": count, "seconds": round(wall, 3), "per_second": round(count / wall, 1),
            "p50_ms": round(pct(latencies, 0.50) * 1000, 2), "p99_ms": round(pct(latencies, 0.99) * 1000, 2),
            "mean_ms": round(statistics.fmean(latencies) * 1000, 2)}


# Steady state, as in a bot that has run for a while: the WAL file has already grown past the
# auto-checkpoint size and is being reused. While it still grows, every fsync also commits the file
# system's journal (the file size changed), and that cost would differ between runs whose commits
# write different numbers of pages, hiding what we compare.
WARM_UP = ["CREATE TABLE bench_warm_up (b BLOB)", "INSERT INTO bench_warm_up VALUES (zeroblob(6000000))",
           "DROP TABLE bench_warm_up"]


def floor(path: Path, count: int) -> dict:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    for statement in WARM_UP:
        db.execute(statement)
    db.execute("CREATE TABLE requests (id INTEGER PRIMARY KEY, ref TEXT UNIQUE, answers TEXT, created_at REAL)")
    payload = json.dumps(ANSWERS, ensure_ascii=False)
    latencies = []
    start = time.perf_counter()
    for i in range(count):
        t0 = time.perf_counter()
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO requests(ref, answers, created_at) VALUES (?,?,?)", (f"Q-{i}", payload, time.time()))
        db.execute("COMMIT")
        latencies.append(time.perf_counter() - t0)
    wall = time.perf_counter() - start
    db.close()
    return summary("floor: sqlite3 insert+commit loop", count, wall, latencies)


async def warm_up(core) -> None:
    for statement in WARM_UP:
        await core.deps.store.db.execute(statement)


async def queue_run(config, users: int, per_user: int) -> dict:
    latencies: list[float] = []

    async def submitter(core, user: int) -> None:
        key = ConversationKey("bench", str(user), str(user))
        for _ in range(per_user):
            t0 = time.perf_counter()
            await core.deps.requests.submit(token=uuid.uuid4().hex, kind="question", prefix="Q",
                                            answers=ANSWERS, requester=key, lang="ja")
            latencies.append(time.perf_counter() - t0)

    async with open_app(config) as app:

        core = app.core
        await warm_up(core)
        start = time.perf_counter()
        await asyncio.gather(*(submitter(core, u) for u in range(users)))
        wall = time.perf_counter() - start
        stored = len(await core.deps.requests.list())
    assert stored == users * per_user, stored
    return summary(f"queue: RequestQueue.submit, {users} concurrent", len(latencies), wall, latencies)


async def core_run(config, users: int, rounds: int) -> dict:
    latencies: list[float] = []
    timed = 0.0

    async def fill(core, user: str) -> None:
        async def send(**kw) -> list:
            return await core.handle(Incoming("bench", user, user, **kw))
        await send(text="/lang ja")
        await send(text="/ask")
        for value in ANSWERS.values():
            replies = await send(text=value)
        assert any(b.payload == "fm:submit" for r in replies for b in r.buttons), replies[0].text

    async def press_submit(core, user: str) -> None:
        t0 = time.perf_counter()
        replies = await core.handle(Incoming("bench", user, user, payload="fm:submit"))
        latencies.append(time.perf_counter() - t0)
        assert any(r.to.channel == "staff" for r in replies), replies[0].text

    async with open_app(config) as app:

        core = app.core
        await warm_up(core)
        for _ in range(rounds):
            await asyncio.gather(*(fill(core, str(u)) for u in range(users)))
            start = time.perf_counter()
            await asyncio.gather(*(press_submit(core, str(u)) for u in range(users)))
            timed += time.perf_counter() - start
        stored = len(await core.deps.requests.list())
    assert stored == users * rounds, stored
    return summary(f"core: Core.handle submit, {users} concurrent", len(latencies), timed, latencies)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--per-user", type=int, default=10, help="submits per user in the queue run")
    parser.add_argument("--rounds", type=int, default=5, help="forms per user in the core run")
    parser.add_argument("--dir", help="where the database files go (default: a temporary folder)")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved repeats; the median is shown")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    base = load_config(ROOT / "config.toml")
    runs: dict[str, list[dict]] = {"floor": [], "queue": [], "core": []}
    # Interleaved repeats, median per run: a disk or CPU shared with other work makes single runs noisy.
    for _ in range(args.repeat):
        work = Path(tempfile.mkdtemp(prefix="madoguchi-bench-", dir=args.dir))
        try:
            runs["floor"].append(floor(work / "floor.sqlite3", args.users * args.per_user))
            runs["queue"].append(asyncio.run(queue_run(dataclasses.replace(base, database=work / "queue.sqlite3"),
                                                       args.users, args.per_user)))
            runs["core"].append(asyncio.run(core_run(dataclasses.replace(base, database=work / "core.sqlite3"),
                                                     args.users, args.rounds)))
        finally:
            shutil.rmtree(work, ignore_errors=True)
    results = [sorted(repeats, key=lambda r: r["per_second"])[len(repeats) // 2] for repeats in runs.values()]

    floor_rate = results[0]["per_second"]
    for r in results:
        r["ratio_to_floor"] = round(r["per_second"] / floor_rate, 3)
    if args.json:
        print(json.dumps({"dir": str(work.parent), "repeats": runs, "median": results}, ensure_ascii=False,
                         indent=2))
        return 0
    print(f"database folder: {work.parent} (each commit waits for fsync: figures depend on this disk)")
    print(f"median of {args.repeat} interleaved repeats; req/s of each: "
          + "; ".join(f"{name} {[r['per_second'] for r in repeats]}" for name, repeats in runs.items()))
    print(f"{'run':46} {'acked':>6} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs floor':>9}")
    for r in results:
        print(f"{r['run']:46} {r['acknowledged']:>6} {r['per_second']:>8} {r['p50_ms']:>8} {r['p99_ms']:>8} "
              f"{r['ratio_to_floor']:>9}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
