"""`madoguchi db copy`: a real SQLite file, filled through the real app, copied to a real throw-away
PostgreSQL server (tests/pg_server.py) and to another SQLite file; read back through the stores and
the query modules; copied again (nothing twice); then used: the copy's next request gets the next
reference and a new id. Mismatches, a database copied onto itself and a password in a URL are
refused. At least one copy runs the real entry point in a subprocess."""
from __future__ import annotations

import asyncio
import dataclasses
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot.app import open_app
from bot.cli.main import main
from bot.config import Config
from bot.conversation import Conversation
from bot.messages import ConversationKey
from bot.requests.queue import RequestQueue
from bot.staff.accounts import StaffAccounts
from bot.staff.sessions import Sessions
from bot.storage.contracts import Database
from bot.storage.postgres.store import PostgresStore
from bot.storage.store import Store
from bot.unanswered.log import UnansweredLog
from bot.unanswered.records import Counted, NewEntry
from conftest import QUEUE_STAFF, on_postgres
from queue_helpers import submit
from shared import answering_for

REPO = Path(__file__).resolve().parent.parent
KEYS = [ConversationKey("line", "Uaaa", "Uaaa"), ConversationKey("telegram", "100", "100"),
        ConversationKey("console", "7", "7")]
TABLES = ["conversations", "button_payloads", "pending_notices", "requests", "ref_counters", "request_events",
          "staff_accounts", "staff_identities", "staff_sessions", "unanswered", "question_counts"]


def fill(config: Config) -> list[str]:
    """Requests in every state, an account with a session, unanswered entries, conversations."""
    async def go() -> list[str]:
        async with open_app(config, answering=answering_for(config)) as app:
            queue = app.requests
            refs = [await submit(app.core, str(i)) for i in range(5)]
            refs.append(await submit(app.core, "9", kind="question", answers={"question": "주차장이 있나요?"}))
            await queue.claim(refs[0], QUEUE_STAFF)
            await queue.reply(refs[0], QUEUE_STAFF, "5월 12일에 갈 수 있습니다.")
            await queue.claim(refs[1], QUEUE_STAFF)
            await queue.note(refs[1], QUEUE_STAFF, "internal note")
            await queue.close(refs[1], QUEUE_STAFF)
            await queue.claim(refs[2], "telegram:5")
            accounts = StaffAccounts(app.store)
            account, _ = await accounts.add("kim", admin=True, identities=("telegram:123456789",), lang="ko")
            await accounts.add("lee")
            await Sessions(app.store, accounts, hours=8).create(account)
            now = 1_780_000_000.0
            await app.unanswered.write(
                [Counted(now, "ja", True), Counted(now, "ko", False), Counted(now + 86400 * 7, "ko", True)],
                [NewEntry(now, "line", "Uaaa", "Uaaa", "ko", "none", "주차장이 있나요?", [("access", 0.41)]),
                 NewEntry(now + 5, "telegram", "100", "100", "ja", "low_confidence", "駐車場は", [])])
            for i, key in enumerate(KEYS):
                await app.store.save_conversation(key, Conversation(lang="ko", seen_lang="ko", last_ref=refs[i]))
            await app.store.remember_payload("~abc", "t:lecture")
            return refs
    return asyncio.run(go())


async def snapshot(store: Database, config: Config) -> dict[str, Any]:
    """Everything the app reads back, through the query modules (ids, times and texts included)."""
    queue = RequestQueue(store)
    requests = [await queue.get(r.ref, with_events=True) for r in await queue.list()]
    log = UnansweredLog(store, config.zone, config.privacy.retention_days)
    return {
        "requests": requests,
        "accounts": await StaffAccounts(store).all(),
        "unanswered": await log.entries(),
        "weeks": await log.weeks(),
        "conversations": [await store.load_conversation(key) for key in KEYS],
        "payload": await store.recall_payload("~abc"),
        "counts": {t: int((await store.fetch(f"SELECT count(*) FROM {t}"))[0][0]) for t in TABLES},
    }


def sqlite_snapshot(path: Path, config: Config) -> dict[str, Any]:
    async def go() -> dict[str, Any]:
        store = await Store.open(path)
        try:
            return await snapshot(store, config)
        finally:
            await store.close()
    return asyncio.run(go())


def pg_snapshot(url: str, config: Config) -> dict[str, Any]:
    async def go() -> dict[str, Any]:
        store = await PostgresStore.open(url)
        try:
            return await snapshot(store, config)
        finally:
            await store.close()
    return asyncio.run(go())


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.cli.main", "db", "copy", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=120)


def copy(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["db", "copy", *args])
    out, err = capsys.readouterr()
    return status, out, err


def table_line(out: str, table: str) -> str:
    return next(line for line in out.splitlines() if line.split()[:1] == [table])


