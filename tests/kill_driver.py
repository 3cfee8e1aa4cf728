"""Plays N simulated users filling and submitting request forms, concurrently, through Core.handle.

Run as a process by tests/test_forms_kill.py, which SIGKILLs it at random moments and starts it
again. Each user looks only at the database to know where they are (their conversation state and
whether they have a request), so a restarted driver carries on from whatever survived the kill.
It prints "READY" once the app is open, "ACK <user> <ref>" (flushed) only after the user got the
"received" reply, and "DONE" when every user has submitted.

With a MODE, the driver kills itself with SIGKILL at the commit of one submit (which one comes
from the seed, at most the 5th): "before" as COMMIT starts, "during" a moment (0-3 ms) after it started, "after"
at the next statement, when the request is committed but its acknowledgement not yet sent. It
prints "KILLING <mode> <n>" first. SQLite's trace callback sees each statement as it runs.

With --part I/N it plays only the users whose number is I modulo N: tests/test_workers.py runs
N drivers at once on one PostgreSQL database, as N worker processes. With --hold it waits, after
"READY", for a line on its standard input before the users start: so that N drivers start together
rather than the first finishing while the last is still opening its app.

    python tests/kill_driver.py CONFIG USERS SEED [before|during|after] [--part I/N] [--hold]
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import open_app  # noqa: E402
from bot.config import load_config  # noqa: E402
from bot.core.routing import Core  # noqa: E402
from bot.messages import Incoming, Photo  # noqa: E402
from shared import answering_for

KINDS = ["lecture", "omatsuri", "dorandoran", "question"]
LANGS = ["ja", "ko", "en"]
COMMAND = {"lecture": "/lecture", "omatsuri": "/omatsuri", "dorandoran": "/dorandoran"}
REF = re.compile(r"\b[A-Z]-\d{4}-\d{4}\b")
PHOTOS = 2
MAX_STEPS = 300  # a user needs about 20 steps


def user_ids(n: int) -> list[str]:
    return [f"u{i:03d}" for i in range(n)]


def plan(user: str, today: date) -> tuple[str, str, dict[str, Any], dict[str, Any]]:
    """(kind, lang, what the user types per field, what must be stored per field)."""
    i = int(user[1:])
    kind, lang = KINDS[i % len(KINDS)], LANGS[i % len(LANGS)]
    day = today + timedelta(days=30 + i)
    contact = {"contact_person": f"Person {user}", "email": f"{user}@example.org"}
    if kind == "lecture":
        typed = {
            "university": f"University {user}",
            "department": "日本語学科",
            **contact,
            "preferred_dates": day.isoformat(),
            "format": "2",
            "topics": f"祭り {{{{ {user} }}}}",
            "students": str(10 + i),
            "notes": None,
        }
        stored = dict(typed, preferred_dates=[day.isoformat()], format="online", students=10 + i)
    elif kind == "omatsuri":
        typed = {
            "municipality": f"Town {user}",
            "department": "観光課",
            **contact,
            "booth_content": "\n".join(["温泉と特産品"] * 3),
            "materials": f"<b>poster</b> x{i}",
            "notes": f"note {user}",
        }
        stored = dict(typed)
    elif kind == "dorandoran":
        typed = {
            "municipality": f"City {user}",
            "department": "広報課",
            **contact,
            "plan": "fm:c:plan:more_posts",
            "manuscript": f"原稿 {user} " + "あ" * 3000,
            "photos": None,
            "period": "2027年3月",
            "notes": None,
        }
        stored = dict(
            typed,
            plan="more_posts",
            photos=[{"file_id": f"{user}-p{k}", "saved_path": "", "size": 100} for k in range(1, PHOTOS + 1)],
        )
    else:
        typed = {"question": f"What about {user}? {{% raw %}}", **contact}
        stored = dict(typed)
    return kind, lang, typed, stored


class Player:
    def __init__(self, core: Core, user: str, rng: random.Random, today: date) -> None:
        self.core, self.user, self.rng = core, user, rng
        self.kind, self.lang, self.typed, _ = plan(user, today)

    def incoming(self, text: str = "", payload: str | None = None, photo: Photo | None = None) -> Incoming:
        return Incoming("console", self.user, self.user, text=text, payload=payload, photo=photo)

    async def send(self, text: str = "", payload: str | None = None, photo: Photo | None = None) -> str:
        replies = await self.core.handle(self.incoming(text, payload, photo))
        await asyncio.sleep(self.rng.uniform(0, 0.003))  # let the others interleave
        return "\n".join(r.text for r in replies if r.to.chat_id == self.user and r.to.channel == "console")

    async def submitted(self) -> bool:
        return bool(await self.core.deps.requests.for_requester("console", self.user))

    async def play(self) -> None:
        for _ in range(MAX_STEPS):
            await self.core.drain()
            state = (await self.core.deps.store.load_conversation(self.incoming().key)).as_dict()
            fs = state.get("form")
            if fs is None:
                if await self.submitted():
                    return
                if state.get("lang") != self.lang:
                    await self.send(f"/lang {self.lang}")
                elif self.kind == "question":
                    await self.send("/ask " + self.typed["question"])
                else:
                    await self.send(COMMAND[self.kind])
                continue
            at = fs["at"]
            if at == "@summary":
                text = await self.send(payload="fm:submit")
                ref = REF.search(text)
                if ref:
                    print(f"ACK {self.user} {ref.group(0)}", flush=True)
                return
            await self.answer(at, fs)
        print(f"STUCK {self.user}", flush=True)  # the form does not move on: a bug, not a slow run

    async def answer(self, at: str, fs: dict[str, Any]) -> None:
        roll = self.rng.random()
        if roll < 0.1:
            await self.send("/help")  # answered, then the question is asked again
            return
        if roll < 0.2 and at in ("email", "students", "preferred_dates"):
            await self.send("not valid @@ 9999999")  # refused; nothing changes
            return
        value = self.typed[at]
        if at == "photos":
            if len(fs["picked"]) < PHOTOS:
                await self.send(photo=Photo(f"{self.user}-p{len(fs['picked']) + 1}", size=100))
            else:
                await self.send(payload="fm:done")
        elif value is None:
            await self.send("/skip")
        elif value.startswith("fm:"):
            await self.send(payload=value)
        else:
            await self.send(value)


class CommitKiller:
    """The trace callback that kills this process at the commit of the nth submit."""

    def __init__(self, nth: int, mode: str, rng: random.Random) -> None:
        self.nth, self.left, self.mode, self.rng = nth, nth, mode, rng
        self.armed = False  # inside a submit's transaction
        self.committed = False  # for "after": the COMMIT of that submit ran

    def __call__(self, statement: str) -> None:
        if self.committed:
            self.die()
        elif statement.startswith("INSERT INTO requests("):
            self.left -= 1
            self.armed = self.left == 0
        elif self.armed and statement == "COMMIT":
            if self.mode == "before":
                self.die()
            elif self.mode == "during":
                threading.Timer(self.rng.uniform(0, 0.003), self.die).start()
            else:
                self.committed = True

    def die(self) -> None:
        print(f"KILLING {self.mode} {self.nth}", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)


async def main(config_path: str, n: int, seed: int, mode: str | None, part: tuple[int, int], hold: bool) -> None:
    config = load_config(Path(config_path))
    async with open_app(config, answering=answering_for(config)) as app:
        core = app.core
        if mode is not None:
            await app.store.db.set_trace_callback(CommitKiller(1 + seed % 5, mode, random.Random(seed)))
        print("READY", flush=True)
        if hold:
            await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        today = config.zone.today(time.time())
        rng = random.Random(seed)
        mine = [user for user in user_ids(n) if int(user[1:]) % part[1] == part[0]]
        players = [Player(core, user, random.Random(rng.random()), today) for user in mine]
        await asyncio.gather(*(p.play() for p in players))
    print("DONE", flush=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    at, of = 0, 1
    hold = "--hold" in args
    if hold:
        args.remove("--hold")
    if "--part" in args:
        where = args.index("--part")
        at, of = (int(x) for x in args[where + 1].split("/"))
        del args[where : where + 2]
    asyncio.run(main(args[0], int(args[1]), int(args[2]), args[3] if len(args) > 3 else None, (at, of), hold))
