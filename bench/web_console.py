"""The staff console on a big queue: 100,000 requests against a baseline of 100, on SQLite.

Both queues are served at once by `madoguchi run`'s Service (the console under /staff on its web
server, Telegram on the fake Bot API server of the tests, LINE off), one database each, in this
process, pinned to one CPU (--cpu). The browser side runs in a second process pinned to the other
CPU (--driver-cpu): the two fake Telegram servers, one logged-in staff browser per console
(tests/web_harness.py's Browser: session cookie, Origin, CSRF), and the requesters. It reads this
process's resident memory from /proc/<pid>/status. Rounds alternate the two consoles (baseline
first in even rounds, 100k first in odd ones), so a drift in machine speed hits both alike.

Measured, one GET at a time, the body read in full (p50, p99 over every round):

  queue       /staff/ (open requests, oldest first: the default filter)
  search      /staff/?q=최민지 (a requester's name; default filter: open requests); search_all: status=all
  closed      /staff/?status=closed; closed_last: its last page (the deepest OFFSET)
  rows_204    /staff/queue/rows?...&v=<current>: the htmx poll when nothing changed (204)
  rows_full   /staff/queue/rows?...&v=0: the poll's full answer (the rows swapped in)
  request     /staff/r/REF: a request with a long exchange (60 replies and answers back, notes)
  export      /staff/export.csv: every request, as the CSV file

Resident memory: before each page's series, after it, and the peak during it (VmHWM, reset through
/proc/<pid>/clear_refs before the series); "growth" is after - before, the largest over the rounds.

Event loop while exporting: a Telegram user's free-text question (answered from the knowledge
base) is sent every 100 ms while /staff/export.csv runs, and its time from push to the answer
reaching the fake is set against the same question asked with nothing else running. This process
also samples its own event loop (a 10 ms sleep, how late it wakes) and reports the longest stall
inside each export.

Submit to appearance (the shipped [web] refresh_seconds, 5 s in config.toml): a Telegram requester
fills and submits the question form; from the receipt with the reference reaching the fake:
  server      a rows request sent at once (v=0, sort=newest) shows the new reference: yes/no, and
              how long from the receipt to its answer
  end to end  a browser page open on the queue (sort=newest, so a new request is on page 1) polls
              the rows every refresh_seconds as htmx does (204 until the queue changed): the time
              until the poll that shows the reference has arrived. Each submission starts at a
              random moment in the poll cycle, so this is the server part plus 0..refresh_seconds.

How the databases are filled (fast, but with the rows the real code writes):
  1. Shapes. 240 requests go through the real RequestQueue (bot/requests/queue.py) into a scratch
     database: each of the four forms' kinds, taken to each status with the real operations
     (claim, reply, requester_reply, reply again, close), so every row and audit event is what
     the code writes: JSON answers, references, actors, timestamps.
  2. Copies. For each queue (100, and 100,000) the scratch requests are copied in bulk with plain
     sqlite3 executemany inside one transaction, into a database the Store created and migrated:
     created_at over the last 360 days (weekdays four times as busy, office hours; nothing old
     enough for the 365-day retention purge), kind 35% question, 30% lecture, 20% omatsuri, 15%
     dorandoran, requesters 50% Korean, 40% Japanese, 10% English names (surname x given name),
     on Telegram (70%) or LINE, a fresh reference per kind and year in created_at order (the
     ref_counters set to match, so new submits carry on), a fresh token. Status: the newest 60
     are open (half new, a quarter each claimed and answered), so both queues fill a first page;
     of the older ones 3% are still open and the rest closed. Each copy takes the audit events
     of a scratch request with its status, moved to its own times (claimed hours after created,
     replies within days) and its own requester and assignee (one of four staff accounts).
     At 100,000 that is about 100,000 requests and 420,000 events.
  3. One request with a long exchange (claim, then 60 replies with 60 answers back and 10 notes)
     through the real RequestQueue, in each database: the request page's subject.

    taskset -c 0,1 .venv/bin/python bench/web_console.py [--requests 100000] [--baseline 100] [--rounds 3] [--quick]

--quick: 1,000 against 100, one round, a few samples (under 2 minutes). Results go to
bench/results/web_console.json and a table is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from bot.config import load_config  # noqa: E402
from bot.messages import ConversationKey  # noqa: E402
from bot.requests.queue import RequestQueue  # noqa: E402
from bot.staff.accounts import StaffAccounts  # noqa: E402
from bot.storage.store import Store  # noqa: E402

SEARCH = "최민지"  # the name searched for (Choi Minji): 1 in 192 Korean requesters, and every 97th request
STAFF = ("kim", "lee", "park", "sato")
OPEN_NEWEST = 60  # the newest requests are open, so both queues fill a first page (50 rows)
OLD_OPEN = 0.03  # of the older ones, still open
DAYS = 360
KINDS = {"question": ("Q", 0.35), "lecture": ("L", 0.30), "omatsuri": ("O", 0.20), "dorandoran": ("D", 0.15)}
PAGES = ("queue", "search", "search_all", "closed", "closed_last", "rows_204", "rows_full", "request", "export")
REF = re.compile(r"\b[A-Z]-\d{4}-\d{4,}\b")
HX_GET = re.compile(r'hx-get="([^"]+)"')
log = logging.getLogger("bench.web_console")

NAMES = {
    "ko": (["김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신", "권", "황"],
           ["민지", "서연", "지훈", "현우", "수빈", "예린", "도윤", "하은", "준서", "지아", "승민", "유진"]),
    "ja": (["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田", "山田"],
           ["葵", "陽翔", "結衣", "蓮", "さくら", "大翔", "美咲", "悠真", "陽菜", "湊", "花子", "健太"]),
    "en": (["Smith", "Jones", "Brown", "Taylor", "Wilson", "Evans", "Walker", "Wright", "Green", "Hall"],
           ["Emma", "Liam", "Olivia", "Noah", "Ava", "James", "Mia", "Lucas", "Grace", "Ethan"]),
}
ROMAN = {"김": "kim", "이": "lee", "박": "park", "최": "choi", "정": "jung", "강": "kang", "조": "cho", "윤": "yoon",
         "장": "jang", "임": "lim", "한": "han", "오": "oh", "서": "seo", "신": "shin", "권": "kwon", "황": "hwang"}
PLACES = {"ko": ["한국대학교", "서울시립대학교", "부산대학교", "전주시", "경주시", "대구광역시", "제주특별자치도"],
          "ja": ["東北大学", "福岡市", "札幌市", "京都府", "金沢市", "静岡県", "熊本大学"],
          "en": ["Seoul National University", "Busan City", "Yonsei University", "Incheon Metropolitan City"]}
QUESTIONS = ["2026年度の出前講座はオンラインでも申し込めますか？", "자료를 한국어로 받을 수 있나요? 학생 40명입니다.",
             "Can we borrow the yukata set for our festival booth in October?",
             "ドランドランの原稿の締め切りはいつですか。写真は何枚まで送れますか。",
             "일본 지자체 담당자와 온라인으로 교류회를 열고 싶습니다. 가능할까요?"]
REPLIES = ["お問い合わせありがとうございます。オンラインでも承ります。ご希望の日程を二つお知らせください。",
           "문의해 주셔서 감사합니다. 자료는 한국어판도 있습니다. 다음 주에 우편으로 보내 드리겠습니다.",
           "Thank you for asking. The set is available from 1 October; please send the booth plan first."]
ANSWERS_BACK = ["ありがとうございます。5月12日か19日でお願いします。", "네, 감사합니다. 주소는 신청서와 같습니다.",
                "Great, we will send the plan by Friday."]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# -- the requests: answers like the forms collect ---------------------------------------------


def person(rng: random.Random, lang: str, surname: str | None = None) -> tuple[str, str]:
    surnames, given = NAMES[lang]
    family, first = surname or rng.choice(surnames), rng.choice(given)
    name = f"{first} {family}" if lang == "en" else f"{family}{first}" if lang == "ko" else f"{family} {first}"
    local = f"{ROMAN.get(family, 'user')}{rng.randrange(1000)}" if lang != "en" else f"{first}.{family}".lower()
    return name, f"{local}@example.{'kr' if lang == 'ko' else 'jp' if lang == 'ja' else 'com'}"


def answers_for(kind: str, rng: random.Random, lang: str, contact: str, email: str) -> dict[str, Any]:
    place = rng.choice(PLACES[lang])
    if kind == "question":
        return {"question": rng.choice(QUESTIONS), "contact_person": contact, "email": email}
    if kind == "lecture":
        return {"university": place, "department": "일본어학과" if lang == "ko" else "国際交流課",
                "contact_person": contact, "email": email, "preferred_dates": ["2026-05-12", "2026-05-19"],
                "format": rng.choice(["onsite", "online"]), "topics": "일본의 지방자치, 관광",
                "students": rng.randrange(10, 120), "notes": ""}
    if kind == "omatsuri":
        return {"municipality": place, "department": "国際交流課", "contact_person": contact, "email": email,
                "booth_content": "浴衣の試着と日本の地方の観光案内", "materials": "パンフレット 200部、ポスター 5枚",
                "notes": "会場は屋外です"}
    return {"municipality": place, "department": "観光課", "contact_person": contact, "email": email,
            "plan": rng.choice(["article", "sns", "both"]), "manuscript": "地域の秋祭りについての紹介文 " * 8,
            "period": "2026年10月", "notes": ""}


# -- 1. shapes: requests through the real RequestQueue -----------------------------------------


async def learn_shapes(path: Path, zone: Any, actors: list[str], per: int = 15) -> dict[tuple[str, str], list[Any]]:
    """(kind, status) -> [(request row, [event rows])] as the real queue wrote them."""
    store = await Store.open(path)
    queue = RequestQueue(store, time.time, zone)
    rng = random.Random(1)
    try:
        for kind, (prefix, _) in KINDS.items():
            for status in ("new", "claimed", "answered", "closed"):
                for i in range(per):
                    lang = rng.choice(["ko", "ja", "en"])
                    user = str(rng.randrange(10**8, 10**9))
                    requester = ConversationKey("telegram", user, user)
                    ref = (await queue.submit(token=uuid.uuid4().hex, kind=kind, prefix=prefix,
                                              answers=answers_for(kind, rng, lang, *person(rng, lang)),
                                              requester=requester, lang=lang)).ref
                    staff = actors[i % len(actors)]
                    if status == "new":
                        continue
                    await queue.claim(ref, staff)
                    if status == "claimed":
                        continue
                    await queue.reply(ref, staff, rng.choice(REPLIES))
                    if status == "closed" and i % 2:
                        await queue.requester_reply(ref, requester, rng.choice(ANSWERS_BACK))
                        await queue.reply(ref, staff, rng.choice(REPLIES))
                    if status == "closed":
                        await queue.close(ref, staff)
        shapes: dict[tuple[str, str], list[Any]] = {}
        db = store.reader
        assert db is not None
        for row in db.execute("SELECT * FROM requests ORDER BY id"):
            events = db.execute("SELECT * FROM request_events WHERE request_id=? ORDER BY id", (row["id"],)).fetchall()
            shapes.setdefault((row["kind"], row["status"]), []).append((dict(row), [dict(e) for e in events]))
        return shapes
    finally:
        await store.close()


# -- 2. copies in bulk -----------------------------------------------------------------------


def created_times(rng: random.Random, n: int, now: float) -> list[float]:
    """n times over the last DAYS days: weekdays four times as busy as weekends, mostly office hours."""
    times = []
    while len(times) < n:
        at = now - rng.uniform(60, DAYS * 86400)
        local = datetime.fromtimestamp(at, UTC)
        weight = (1.0 if local.weekday() < 5 else 0.25) * (1.0 if 0 <= local.hour < 10 else 0.3)  # 9-18 KST in UTC
        if rng.random() < weight:
            times.append(at)
    return sorted(times)


Rows = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], dict[tuple[str, int], int], dict[str, int]]


def make_rows(n: int, shapes: dict[tuple[str, str], list[Any]], actors: list[str], zone: Any, now: float,
              seed: int, start: int = 1) -> Rows:
    """n requests (ids from `start`) and their audit events as tuples in the requests and
    request_events columns, with the reference counters and how many got each status.
    bench/storage_backends.py writes the same rows into both stores."""
    rng = random.Random(seed)
    created = created_times(rng, n, now)
    kinds = list(KINDS)
    weights = [KINDS[k][1] for k in kinds]
    seqs: dict[tuple[str, int], int] = {}
    requests, events = [], []
    statuses = {"new": 0, "claimed": 0, "answered": 0, "closed": 0}
    for i, at in enumerate(created):
        newest_rank = n - 1 - i
        if newest_rank < OPEN_NEWEST:
            status = ("new", "new", "claimed", "answered")[newest_rank % 4]
        else:
            status = rng.choice(("new", "claimed", "answered")) if rng.random() < OLD_OPEN else "closed"
        statuses[status] += 1
        kind = rng.choices(kinds, weights)[0]
        row, shape_events = rng.choice(shapes[kind, status])
        lang = "ko" if i % 97 == 0 else rng.choices(["ko", "ja", "en"], [0.5, 0.4, 0.1])[0]
        contact, email = person(rng, lang)
        if i % 97 == 0:  # the name searched for, in both queues
            contact = SEARCH
        channel = "telegram" if rng.random() < 0.7 else "line"
        line_id = "U" + uuid.UUID(int=rng.getrandbits(128)).hex
        user = str(rng.randrange(10**8, 10**10)) if channel == "telegram" else line_id
        staff = rng.choice(actors)
        year = datetime.fromtimestamp(at, zone).year
        prefix = KINDS[kind][0]
        seqs[prefix, year] = seqs.get((prefix, year), 0) + 1
        request_id = start + i
        # the audit moved to this request's own times: hours to claim, a day or two to answer, days to close
        gaps = {"submitted": 0.0, "claimed": rng.uniform(0.2, 30) * 3600, "reply": rng.uniform(1, 48) * 3600,
                "requester_reply": rng.uniform(1, 72) * 3600, "closed": rng.uniform(1, 120) * 3600}
        offsets, total = [], 0.0
        for e in shape_events:
            total += gaps.get(e["action"], 3600.0)
            offsets.append(total)
        squeeze = min(1.0, (now - at) * 0.9 / total) if total else 1.0
        requester_actor = f"{channel}:{user}"
        old_requester = f"{row['channel']}:{row['user_id']}"
        last = at
        closed_at = None
        for e, offset in zip(shape_events, offsets, strict=True):
            last = at + offset * squeeze
            actor = requester_actor if e["actor"] == old_requester else staff
            events.append((request_id, last, actor, e["action"], e["text"]))
            if e["action"] == "closed":
                closed_at = last
        answers = answers_for(kind, rng, lang, contact, email)
        requests.append((request_id, f"{prefix}-{year}-{seqs[prefix, year]:04d}", uuid.uuid4().hex, kind, status,
                         json.dumps(answers, ensure_ascii=False), channel, user, user, lang,
                         staff if row["assignee"] else None, 0, int(row["awaiting_answer"]), at, last, closed_at))
    return requests, events, seqs, statuses


def fill(path: Path, n: int, shapes: dict[tuple[str, str], list[Any]], actors: list[str], zone: Any,
         now: float, seed: int) -> dict[str, Any]:
    db = sqlite3.connect(path, isolation_level=None)
    start = int(db.execute("SELECT coalesce(max(id), 0) FROM requests").fetchone()[0]) + 1
    requests, events, seqs, statuses = make_rows(n, shapes, actors, zone, now, seed, start)
    db.execute("BEGIN IMMEDIATE")
    db.executemany("INSERT INTO requests(id, ref, token, kind, status, answers, channel, chat_id, user_id, lang, "
                   "assignee, unreachable, awaiting_answer, created_at, updated_at, closed_at) "
                   "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", requests)
    db.executemany("INSERT INTO request_events(request_id, at, actor, action, text) VALUES (?,?,?,?,?)", events)
    db.executemany("INSERT INTO ref_counters(prefix, year, last) VALUES (?,?,?) ON CONFLICT(prefix, year) "
                   "DO UPDATE SET last=max(last, excluded.last)", [(p, y, s) for (p, y), s in seqs.items()])
    db.execute("COMMIT")
    # no ANALYZE: the bot never runs it, and its statistics would change the query plans measured
    db.close()
    searched = sum(1 for r in requests if SEARCH in r[5])
    return {"requests": n, "events": len(events), "statuses": statuses, "with_searched_name": searched}


# -- 3. a long exchange through the real RequestQueue --------------------------------------------


async def long_exchange(store: Store, zone: Any, staff: str) -> str:
    queue = RequestQueue(store, time.time, zone)
    requester = ConversationKey("telegram", "771234567", "771234567")
    rng = random.Random(7)
    ref = (await queue.submit(token=uuid.uuid4().hex, kind="question", prefix="Q", requester=requester, lang="ja",
                              answers=answers_for("question", rng, "ja", *person(rng, "ja")))).ref
    await queue.claim(ref, staff)
    for i in range(60):
        await queue.reply(ref, staff, f"{i + 1}. " + REPLIES[i % 3] * 2)
        await queue.requester_reply(ref, requester, f"{i + 1}. " + ANSWERS_BACK[i % 3] * 2)
        if i % 6 == 0:
            await queue.note(ref, staff, f"電話でも確認した ({i // 6 + 1})")
    return ref


async def prepare(work: Path, sizes: dict[str, int], now: float) -> dict[str, Any]:
    """Each queue's folder with its madoguchi.sqlite3, staff accounts and the long exchange."""
    config = load_config(ROOT / "config.toml")
    zone = config.zone.tz
    prepared: dict[str, Any] = {}
    shapes: dict[tuple[str, str], list[Any]] | None = None
    for name, n in sizes.items():
        folder = work / name
        store = await Store.open(folder / "madoguchi.sqlite3")
        accounts = StaffAccounts(store)
        passwords, actors = {}, []
        for login in STAFF:
            account, one_time = await accounts.add(login, admin=login == "kim", lang="en")
            passwords[login] = one_time
            actors.append(account.actor)
        await store.close()
        if shapes is None:
            t0 = time.perf_counter()
            shapes = await learn_shapes(work / "shapes.sqlite3", zone, actors)
            print(f"shapes: {sum(len(v) for v in shapes.values())} requests through RequestQueue in "
                  f"{time.perf_counter() - t0:.1f} s", flush=True)
        t0 = time.perf_counter()
        filled = fill(folder / "madoguchi.sqlite3", n, shapes, actors, zone, now, seed=len(prepared) + 11)
        store = await Store.open(folder / "madoguchi.sqlite3")
        ref = await long_exchange(store, zone, actors[0])
        await store.close()
        filled["seconds_to_fill"] = round(time.perf_counter() - t0, 1)
        filled["db_mib"] = round((folder / "madoguchi.sqlite3").stat().st_size / 2**20, 1)
        print(f"{name}: {filled}", flush=True)
        prepared[name] = {"folder": str(folder), "password": passwords["kim"], "long_ref": ref, "filled": filled}
    return prepared