def test_sqlite_to_postgresql_copies_everything_once_and_the_copy_carries_on(
        queue_config: Config, pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    refs = fill(queue_config)
    before = sqlite_snapshot(queue_config.database, queue_config)
    assert before["counts"]["request_events"] == 6 + 2 + 3 + 1  # submitted; claim, reply; claim, note, close; claim

    done = cli("--from", f"sqlite:///{queue_config.database}", "--to", pg_url)  # the real entry point
    assert done.returncode == 0, done.stderr
    assert "copied       6, already there       0, target total       6" in table_line(done.stdout, "requests")
    assert "skipped" in table_line(done.stdout, "login_failures")
    assert "verified" in done.stdout
    copied = pg_snapshot(pg_url, queue_config)
    assert copied == before  # refs, answers, statuses, events, accounts, entries, counts: all equal
    assert [r.ref for r in copied["requests"]] == refs
    assert copied["requests"][0].events[-1].text == "5월 12일에 갈 수 있습니다."
    assert copied["accounts"][0].identities == ("telegram:123456789",)

    status, out, err = copy(capsys, "--from", str(queue_config.database), "--to", pg_url)  # again
    assert status == 0, err
    for table in TABLES:
        total = before["counts"][table]
        assert f"copied       0, already there {total:>7}, target total {total:>7}" in table_line(out, table)
    assert pg_snapshot(pg_url, queue_config)["counts"] == before["counts"]

    async def carry_on() -> tuple[str, int, int]:
        async with open_app(on_postgres(queue_config, pg_url), answering=answering_for(queue_config)) as app:
            ref = await submit(app.core, "42")
            request = await app.requests.get(ref, with_events=True)
            assert request is not None
            account, _ = await StaffAccounts(app.store).add("park")
            return ref, request.id, account.id
    ref, request_id, account_id = asyncio.run(carry_on())
    prefix, year, number = refs[4].rsplit("-", 2)
    assert ref == f"{prefix}-{year}-{int(number) + 1:04d}"  # ref_counters came along
    assert request_id == max(r.id for r in before["requests"]) + 1  # the identity sequences were moved
    assert account_id == max(a.id for a in before["accounts"]) + 1


def test_postgresql_copies_back_to_sqlite(queue_config: Config, pg_url: str, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    fill(queue_config)
    before = sqlite_snapshot(queue_config.database, queue_config)
    assert copy(capsys, "--from", str(queue_config.database), "--to", pg_url)[0] == 0
    back = tmp_path / "back" / "madoguchi.sqlite3"
    status, out, err = copy(capsys, "--from", pg_url, "--to", f"sqlite:///{back}", "--batch", "2")
    assert status == 0, err
    assert sqlite_snapshot(back, queue_config) == before


def test_sqlite_to_sqlite_in_small_batches_then_again(queue_config: Config, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    fill(queue_config)
    before = sqlite_snapshot(queue_config.database, queue_config)
    target = tmp_path / "copy.sqlite3"
    for run in range(2):  # batches of 2 rows: every table's keys (three columns for conversations) paged
        status, out, err = copy(capsys, "--from", str(queue_config.database), "--to", str(target), "--batch", "2")
        assert status == 0, err
        copied = before["counts"]["requests"] if run == 0 else 0
        assert f"copied {copied:>7}," in table_line(out, "requests")
    assert sqlite_snapshot(target, queue_config) == before


def test_a_target_with_rows_of_its_own_is_a_mismatch_naming_the_table(queue_config: Config, tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    fill(queue_config)
    target = tmp_path / "copy.sqlite3"
    assert copy(capsys, "--from", str(queue_config.database), "--to", str(target))[0] == 0

    async def extra() -> None:
        async with open_app(dataclasses.replace(queue_config, database=target),
                            answering=answering_for(queue_config)) as app:
            await submit(app.core, "77")
    asyncio.run(extra())
    status, out, err = copy(capsys, "--from", str(queue_config.database), "--to", str(target))
    assert status == 1
    assert "requests has 6 rows on the source and 7 on the target" in err
    assert "ref_counters has 1 rows on the target whose key the source has too but whose values differ" in err
    assert "not verified" in err and "verified" not in out


def test_a_database_is_not_copied_onto_itself(queue_config: Config, capsys: pytest.CaptureFixture[str]) -> None:
    fill(queue_config)
    path = queue_config.database
    spelled = path.parent / "." / path.name
    status, _, err = copy(capsys, "--from", str(path), "--to", f"sqlite:///{spelled}")
    assert status == 2 and "same database" in err
    done = cli("--from", str(path), "--to", str(path))
    assert done.returncode == 2 and "same database" in done.stderr


def test_one_postgresql_database_by_two_names_is_not_copied_onto_itself(
        queue_config: Config, pg_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    other_name = pg_url.replace("@127.0.0.1:", "@localhost:")
    assert other_name != pg_url
    status, _, err = copy(capsys, "--from", pg_url, "--to", other_name)
    assert status == 2 and "same database" in err


def test_a_password_in_a_url_or_a_missing_source_is_refused_and_never_printed(
        queue_config: Config, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = copy(capsys, "--from", str(tmp_path / "nothing.sqlite3"),
                            "--to", "postgresql://u:s3cret@db.internal:5432/m")
    assert status == 2 and "holds a password" in err
    assert "s3cret" not in out + err
    status, _, err = copy(capsys, "--from", str(tmp_path / "nothing.sqlite3"), "--to", str(tmp_path / "t.sqlite3"))
    assert status == 2 and "does not exist" in err
    assert not (tmp_path / "nothing.sqlite3").exists()
    status, _, err = copy(capsys, "--from", str(tmp_path / "a"), "--to", "postgresql://u@h/db",
                          "--password-env", "MADOGUCHI_TEST_UNSET_VARIABLE")
    assert status == 2 and "MADOGUCHI_TEST_UNSET_VARIABLE" in err
