"""SQLite beside PostgreSQL, in one run: submits from several worker processes, a message's
conversation load + save, and the staff's reads and the export with 100,000 requests.

    .venv/bin/python bench/storage_backends.py [--quick] [--dir DIR]

Both stores commit durably: SQLite as the app opens it (a real file, WAL, synchronous=FULL), and a
PostgreSQL server started here (initdb into DIR, pg_ctl on 127.0.0.1, as the `postgres` user when
root) with fsync and synchronous_commit left on, unlike tests/pg_server.py's fsync=off. With
MADOGUCHI_PG_URL set, that server is used instead (fresh databases made in it); its fsync and
synchronous_commit are printed as it reports them. PostgreSQL is opened as the app opens it
(PostgresStore, bot/storage/opening.POSTGRES_POOL_SIZE connections per process). Without PostgreSQL
(no initdb/pg_ctl, no asyncpg) only the SQLite figures are printed, and it exits 0.

1. Submits. Each worker process (multiprocessing, spawn) opens its own store and runs --users
   concurrent simulated users, each submitting --per-user requests (unique tokens) through
   RequestQueue.submit, which returns only after COMMIT: the acknowledgement. Every user submits
   once untimed first (connections opened, statements prepared; SQLite's WAL grown to its steady
   size as in bench/queue_throughput.py); then all workers start together. Submits/s = all the
   submits / (last worker's end - first worker's start); p50/p99 over every submit of every worker.
   Configurations: SQLite 1 process (the baseline: a SQLite file has one writing process), and
   PostgreSQL with 1, 2 and 4 processes, each on a fresh database; and 4* = 4 processes each under
   its own reference prefix, so that none waits for the (prefix, year) counter row another's submit
   holds locked until its COMMIT is on disk: what that shared row costs, by difference.
2. Conversations. One message's `load_conversation` then `save_conversation` (a form in progress,
   one field more each time), --conv-users concurrent users in one process, --conv-rounds messages
   each: per message p50/p99 and messages/s; and the same inside `conversation_lock` (a no-op on
   SQLite; an advisory lock on its own pooled connection on PostgreSQL), as Core.handle runs it.
3. At scale. --requests requests (the shapes of bench/web_console.py: real requests and audit
   events written by RequestQueue, copied in bulk with their own times, kinds, requesters and
   statuses; about 5 events a request), the same rows in both stores: into SQLite by executemany in
   one store.transaction(), into PostgreSQL by COPY on store.pool, then VACUUM ANALYZE there (what
   autovacuum does within a minute of such a load; the bot never ANALYZEs SQLite, so neither does
   this). Measured over --samples runs, alternated:
     /queue        RequestQueue.list(open statuses, limit=30) + count(open statuses)
     console       bot.requests.search.find(store, QueueQuery()): the console's first page
     search        find(store, QueueQuery(text=NAME)): a requester's name, over the open requests
   and RequestQueue.export_csv(zone), --exports times: its seconds, and meanwhile the lateness of
   another user's task on the same event loop (an asyncio.sleep(0.005) loop, how late each wake):
   the target is that nobody waits more than 50 ms.

A full run takes about 2.5 minutes on the 2-core machine; --quick (fewer submits, 20,000 requests,
fewer samples) under a minute. Figures go to bench/results/storage_backends.json too.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing
import os
import queue as queue_module
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import load_config  # noqa: E402
from bot.conversation import Conversation, FormProgress  # noqa: E402
from bot.messages import ConversationKey  # noqa: E402
from bot.office_time import OfficeZone, load_zone  # noqa: E402
from bot.requests.queue import RequestQueue  # noqa: E402
from bot.requests.search import OPEN_STATUSES, QueueQuery, find  # noqa: E402
from bot.storage.opening import POSTGRES_POOL_SIZE  # noqa: E402
from bot.storage.store import Store  # noqa: E402

URL_ENV = "MADOGUCHI_PG_URL"
ANSWERS = {"question": "2026年度の出前講座はオンラインでも申し込めますか？", "contact_person": "김민지",
           "email": "minji@example.ac.kr"}
# SQLite's WAL grown past its auto-checkpoint size first, as after a while in use (bench/queue_throughput.py)
WARM_UP = ["CREATE TABLE bench_warm_up (b BLOB)", "INSERT INTO bench_warm_up VALUES (zeroblob(6000000))",
           "DROP TABLE bench_warm_up"]
ACTORS = ["web:1", "web:2", "web:3", "web:4"]
TICK = 0.005  # the other user's sleep while an export runs
TARGET_MS = 50.0


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


# -- PostgreSQL: a server of our own, durable (as tests/pg_server.py, without fsync=off) ---------


def _binary(name: str) -> str | None:
    for folder in ["/usr/local/bin", *sorted(map(str, Path("/usr/lib/postgresql").glob("*/bin")), reverse=True)]:
        if (Path(folder) / name).is_file():
            return str(Path(folder) / name)
    return shutil.which(name)


def _as_server_user(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    def __init__(self) -> None:
        self.url = ""
        self.missing: str | None = None
        self.own = False
        self._data: Path | None = None
        self._pg_ctl = ""

    def start(self, folder: Path) -> None:
        try:
            import asyncpg  # noqa: F401
        except ImportError:
            self.missing = "the asyncpg package is not installed (make install)"
            return
        if os.environ.get(URL_ENV):
            self.url = os.environ[URL_ENV]
            return
        initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
        if not initdb or not pg_ctl:
            self.missing = "no initdb/pg_ctl found (apt-get install postgresql, or set MADOGUCHI_PG_URL)"
            return
        folder.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(folder, "postgres", "postgres")
        data, port = folder / "data", _free_port()
        run: dict[str, Any] = dict(capture_output=True, text=True, timeout=120)
        done = subprocess.run(_as_server_user([initdb, "-D", str(data), "-U", "postgres", "--auth=trust",
                                               "-E", "UTF8", "--no-sync"]), **run)
        if done.returncode != 0:
            self.missing = f"initdb failed: {done.stderr.strip()[-300:]}"
            return
        # fsync and synchronous_commit stay at their defaults (on): every commit waits for the disk
        options = f"-h 127.0.0.1 -p {port} -k {folder}"
        done = subprocess.run(_as_server_user([pg_ctl, "-D", str(data), "-o", options, "-l", str(folder / "log"),
                                               "-w", "start"]), **run)
        if done.returncode != 0:
            self.missing = f"pg_ctl start failed: {done.stderr.strip()[-300:]}"
            return
        self._data, self._pg_ctl, self.own = data, pg_ctl, True
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"

    def stop(self) -> None:
        if self._data is not None:
            subprocess.run(_as_server_user([self._pg_ctl, "-D", str(self._data), "-m", "fast", "stop"]),
                           capture_output=True, timeout=60)
            self._data = None

    async def settings(self) -> dict[str, str]:
        import asyncpg

        conn = await asyncpg.connect(self.url)
        try:
            return {name: str(await conn.fetchval(f"SHOW {name}"))
                    for name in ("server_version", "fsync", "synchronous_commit", "wal_sync_method", "shared_buffers")}
        finally:
            await conn.close()

    async def fresh_database(self) -> str:
        import asyncpg

        name = "bench_" + uuid.uuid4().hex[:12]
        conn = await asyncpg.connect(self.url)
        try:
            await conn.execute(f"CREATE DATABASE {name}")
        finally:
            await conn.close()
        return f"{self.url.rpartition('/')[0]}/{name}"


async def open_store(backend: str, where: str) -> Any:
    if backend == "sqlite":
        return await Store.open(Path(where))
    from bot.storage.postgres.store import PostgresStore

    return await PostgresStore.open(where, max_size=POSTGRES_POOL_SIZE)


# -- 1. submits from worker processes ------------------------------------------------------------


def submit_worker(backend: str, where: str, zone: str, users: int, per_user: int, index: int, prefix: str,
                  ready: Any, go: Any, results: Any) -> None:
    try:
        results.put(asyncio.run(_submit_worker(backend, where, zone, users, per_user, index, prefix, ready, go)))
    except BaseException as exc:  # noqa: BLE001 - the parent must hear of it, not wait forever
        ready.put(index)
        results.put({"index": index, "error": repr(exc)})


async def _submit_worker(backend: str, where: str, zone: str, users: int, per_user: int, index: int, prefix: str,
                         ready: Any, go: Any) -> dict[str, Any]:
    store = await open_store(backend, where)
    queue = RequestQueue(store, zone=load_zone(zone))
    latencies: list[float] = []

    async def submit(user: int, token: str) -> None:
        key = ConversationKey("bench", f"{index}-{user}", f"{index}-{user}")
        await queue.submit(token=token, kind="question", prefix=prefix, answers=ANSWERS, requester=key, lang="ja")

    async def user(u: int) -> None:
        for i in range(per_user):
            t0 = time.perf_counter()
            await submit(u, f"{index}-{u}-{i}-{uuid.uuid4().hex}")
            latencies.append(time.perf_counter() - t0)

    try:
        if backend == "sqlite":
            for statement in WARM_UP:
                await store.execute(statement)
        await asyncio.gather(*(submit(u, f"warm-{index}-{u}") for u in range(users)))
        ready.put(index)
        await asyncio.to_thread(go.wait)
        start = time.monotonic()  # CLOCK_MONOTONIC: one clock for every process
        await asyncio.gather(*(user(u) for u in range(users)))
        end = time.monotonic()
    finally:
        await store.close()
    return {"index": index, "start": start, "end": end, "latencies": latencies}


def submits(backend: str, where: str, processes: int, users: int, per_user: int, zone: str,
            own_prefix: bool = False) -> dict[str, Any]:
    """own_prefix: each process submits under a reference prefix of its own ("Q0", "Q1", ...), so no
    two processes take the same counter row: what the shared row's lock costs, by difference."""
    # migrated here first: PostgresStore.migrate's CREATE TABLE IF NOT EXISTS schema_migrations runs
    # before its advisory lock, and workers opening a new database at once collide on it
    asyncio.run(count_requests(backend, where))
    ctx = multiprocessing.get_context("spawn")
    ready, results, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    workers = [ctx.Process(target=submit_worker, args=(backend, where, zone, users, per_user, i,
                                                       f"Q{i}" if own_prefix else "Q", ready, go, results))
               for i in range(processes)]
    for w in workers:
        w.start()

    def collect(source: Any, seconds: float) -> list[Any]:
        got: list[Any] = []
        deadline = time.monotonic() + seconds
        while len(got) < len(workers):
            try:
                got.append(source.get(timeout=1))
            except queue_module.Empty:
                dead = [w.exitcode for w in workers if w.exitcode not in (None, 0)]
                if dead or time.monotonic() > deadline:
                    for w in workers:
                        w.kill()
                    raise RuntimeError(f"submit workers: exit codes {dead}, or no answer in {seconds:.0f} s") from None
        return got

    collect(ready, 120)
    go.set()
    reports = collect(results, 300)
    for w in workers:
        w.join(timeout=60)
    errors = [r["error"] for r in reports if "error" in r]
    if errors:
        raise RuntimeError(f"a submit worker failed: {errors[0]}")
    latencies = [x for r in reports for x in r["latencies"]]
    wall = max(r["end"] for r in reports) - min(r["start"] for r in reports)
    return {"processes": processes, "submits": len(latencies), "seconds": round(wall, 3),
            "per_second": round(len(latencies) / wall, 1), "p50_ms": ms(pct(latencies, 0.5)),
            "p99_ms": ms(pct(latencies, 0.99))}