# -- the server side: this process ---------------------------------------------------------------


async def serve(args: argparse.Namespace) -> dict[str, Any]:
    from telegram_harness import RunningBot, make_config

    sizes = {"baseline": args.baseline, "big": args.requests}
    with tempfile.TemporaryDirectory(prefix="madoguchi-web-bench-", dir=args.dir) as tmp:
        work = Path(tmp)
        prepared = await prepare(work, sizes, time.time())
        driver = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--drive", "--cpu", str(args.driver_cpu), "--rounds", str(args.rounds),
            "--samples", str(args.samples), "--appearances", str(args.appearances),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        assert driver.stdin is not None and driver.stdout is not None
        urls = json.loads(await driver.stdout.readline())["telegram"]
        lags: list[tuple[float, float]] = []  # (when, how late a 10 ms sleep woke)

        async def watch_loop() -> None:
            while True:
                t0 = time.monotonic()
                await asyncio.sleep(0.01)
                lags.append((t0, time.monotonic() - t0 - 0.01))

        bots = {}
        try:
            for (name, info), url in zip(prepared.items(), urls, strict=True):
                config = make_config(Path(info["folder"]), url, rate_limit_per_minute=10_000)
                bots[name] = await RunningBot(config).__aenter__()
                info["base"] = f"http://127.0.0.1:{bots[name].port}"
                info["refresh_seconds"] = config.web.refresh_seconds
            watcher = asyncio.create_task(watch_loop())
            driver.stdin.write((json.dumps(prepared) + "\n").encode())
            await driver.stdin.drain()
            line = await driver.stdout.readline()
            if not line:
                raise SystemExit("the driver stopped without figures")
            figures = json.loads(line)
            watcher.cancel()
        finally:
            for bot in bots.values():
                await bot.__aexit__(None, None, None)
            if driver.returncode is None:  # its fake Telegram servers outlive the bots polling them
                driver.stdin.write(b"stop\n")
                await driver.stdin.drain()
                await driver.wait()
    for window in figures["export_windows"]:
        inside = [lag for at, lag in lags if window["start"] <= at <= window["end"]]
        window["max_loop_stall_ms"] = round(max(inside, default=0) * 1000, 1)
    windows = figures["export_windows"] + [r["window"] for db in figures["pages"].values()
                                           for runs in db.values() for r in runs]
    for db in figures["pages"].values():
        for runs in db.values():
            for r in runs:
                inside = [lag for at, lag in lags if r["window"]["start"] <= at <= r["window"]["end"]]
                r["max_loop_stall_ms"] = round(max(inside, default=0) * 1000, 1)
    quiet = [lag for at, lag in lags if all(not (w["start"] - 1 <= at <= w["end"] + 1) for w in windows)]
    figures["quiet_max_loop_stall_ms"] = round(max(quiet, default=0) * 1000, 1)
    figures["prepared"] = {name: info["filled"] for name, info in prepared.items()}
    figures["sizes"] = sizes
    return figures


