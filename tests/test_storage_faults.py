"""The database under faults: a damaged or read-only file at start-up, a lock held by another
process, and what a person hears then. Nothing hangs, and no reply claims what did not happen."""
from __future__ import annotations

import asyncio
import dataclasses
import io
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.app import open_app
from bot.channels.console.shell import ConsoleShell
from bot.config import Config
from conftest import repo_config_file
from shared import answering_for

REPO = Path(__file__).resolve().parent.parent
LOCKER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
db.execute("BEGIN IMMEDIATE")  # the write lock, held until stdin closes
print("locked", flush=True)
sys.stdin.read()
db.execute("ROLLBACK")
"""


def config_file(tmp_path: Path, database: Path) -> Path:
    return repo_config_file(tmp_path, database, index_cache=str(REPO / "data" / "cache"))


def cli(config: Path, *args: str) -> tuple[int, str, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "LINE_", "MADOGUCHI_"))}
    env.update(TELEGRAM_BOT_TOKEN="1:x", LINE_CHANNEL_SECRET="x", LINE_CHANNEL_ACCESS_TOKEN="x")
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "bot.cli.main", *args, "--config", str(config)], cwd=REPO, env=env,
                          input="", capture_output=True, text=True, timeout=60)
    return done.returncode, done.stderr, time.monotonic() - started


@pytest.mark.parametrize("command", [["run"], ["shell"], ["requests", "list"]])
def test_a_damaged_database_stops_start_up_with_status_2_naming_the_file(tmp_path: Path, command: list[str]) -> None:
    database = tmp_path / "db.sqlite3"
    database.write_bytes(os.urandom(5000))
    code, err, took = cli(config_file(tmp_path, database), *command)
    assert code == 2, err
    assert str(database) in err and "file is not a database" in err and "Fix:" in err and "Traceback" not in err
    assert took < 30  # the process ended by itself: no thread of the database left it hanging


def test_a_read_only_database_stops_start_up_with_status_2(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite3"
    sqlite3.connect(database).close()
    if os.geteuid() == 0:  # root writes through a chmod; an immutable file stops even root
        if subprocess.run(["chattr", "+i", str(database)], capture_output=True).returncode != 0:
            pytest.skip("running as root without chattr: a read-only file cannot be made here")
    else:
        database.chmod(0o444)
        tmp_path.chmod(0o555)
    try:
        code, err, _ = cli(config_file(tmp_path.parent / tmp_path.name, database), "requests", "list") \
            if os.geteuid() == 0 else cli(_config_elsewhere(tmp_path, database), "requests", "list")
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(database)], capture_output=True)
        else:
            tmp_path.chmod(0o755)
    assert code == 2 and str(database) in err and "readonly" in err and "Fix:" in err, err


def _config_elsewhere(tmp_path: Path, database: Path) -> Path:
    other = tmp_path.parent / (tmp_path.name + "-config")
    other.mkdir(exist_ok=True)
    return config_file(other, database)


class Locker:
    """Another process holding the database's write lock until released."""

    def __init__(self, database: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", LOCKER, str(database)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "locked"

    def release(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def shell_run(config: Config, lines: list[str], between: dict[int, object] | None = None) -> str:
    """Type the lines into a console shell; between[i](): called before line i is typed."""
    out = io.StringIO()

    async def scenario() -> None:
        async with open_app(config, answering=answering_for(config)) as app:
            shell = ConsoleShell(app.inbox, "7", config.database.parent / "exports", out)
            app.outbox.register(shell)
            for i, line in enumerate(lines):
                action = (between or {}).get(i)
                if action is not None:
                    await asyncio.to_thread(action)  # type: ignore[arg-type]
                await shell.send(line)

    asyncio.run(scenario())
    return out.getvalue()


def test_a_question_is_answered_while_another_process_holds_the_lock(forms_config: Config) -> None:
    config = dataclasses.replace(forms_config, lock_wait_seconds=0.5)
    sqlite3.connect(config.database).close()
    asyncio.run(_migrate(config))
    locker = Locker(config.database)
    try:
        text = shell_run(config, ["出前講座について教えてください"])
    finally:
        locker.release()
    assert "info@clair.or.kr" in text  # the answer, not "busy": its hints are saved on the side


def test_a_submit_while_locked_says_try_again_and_stores_nothing_then_works(forms_config: Config) -> None:
    config = dataclasses.replace(forms_config, lock_wait_seconds=0.5, rate_limit_per_minute=1000)
    script = ["/lang en", "/ask Is the office open on Saturdays?", "Kim Minji", "minji@example.ac.kr"]
    text = shell_run(config, script)
    assert "Submit" in text
    lockers: list[Locker] = []

    def stored() -> list[tuple[str]]:
        with sqlite3.connect(config.database) as conn:
            return conn.execute("SELECT ref FROM requests").fetchall()

    def release() -> None:
        assert stored() == []  # the submit during the lock stored nothing
        lockers.pop().release()

    # press submit while locked; then, the lock gone, any text shows the summary again; submit
    text = shell_run(config, ["1", "ok", "1"], between={0: lambda: lockers.append(Locker(config.database)),
                                                          1: release})
    busy, after = text.split("could not save your last message", 1)
    assert "send it again" in after and "received" not in busy.lower().rsplit("submit", 1)[-1]
    [(ref,)] = stored()  # stored once, after the lock
    assert ref in after


async def _migrate(config: Config) -> None:
    async with open_app(config, answering=answering_for(config)):
        pass


def test_a_write_cancelled_at_any_await_leaves_no_transaction_open(tmp_path: Path) -> None:
    """A task cancelled while it awaits BEGIN or COMMIT (the retention purge, cancelled when the bot
    stops) used to leave aiosqlite's thread to open the transaction after it had given up: every
    later write of the process then failed with "cannot start a transaction within a transaction",
    a requester's Submit among them."""
    from bot.storage.store import Store

    async def go() -> list[str]:
        store = await Store.open(tmp_path / "db.sqlite3")
        failures = []
        try:
            for steps in range(12):  # cancel after each number of loop turns: BEGIN, the body, COMMIT
                async def write(n: int = steps) -> None:
                    async with store.transaction() as db:
                        await db.execute("INSERT INTO store_opened(at) VALUES (?)", (n,))

                task = asyncio.create_task(write())
                for _ in range(steps):
                    await asyncio.sleep(0)
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                try:
                    async with store.transaction() as db:  # the next write of the process
                        await db.execute("INSERT INTO store_opened(at) VALUES (?)", (-1,))
                except sqlite3.OperationalError as exc:
                    failures.append(f"after {steps} turns: {exc}")
        finally:
            await store.close()
        return failures

    assert asyncio.run(go()) == []