async def count_requests(backend: str, where: str) -> int:
    store = await open_store(backend, where)
    try:
        return int((await store.fetch("SELECT count(*) FROM requests", ()))[0][0])
    finally:
        await store.close()


# -- 2. a message's conversation load + save -----------------------------------------------------


def conversation_state(user: int) -> Conversation:
    now = time.time()
    return Conversation(lang="ja", seen_lang="ja", form=FormProgress(
        kind="question", token=uuid.uuid4().hex, lang="ja", answers={"question": ANSWERS["question"]},
        at="contact_person", started=now, touched=now))


async def conversations(store: Any, users: int, rounds: int, locked: bool) -> dict[str, Any]:
    keys = [ConversationKey("bench", f"c{u}", f"c{u}") for u in range(users)]
    await asyncio.gather(*(store.save_conversation(key, conversation_state(u)) for u, key in enumerate(keys)))
    latencies: list[float] = []

    async def message(key: ConversationKey, r: int) -> None:
        state = await store.load_conversation(key)
        assert state.form is not None
        state.form.answers[f"field{r}"] = f"answer {r} of {key.user_id}"
        state.form.touched = time.time()
        await store.save_conversation(key, state)

    async def user(key: ConversationKey) -> None:
        for r in range(rounds):
            t0 = time.perf_counter()
            if locked:
                async with store.conversation_lock(key):
                    await message(key, r)
            else:
                await message(key, r)
            latencies.append(time.perf_counter() - t0)

    start = time.perf_counter()
    await asyncio.gather(*(user(key) for key in keys))
    wall = time.perf_counter() - start
    final = await store.load_conversation(keys[-1])
    assert final.form is not None and f"field{rounds - 1}" in final.form.answers
    return {"messages": len(latencies), "seconds": round(wall, 3), "per_second": round(len(latencies) / wall, 1),
            "p50_ms": ms(pct(latencies, 0.5)), "p99_ms": ms(pct(latencies, 0.99))}