# -- the browser side: the driver process ---------------------------------------------------------


def rss(pid: int) -> dict[str, float]:
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {k: int(fields[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM")}


def reset_peak(pid: int) -> None:
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        pass


class Side:
    """One console as its staff member sees it, and its Telegram."""

    def __init__(self, name: str, info: dict[str, Any], telegram: Any) -> None:
        self.name, self.info, self.telegram = name, info, telegram
        self.refresh = float(info["refresh_seconds"])
        self.paths_: dict[str, tuple[str, int]] = {}

    async def login(self) -> None:
        import aiohttp

        from web_harness import PASSWORD, Browser

        self.client = aiohttp.ClientSession(self.info["base"], cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.browser = Browser(self.client, self.info["base"])
        status, _ = await self.browser.login("kim", self.info["password"])
        assert status == 303, status
        status, _ = await self.browser.post("/staff/password", {"password": PASSWORD, "again": PASSWORD})
        assert status == 303, status

    async def get(self, path: str) -> tuple[int, bytes, float]:
        t0 = time.perf_counter()
        async with self.client.get(path, allow_redirects=False) as response:
            body = await response.read()
        return response.status, body, time.perf_counter() - t0

    async def paths(self) -> dict[str, tuple[str, int]]:
        """Each measured page: its path and the status it must answer."""
        last = max(1, -(-self.info["filled"]["statuses"]["closed"] // 50))
        _, body, _ = await self.get("/staff/")
        poll = HX_GET.search(body.decode()).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
        return {
            "queue": ("/staff/", 200),
            "search": (f"/staff/?q={quote(SEARCH)}", 200),
            "search_all": (f"/staff/?status=all&q={quote(SEARCH)}", 200),
            "closed": ("/staff/?status=closed", 200),
            "closed_last": (f"/staff/?status=closed&page={last}", 200),
            "rows_204": (poll, 204),
            "rows_full": (re.sub(r"v=[^&]+", "v=0", poll), 200),
            "request": (f"/staff/r/{self.info['long_ref']}", 200),
            "export": ("/staff/export.csv", 200),
        }

    async def ask(self, uid: int, question: str) -> float:
        """A requester's free-text question on Telegram: seconds from the push to the answer arriving."""
        from fake_telegram import user

        mark = self.telegram.mark()
        t0 = time.perf_counter()
        await self.telegram.send_text(user(uid, "Mina", "ko"), question)
        [answer] = await self.telegram.next_to(uid, after=mark)
        return answer.at - t0

    async def submit(self, uid: int) -> tuple[str, float]:
        """A requester files the question form on Telegram: (reference, when the receipt arrived)."""
        from fake_telegram import user

        officer = user(uid, "Aoi", "en")
        for text in ["/ask Can we visit the office next month?", "Aoi Tanaka", "aoi@example.jp"]:
            mark = self.telegram.mark()
            await self.telegram.send_text(officer, text)
            [summary] = await self.telegram.next_to(uid, after=mark)
        button = next(b for b in summary.buttons if b["callback_data"] == "fm:submit")
        mark = self.telegram.mark()
        await self.telegram.press(officer, summary, button)
        [receipt] = await self.telegram.next_to(uid, after=mark)
        found = REF.search(receipt.text)
        assert found, receipt.text
        return found.group(0), receipt.at


async def measure_page(side: Side, page: str, path: str, expect: int, samples: int, pid: int) -> dict[str, Any]:
    before = rss(pid)
    reset_peak(pid)
    start = time.monotonic()
    times, size = [], 0
    for _ in range(samples):
        status, body, took = await side.get(path)
        assert status == expect, (side.name, page, path, status, body[:300])
        times.append(took)
        size = len(body)
    after = rss(pid)
    return {"times": times, "bytes": size, "rss_before": before["VmRSS"], "rss_after": after["VmRSS"],
            "rss_peak": after["VmHWM"], "window": {"start": start, "end": time.monotonic()}}


async def export_with_questions(side: Side, uid: int, question: str) -> dict[str, Any]:
    """The export, with a chat question every 100 ms while it runs."""
    start = time.monotonic()
    task = asyncio.create_task(side.get("/staff/export.csv"))
    latencies = []
    await asyncio.sleep(0.02)
    while True:  # at least one, however short the export
        asked = asyncio.create_task(side.ask(uid, question))
        await asyncio.sleep(0.1)
        latencies.append(await asked)
        if task.done():
            break
    status, body, took = await task
    assert status == 200
    return {"export_seconds": took, "during": latencies, "window": {"db": side.name, "start": start,
                                                                    "end": time.monotonic()}}


async def appearance(side: Side, uid: int, rng: random.Random) -> dict[str, Any]:
    """A requester submits while a queue page (newest first) polls its rows every refresh_seconds."""
    _, body, _ = await side.get("/staff/?sort=newest")
    poll = HX_GET.search(body.decode()).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
    seen: dict[str, float] = {}
    stop = asyncio.Event()

    async def page_open() -> None:
        nonlocal poll
        next_at = time.perf_counter() + side.refresh
        while not stop.is_set():
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
            started = time.perf_counter()
            status, answer, _ = await side.get(poll)
            if status == 200:  # htmx swaps the rows in; the new element polls with the new version
                text = answer.decode()
                poll = HX_GET.search(text).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
                for ref in REF.findall(text):
                    seen.setdefault(ref, time.perf_counter())
                next_at = time.perf_counter() + side.refresh
            else:
                next_at = started + side.refresh

    poller = asyncio.create_task(page_open())
    await asyncio.sleep(rng.uniform(0, side.refresh))  # a random moment in the poll cycle
    ref, acked = await side.submit(uid)
    status, answer, _ = await side.get("/staff/queue/rows?status=open&sort=newest&page=1&v=0")
    server_shown = status == 200 and ref in answer.decode()
    server_seconds = time.perf_counter() - acked
    deadline = time.perf_counter() + side.refresh * 3 + 5
    while ref not in seen and time.perf_counter() < deadline:
        await asyncio.sleep(0.01)
    stop.set()
    await poller
    return {"ref": ref, "server_shown_first_request": server_shown, "server_seconds": server_seconds,
            "end_to_end_seconds": seen[ref] - acked if ref in seen else None}


async def drive(args: argparse.Namespace) -> None:
    from fake_telegram import FakeTelegram

    pid = os.getppid()
    fakes = [FakeTelegram(), FakeTelegram()]
    urls = [await f.start() for f in fakes]
    print(json.dumps({"telegram": urls}), flush=True)
    prepared = json.loads(await asyncio.to_thread(sys.stdin.readline))
    sides = [Side(name, info, fake) for (name, info), fake in zip(prepared.items(), fakes, strict=True)]
    rng = random.Random(3)
    question = "서울사무소 전화번호가 뭐예요?"
    pages: dict[str, dict[str, list[dict[str, Any]]]] = {s.name: {p: [] for p in PAGES} for s in sides}
    chat: dict[str, dict[str, list[float]]] = {s.name: {"quiet": [], "during_export": []} for s in sides}
    export_windows = []
    for side in sides:
        await side.login()
        side.paths_ = await side.paths()
        for _ in range(3):  # warm-up: templates compiled, first queries, the answering path
            for page, (path, _) in side.paths_.items():
                if page != "export":
                    await side.get(path)
            await side.ask(8000, question)
    uid = 8100
    for round_ in range(args.rounds):
        for side in sides if round_ % 2 == 0 else sides[::-1]:
            for page, (path, expect) in side.paths_.items():
                samples = max(2, args.samples // 5) if page == "export" else args.samples
                pages[side.name][page].append(await measure_page(side, page, path, expect, samples, pid))
            for _ in range(args.samples):
                uid += 1
                chat[side.name]["quiet"].append(await side.ask(uid, question))
            for _ in range(max(1, args.samples // 10)):
                uid += 1
                run = await export_with_questions(side, uid, question)
                chat[side.name]["during_export"] += run["during"]
                export_windows.append(run["window"] | {"export_seconds": run["export_seconds"],
                                                       "questions": len(run["during"])})
    shown: dict[str, list[dict[str, Any]]] = {s.name: [] for s in sides}
    for i in range(args.appearances):
        for side in sides if i % 2 == 0 else sides[::-1]:
            uid += 1
            shown[side.name].append(await appearance(side, uid, rng))
    for side in sides:
        await side.client.close()
    print(json.dumps({"pages": pages, "chat": chat, "export_windows": export_windows, "appearance": shown,
                      "rss_end_mib": rss(pid)["VmRSS"]}), flush=True)
    await asyncio.to_thread(sys.stdin.readline)  # the bots have stopped polling
    for fake in fakes:
        await fake.stop()


# -- the report ----------------------------------------------------------------------------------


def report(figures: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    ms = lambda s: round(s * 1000, 1)  # noqa: E731
    table = []
    for page in PAGES:
        row: dict[str, Any] = {"page": page}
        for name in ("baseline", "big"):
            runs = figures["pages"][name][page]
            times = [t for r in runs for t in r["times"]]
            row[name] = {"p50_ms": ms(statistics.median(times)), "p99_ms": ms(pct(times, 0.99)), "n": len(times),
                         "bytes": runs[-1]["bytes"],
                         "rss_growth_mib": round(max(r["rss_after"] - r["rss_before"] for r in runs), 1),
                         "rss_peak_over_before_mib": round(max(r["rss_peak"] - r["rss_before"] for r in runs), 1),
                         "max_loop_stall_ms": max(r["max_loop_stall_ms"] for r in runs)}
        row["p50_ratio"] = round(row["big"]["p50_ms"] / max(row["baseline"]["p50_ms"], 0.01), 2)
        row["p99_ratio"] = round(row["big"]["p99_ms"] / max(row["baseline"]["p99_ms"], 0.01), 2)
        table.append(row)
    chat = {}
    for name, runs in figures["chat"].items():
        windows = [w for w in figures["export_windows"] if w["db"] == name]
        chat[name] = {"quiet_p50_ms": ms(statistics.median(runs["quiet"])), "quiet_max_ms": ms(max(runs["quiet"])),
                      "during_export_p50_ms": ms(statistics.median(runs["during_export"])),
                      "during_export_max_ms": ms(max(runs["during_export"])),
                      "questions_during_export": len(runs["during_export"]),
                      "export_max_loop_stall_ms": max(w["max_loop_stall_ms"] for w in windows)}
    shown = {}
    for name, runs in figures["appearance"].items():
        e2e = [r["end_to_end_seconds"] for r in runs if r["end_to_end_seconds"] is not None]
        shown[name] = {"submissions": len(runs),
                       "server_shown_on_first_request": sum(r["server_shown_first_request"] for r in runs),
                       "server_p50_ms": ms(statistics.median(r["server_seconds"] for r in runs)),
                       "server_max_ms": ms(max(r["server_seconds"] for r in runs)),
                       "end_to_end_p50_s": round(statistics.median(e2e), 2) if e2e else None,
                       "end_to_end_max_s": round(max(e2e), 2) if e2e else None,
                       "never_seen": len(runs) - len(e2e)}
    sizes = figures["sizes"]
    print()
    print(f"staff console, {sizes['big']:,} requests vs {sizes['baseline']:,} (same process, {args.rounds} "
          f"alternated round(s); times in ms; RSS in MiB, the server process)")
    head = f"{'page':<12} {'base p50':>9} {'p99':>8} {'big p50':>9} {'p99':>8} {'x p50':>6} {'x p99':>6}"
    print(head + f" {'base KiB':>9} {'big KiB':>9} {'RSS +':>6} {'peak +':>7} {'stall':>7}")
    for row in table:
        b, g = row["baseline"], row["big"]
        print(f"{row['page']:<12} {b['p50_ms']:>9} {b['p99_ms']:>8} {g['p50_ms']:>9} {g['p99_ms']:>8} "
              f"{row['p50_ratio']:>6} {row['p99_ratio']:>6} {b['bytes'] / 1024:>9.1f} {g['bytes'] / 1024:>9.1f} "
              f"{g['rss_growth_mib']:>6} {g['rss_peak_over_before_mib']:>7} {g['max_loop_stall_ms']:>7}")
    print("\nchat question on Telegram (push to answer), ms:")
    for name, c in chat.items():
        print(f"  {name:<9} quiet p50 {c['quiet_p50_ms']} max {c['quiet_max_ms']}; during export p50 "
              f"{c['during_export_p50_ms']} max {c['during_export_max_ms']} ({c['questions_during_export']} "
              f"questions); longest event-loop stall in an export {c['export_max_loop_stall_ms']} ms")
    print(f"  longest event-loop stall outside the measured series: {figures['quiet_max_loop_stall_ms']} ms")
    print("(RSS + / peak +: the 100k server's resident memory after / at its peak during a page's series, over "
          "before it; stall: the longest the 100k server's event loop was held during that series, ms)")
    print("\nsubmit to appearance (receipt on Telegram -> reference in the rows poll):")
    for name, s in shown.items():
        print(f"  {name:<9} server: shown on the first request {s['server_shown_on_first_request']}/"
              f"{s['submissions']}, p50 {s['server_p50_ms']} ms, max {s['server_max_ms']} ms; end to end with "
              f"the page polling: p50 {s['end_to_end_p50_s']} s, max {s['end_to_end_max_s']} s")
    return {"sizes": sizes, "rounds": args.rounds, "samples_per_page_per_round": args.samples,
            "prepared": figures["prepared"], "pages": table, "chat": chat,
            "quiet_max_loop_stall_ms": figures["quiet_max_loop_stall_ms"], "appearance": shown,
            "appearance_runs": figures["appearance"], "export_windows": figures["export_windows"],
            "rss_end_mib": figures["rss_end_mib"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--samples", type=int, default=20, help="GETs per page per round (export: a fifth)")
    parser.add_argument("--appearances", type=int, default=6, help="submissions per console, submit to appearance")
    parser.add_argument("--quick", action="store_true", help="1,000 vs 100, one round, few samples")
    parser.add_argument("--dir", help="where the database folders go (default: a temporary folder)")
    parser.add_argument("--cpu", type=int, default=0, help="pin the server to this CPU (-1: don't)")
    parser.add_argument("--driver-cpu", type=int, default=1, help="pin the browser side to this CPU (-1: don't)")
    parser.add_argument("--drive", action="store_true", help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    if args.quick:
        args.requests, args.rounds, args.samples, args.appearances = 1_000, 1, 5, 2
    if args.cpu >= 0 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    logging.basicConfig(level=logging.WARNING)
    if args.drive:
        asyncio.run(drive(args))
        return 0
    started = time.perf_counter()
    summary = report(asyncio.run(serve(args)), args)
    summary["command"] = " ".join(sys.argv)
    summary["seconds"] = round(time.perf_counter() - started, 1)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "web_console.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"\n{summary['seconds']} s; bench/results/web_console.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
