"""Four worker processes on one PostgreSQL database, 50 users filling and submitting forms, one
worker SIGKILLed at random moments and started again.

Each worker is the kill driver (tests/kill_driver.py) playing its share of the users (--part) through
the real app on PostgreSQL. Checked after every kill, while the other three keep working, and at the
end: every reference acknowledged to a user is stored once with all its answers; no reference is
issued twice and the numbers have no gaps although four processes took them; every unfinished form
holds exactly the answers before its current question (each user's messages were applied in order),
and resumes there after the kill.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import random
import re
import time
from pathlib import Path

from conftest import on_postgres, repo_config_file
from fake_line import FakeLine, Sent, user_id
from line_harness import LINE_ENV, both_config
from pg_server import Server
from telegram_harness import RunningBot
from test_forms_kill import ZONE, Driver, Found, check_consistent, finish_and_check

WORKERS = 4
KILLS = 5


def read_pg(url: str) -> Found:
    """Requests and conversations as one snapshot, read with asyncpg as an auditor would."""
    async def read() -> Found:
        import asyncpg

        con = await asyncpg.connect(url)
        try:
            async with con.transaction(isolation="repeatable_read", readonly=True):
                requests: dict[str, list[dict]] = {}
                for row in await con.fetch("SELECT ref, kind, answers, user_id FROM requests"):
                    requests.setdefault(row["user_id"], []).append(
                        {"ref": row["ref"], "kind": row["kind"], "answers": json.loads(row["answers"])})
                rows = await con.fetch("SELECT user_id, state FROM conversations WHERE channel='console'")
                states = {row["user_id"]: json.loads(row["state"]) for row in rows}
        finally:
            await con.close()
        return requests, states
    return asyncio.run(read())


def test_four_workers_on_one_database_with_one_killed_at_random_moments(tmp_path: Path, pg_url: str,
                                                                          pg_server: Server) -> None:
    config = repo_config_file(tmp_path, pg_url, attachments=str(tmp_path / "attachments"))
    rng = random.Random()
    seed = rng.randrange(10**6)
    part = [f"{i}/{WORKERS}" for i in range(WORKERS)]
    # held until all four are open: under load the first could finish before the last had started
    drivers = [Driver(config, seed + i, part=part[i], hold=True) for i in range(WORKERS)]
    for driver in drivers:
        assert driver.ready.wait(90), driver.errors.read_text()
    for driver in drivers:
        driver.go()
    acked: dict[str, set[str]] = {}
    mid_run_kills, seen_in_progress = 0, 0
    for round_ in range(KILLS):
        victim = rng.randrange(WORKERS)
        if round_ == 0:
            # early, so that the others are mid-form too when the first snapshot is read: waiting for
            # up to half of the victim's users let the others finish first now and then
            drivers[victim].wait_for_acks(rng.randint(1, 2), timeout=90)
        else:
            time.sleep(rng.uniform(0.02, 0.3))
        mid_run_kills += drivers[victim].kill()
        for user, refs in drivers[victim].acks().items():
            acked.setdefault(user, set()).update(refs)
        # the other three are still at work: the invariants hold in any committed snapshot
        seen_in_progress = max(seen_in_progress, check_consistent(read_pg(pg_url), acked, ZONE.today(time.time())))
        drivers[victim] = Driver(config, seed + WORKERS * (round_ + 1) + victim, part=part[victim])
        assert drivers[victim].ready.wait(90), drivers[victim].errors.read_text()
    assert mid_run_kills >= 1 and seen_in_progress > 0, "no kill landed in the middle of the forms"

    finish_and_check(drivers, lambda: read_pg(pg_url), acked)


def test_a_line_officer_fills_a_form_through_two_workers_behind_one_webhook(tmp_path: Path, pg_url: str) -> None:
    """`madoguchi run` twice on one PostgreSQL database, as two workers behind a load balancer: each
    webhook call of one LINE officer goes to either; the form moves on step by step all the same."""
    officer = user_id(7302)
    ref_pattern = re.compile(r"\b[A-Z]-\d{4}-\d{4}\b")

    async def main() -> None:
        line = FakeLine()
        line_url = await line.start()
        config = on_postgres(both_config(tmp_path, line_url, None), pg_url)
        config = dataclasses.replace(config, line=dataclasses.replace(config.line, loading_after_seconds=60.0))
        rng = random.Random()
        try:
            async with RunningBot(config, LINE_ENV) as one, RunningBot(config, LINE_ENV) as two:
                hooks = [f"http://127.0.0.1:{bot.port}{config.line.webhook_path}" for bot in (one, two)]
                used: list[int] = []

                async def send(event: dict) -> list[Sent]:
                    mark = line.mark()
                    used.append(len(used) if len(used) < 2 else rng.randrange(2))  # both, then either
                    status, _ = await line.post_events(hooks[used[-1]], [event])
                    assert status == 200
                    return [s for s in line.sent[mark:] if s.to == officer]

                [answer] = await send(line.text_event(officer, "출장 강좌에 대해 알려 주세요"))
                label = one.core.deps.renderer.label
                [q] = await send(line.postback_event(officer, answer.button(label("ko", "apply"))["data"]))
                for text in ["서울대학교", "일본어학과", "김민준", "kim@snu.ac.kr", "2027-05-10"]:
                    [q] = await send(line.text_event(officer, text))
                assert "(6/9)" in q.text
                [q] = await send(line.postback_event(officer, q.button("온라인")["data"]))
                [q] = await send(line.text_event(officer, "일본의 마쓰리"))
                [q] = await send(line.text_event(officer, "40"))
                [summary] = await send(line.postback_event(officer, q.button(label("ko", "form_skip"))["data"]))
                [receipt] = await send(line.postback_event(officer, summary.button(label("ko", "form_submit"))["data"]))
                ref = ref_pattern.search(receipt.text)
                assert ref, receipt.text
                [stored] = await two.service.app.requests.list()
                assert stored.ref == ref.group(0) and stored.answers["email"] == "kim@snu.ac.kr"
                assert stored.answers["students"] == 40 and stored.channel == "line"
        finally:
            await line.stop()
    asyncio.run(main())