# -- 3. at scale: the same rows in both stores -----------------------------------------------------

REQUEST_FIELDS = ("id", "ref", "token", "kind", "status", "answers", "channel", "chat_id", "user_id", "lang",
                  "assignee", "unreachable", "awaiting_answer", "created_at", "updated_at", "closed_at")
EVENT_FIELDS = ("request_id", "at", "actor", "action", "text")


def make_rows(n: int, shapes: dict, zone: Any, now: float, seed: int = 11) -> dict[str, Any]:
    """Requests and their events as bench/web_console.py's fill() makes them, as tuples for either store."""
    import web_console as wc

    requests, events, seqs, _ = wc.make_rows(n, shapes, ACTORS, zone, now, seed)
    counters = [(p, y, s) for (p, y), s in seqs.items()]
    return {"requests": requests, "events": events, "counters": counters}


async def learn(folder: Path, zone: Any, per: int) -> dict:
    sys.path.insert(0, str(ROOT / "bench"))
    import web_console as wc

    return await wc.learn_shapes(folder / "shapes.sqlite3", zone.tz, ACTORS, per=per)


async def fill_sqlite(store: Store, rows: dict[str, Any]) -> None:
    async with store.transaction() as db:
        await db.executemany(f"INSERT INTO requests({', '.join(REQUEST_FIELDS)}) "
                             f"VALUES ({','.join('?' * len(REQUEST_FIELDS))})", rows["requests"])
        await db.executemany(f"INSERT INTO request_events({', '.join(EVENT_FIELDS)}) VALUES (?,?,?,?,?)",
                             rows["events"])
        await db.executemany("INSERT INTO ref_counters(prefix, year, last) VALUES (?,?,?) ON CONFLICT(prefix, year) "
                             "DO UPDATE SET last=max(last, excluded.last)", rows["counters"])


async def fill_postgres(store: Any, rows: dict[str, Any]) -> None:
    async with store.pool.acquire() as db:
        async with db.transaction():
            await db.copy_records_to_table("requests", records=rows["requests"], columns=REQUEST_FIELDS)
            await db.copy_records_to_table("request_events", records=rows["events"], columns=EVENT_FIELDS)
            await db.executemany("INSERT INTO ref_counters(prefix, year, last) VALUES ($1,$2,$3) ON CONFLICT "
                                 "(prefix, year) DO UPDATE SET last=GREATEST(ref_counters.last, excluded.last)",
                                 rows["counters"])
            # ids were given: the identity carries on after them, so a later submit gets a new one
            await db.execute("SELECT setval(pg_get_serial_sequence('requests', 'id'), (SELECT max(id) FROM requests))")
        await db.execute("VACUUM ANALYZE requests")
        await db.execute("VACUUM ANALYZE request_events")


async def reads(store: Any, zone: OfficeZone, samples: int, search: str) -> dict[str, dict[str, float]]:
    queue = RequestQueue(store, zone=zone.tz)

    async def queue_page() -> None:
        page = await queue.list(status=OPEN_STATUSES, limit=30)
        total = await queue.count(status=OPEN_STATUSES)
        assert len(page) == 30 and total >= 30, (len(page), total)

    async def console() -> None:
        assert (await find(store, QueueQuery())).requests

    async def text() -> None:
        assert (await find(store, QueueQuery(text=search))).total > 0

    runs = {"/queue": queue_page, "console": console, "search": text}
    for run in runs.values():  # once untimed: statements prepared, pages cached
        await run()
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(samples):
        for name, run in runs.items():
            t0 = time.perf_counter()
            await run()
            times[name].append(time.perf_counter() - t0)
    return {name: {"p50_ms": ms(pct(t, 0.5)), "p99_ms": ms(pct(t, 0.99))} for name, t in times.items()}


async def export(store: Any, zone: OfficeZone, runs: int, expected: int) -> dict[str, float]:
    queue = RequestQueue(store, zone=zone.tz)
    seconds, worst, late_all = [], 0.0, []
    for _ in range(runs):
        stop = asyncio.Event()
        lateness: list[float] = []

        async def other_user(stop: asyncio.Event, lateness: list[float]) -> None:
            while not stop.is_set():
                t0 = time.perf_counter()
                await asyncio.sleep(TICK)
                lateness.append(time.perf_counter() - t0 - TICK)

        ticker = asyncio.create_task(other_user(stop, lateness))
        await asyncio.sleep(0.05)
        lateness.clear()
        t0 = time.perf_counter()
        count, csv = await queue.export_csv(zone)
        seconds.append(time.perf_counter() - t0)
        stop.set()
        await ticker
        assert count == expected and len(csv) > expected * 50, (count, len(csv))
        worst = max(worst, max(lateness))
        late_all += lateness
    return {"seconds": round(statistics.median(seconds), 2), "late_max_ms": ms(worst),
            "late_p99_ms": ms(pct(late_all, 0.99))}


async def at_scale(backend: str, where: str, rows: dict[str, Any], zone: OfficeZone, samples: int, exports: int,
                   search: str) -> dict[str, Any]:
    store = await open_store(backend, where)
    try:
        t0 = time.perf_counter()
        await (fill_sqlite(store, rows) if backend == "sqlite" else fill_postgres(store, rows))
        filled = time.perf_counter() - t0
        gc.freeze()  # as `madoguchi run` does once started (bot/runner.py): what exists now stays
        out: dict[str, Any] = {"fill_seconds": round(filled, 1)}
        out |= await reads(store, zone, samples, search)
        out["export"] = await export(store, zone, exports, len(rows["requests"]))
        return out
    finally:
        gc.unfreeze()
        await store.close()


# -- the run -----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer submits, 20,000 requests: check it runs")
    parser.add_argument("--users", type=int, help="concurrent submitters per worker process (50)")
    parser.add_argument("--per-user", type=int, help="timed submits per user (20; quick 5)")
    parser.add_argument("--repeat", type=int, help="parts 1 and 2 repeated, interleaved; median shown (3; quick 1)")
    parser.add_argument("--conv-users", type=int, default=100)
    parser.add_argument("--conv-rounds", type=int, help="messages per user (20; quick 5)")
    parser.add_argument("--requests", type=int, help="requests in the at-scale databases (100000; quick 20000)")
    parser.add_argument("--samples", type=int, help="runs of each read (50; quick 10)")
    parser.add_argument("--exports", type=int, help="exports per store (3; quick 1)")
    parser.add_argument("--dir", help="where the SQLite files and the PostgreSQL data go (default: a temporary folder)")
    args = parser.parse_args()
    quick = args.quick

    def pick(value: int | None, full: int, short: int) -> int:
        return value if value is not None else short if quick else full

    users = pick(args.users, 50, 50)
    per_user = pick(args.per_user, 20, 5)
    repeat = pick(args.repeat, 3, 1)
    conv_rounds = pick(args.conv_rounds, 20, 5)
    n = pick(args.requests, 100_000, 20_000)
    samples = pick(args.samples, 50, 10)
    exports = pick(args.exports, 3, 1)
    zone = load_config(ROOT / "config.toml").zone

    work = Path(tempfile.mkdtemp(prefix="madoguchi-storage-bench-", dir=args.dir))
    os.chmod(work, 0o755)  # the postgres user reaches its data folder inside
    server = PgServer()
    started = time.perf_counter()
    try:
        server.start(work / "pg")
        pg = server.missing is None
        settings = asyncio.run(server.settings()) if pg else {}
        return report(run_all(server, pg, work, zone, users, per_user, repeat, args.conv_users, conv_rounds, n,
                              samples, exports, quick), settings, server, work, started)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


def run_all(server: PgServer, pg: bool, work: Path, zone: OfficeZone, users: int, per_user: int, repeat: int,
            conv_users: int, conv_rounds: int, n: int, samples: int, exports: int, quick: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"users": users, "per_user": per_user, "repeat": repeat, "conv_users": conv_users,
                           "conv_rounds": conv_rounds, "requests": n, "samples": samples, "exports": exports}
    # 1. submits: configurations interleaved per repeat, the median run of each shown
    # the last: 4 processes each under its own reference prefix, so none waits for another's counter row
    configs = [("sqlite", 1, False)] + ([("postgres", p, False) for p in (1, 2, 4)] + [("postgres", 4, True)]
                                        if pg else [])
    runs: dict[str, list[dict[str, Any]]] = {f"{b} {p}{' own' if own else ''}": [] for b, p, own in configs}
    for r in range(repeat):
        for backend, processes, own in configs:
            if backend == "sqlite":
                where = str(work / f"submits-{r}-{processes}.sqlite3")
            else:
                where = asyncio.run(server.fresh_database())
            result = submits(backend, where, processes, users, per_user, zone.name, own_prefix=own)
            stored = asyncio.run(count_requests(backend, where))
            assert stored == processes * users * (per_user + 1), (backend, processes, stored)
            name = f"{backend} {processes}{' own' if own else ''}"
            runs[name].append(result)
            print(f"  submits {name}: {result['per_second']}/s", flush=True)
    out["submits"] = {name: sorted(rs, key=lambda x: x["per_second"])[len(rs) // 2] | {
        "all_per_second": [x["per_second"] for x in rs]} for name, rs in runs.items()}

    # 2. conversations
    async def conversation_runs(backend: str, where: str) -> dict[str, Any]:
        store = await open_store(backend, where)
        try:
            return {"plain": await conversations(store, conv_users, conv_rounds, locked=False),
                    "locked": await conversations(store, conv_users, conv_rounds, locked=True)}
        finally:
            await store.close()

    conv: dict[str, list[dict[str, Any]]] = {}
    for r in range(repeat):
        conv.setdefault("sqlite", []).append(asyncio.run(conversation_runs("sqlite", str(work / f"conv-{r}.sqlite3"))))
        if pg:
            conv.setdefault("postgres", []).append(
                asyncio.run(conversation_runs("postgres", asyncio.run(server.fresh_database()))))
    out["conversations"] = {
        f"{backend} {mode}": sorted((x[mode] for x in rs), key=lambda x: x["per_second"])[len(rs) // 2]
        for backend, rs in conv.items() for mode in ("plain", "locked")}
    print("  conversations done", flush=True)

    # 3. at scale
    sys.path.insert(0, str(ROOT / "bench"))
    import web_console as wc

    t0 = time.perf_counter()
    shapes = asyncio.run(learn(work, zone, per=5 if quick else 15))
    rows = make_rows(n, shapes, zone.tz, time.time())
    out["rows"] = {"requests": len(rows["requests"]), "events": len(rows["events"]),
                   "open": sum(1 for r in rows["requests"] if r[4] != "closed"),
                   "made_seconds": round(time.perf_counter() - t0, 1)}
    out["scale"] = {"sqlite": asyncio.run(at_scale("sqlite", str(work / "scale.sqlite3"), rows, zone, samples,
                                                   exports, wc.SEARCH))}
    print("  at scale, sqlite done", flush=True)
    if pg:
        out["scale"]["postgres"] = asyncio.run(at_scale("postgres", asyncio.run(server.fresh_database()), rows, zone,
                                                        samples, exports, wc.SEARCH))
    out["search"] = wc.SEARCH
    return out


def report(out: dict[str, Any], settings: dict[str, str], server: PgServer, work: Path, started: float) -> int:
    pg = bool(settings)
    print()
    print(f"database folder: {work} (every commit waits for the disk: figures depend on it); "
          f"{os.cpu_count()} CPUs")
    print("SQLite: a file, WAL, synchronous=FULL: fsync on every commit")
    if pg:
        where = "started by this bench" if server.own else f"{URL_ENV}"
        print(f"PostgreSQL {settings['server_version']} ({where}): fsync={settings['fsync']}, "
              f"synchronous_commit={settings['synchronous_commit']}, wal_sync_method={settings['wal_sync_method']}, "
              f"shared_buffers={settings['shared_buffers']}; pool {POSTGRES_POOL_SIZE} connections per process")
        if settings["fsync"] == "on" and settings["synchronous_commit"] != "off":
            print("fsync is on for both stores: an acknowledged commit is on the disk in either")
        else:
            print("WARNING: this PostgreSQL server does not wait for the disk (fsync or synchronous_commit off): "
                  "its commits are not durable, and its figures flatter it")
    else:
        print(f"PostgreSQL: not available ({server.missing}): SQLite figures only")

    base = out["submits"]["sqlite 1"]
    print(f"\n1. Acknowledged submits (RequestQueue.submit returned after COMMIT): {out['users']} concurrent users "
          f"per process x {out['per_user']} submits each; median of {out['repeat']} interleaved repeats")
    print(f"{'store':<12} {'processes':>9} {'submits':>8} {'submits/s':>10} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'vs SQLite/s':>12} {'p99 vs SQLite':>14}   all runs/s")
    for name, r in out["submits"].items():
        backend = "SQLite" if name.startswith("sqlite") else "PostgreSQL"
        processes = f"{r['processes']}{'*' if name.endswith('own') else ''}"
        print(f"{backend:<12} {processes:>9} {r['submits']:>8} {r['per_second']:>10} {r['p50_ms']:>8} "
              f"{r['p99_ms']:>8} {r['per_second'] / base['per_second']:>12.2f} {r['p99_ms'] / base['p99_ms']:>14.2f}"
              f"   {r['all_per_second']}")
    if any(name.endswith("own") for name in out["submits"]):
        print("  * each process under its own reference prefix (Q0-, Q1-, ...): no process waits for another's\n"
              "    (prefix, year) counter row, which a submit holds locked until its COMMIT is on disk")

    print(f"\n2. One message's conversation load + save: {out['conv_users']} concurrent users x "
          f"{out['conv_rounds']} messages, one process; 'locked' inside conversation_lock(key)")
    print(f"{'store':<12} {'lock':<8} {'messages/s':>11} {'p50 ms':>8} {'p99 ms':>8} {'vs SQLite/s':>12}")
    conv = out["conversations"]
    for name, r in conv.items():
        backend, mode = name.split()
        ref = conv[f"sqlite {mode}"]
        print(f"{'SQLite' if backend == 'sqlite' else 'PostgreSQL':<12} {mode:<8} {r['per_second']:>11} "
              f"{r['p50_ms']:>8} {r['p99_ms']:>8} {r['per_second'] / ref['per_second']:>12.2f}")

    rows = out["rows"]
    print(f"\n3. At scale: {rows['requests']:,} requests ({rows['open']:,} open), {rows['events']:,} events, "
          f"the same rows in each store; p50/p99 over {out['samples']} runs; export: median of {out['exports']}, "
          f"and the other user's worst lateness (target <= {TARGET_MS:.0f} ms)")
    print(f"{'store':<12} {'fill s':>7} {'/queue p50':>11} {'p99':>7} {'console p50':>12} {'p99':>7} "
          f"{'search p50':>11} {'p99':>7} {'export s':>9} {'late max ms':>12} {'late p99':>9}")
    scale = out["scale"]
    for name, r in scale.items():
        e = r["export"]
        print(f"{'SQLite' if name == 'sqlite' else 'PostgreSQL':<12} {r['fill_seconds']:>7} "
              f"{r['/queue']['p50_ms']:>11} {r['/queue']['p99_ms']:>7} {r['console']['p50_ms']:>12} "
              f"{r['console']['p99_ms']:>7} {r['search']['p50_ms']:>11} {r['search']['p99_ms']:>7} "
              f"{e['seconds']:>9} {e['late_max_ms']:>12} {e['late_p99_ms']:>9}")
    if pg:
        s, p = scale["sqlite"], scale["postgres"]
        ratios = [f"{name} p50 {p[name]['p50_ms'] / s[name]['p50_ms']:.2f}" for name in ("/queue", "console", "search")]
        ratios.append(f"export s {p['export']['seconds'] / s['export']['seconds']:.2f}")
        print(f"{'PG time / SQLite time':<24} " + ", ".join(ratios))
    print(f"  /queue: list(open, limit=30) + count(open); console: find(QueueQuery()); "
          f"search: find(QueueQuery(text={out['search']!r})); times in ms")
    worst = max(r["export"]["late_max_ms"] for r in scale.values())
    print(f"export: the other user's worst delay {worst} ms: "
          + ("within" if worst <= TARGET_MS else "OVER") + f" the {TARGET_MS:.0f} ms target ("
          + ", ".join(f"{'SQLite' if k == 'sqlite' else 'PostgreSQL'} {v['export']['late_max_ms']} ms"
                      for k, v in scale.items()) + ")")
    elapsed = time.perf_counter() - started
    print(f"\n{elapsed:.0f} s in all")
    out |= {"settings": settings, "seconds": round(elapsed, 1), "postgres": server.missing or "yes"}
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "storage_backends.json").write_text(json.dumps(out, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
