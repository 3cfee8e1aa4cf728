"""The store under concurrency: saves that share a commit, reads on the loop, one user's turns in order."""
from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.core.admission import UserLocks
from bot.conversation import Conversation
from bot.messages import ConversationKey
from bot.storage.store import Store


def test_concurrent_saves_are_all_committed_and_read_back(tmp_path: Path) -> None:
    async def scenario() -> list[Conversation]:
        store = await Store.open(tmp_path / "db.sqlite3")
        keys = [ConversationKey("line", f"U{i}", f"U{i}") for i in range(60)]
        await asyncio.gather(*(store.save_conversation(k, Conversation(seen_lang="ko", pending_question=k.user_id))
                               for k in keys))
        # the same conversation saved twice at once: the later state wins
        await asyncio.gather(store.save_conversation(keys[0], Conversation(lang="ja")),
                             store.save_conversation(keys[0], Conversation(lang="en")))
        loaded = [await store.load_conversation(k) for k in keys]
        await store.close()
        return loaded

    loaded = asyncio.run(scenario())
    assert loaded[0].lang == "en"
    assert [c.pending_question for c in loaded[1:]] == [f"U{i}" for i in range(1, 60)]
    with sqlite3.connect(tmp_path / "db.sqlite3") as conn:  # on disk, from another connection
        assert conn.execute("SELECT COUNT(*) FROM conversations").fetchone() == (60,)


def test_a_failed_shared_commit_fails_every_save_in_it(tmp_path: Path) -> None:
    async def scenario() -> list[BaseException | None]:
        store = await Store.open(tmp_path / "db.sqlite3")
        await store.db.execute("ALTER TABLE conversations RENAME TO gone")  # a damaged database
        keys = [ConversationKey("telegram", str(i), str(i)) for i in range(5)]
        results = await asyncio.gather(*(store.save_conversation(k, Conversation(lang="ko")) for k in keys),
                                       return_exceptions=True)
        await store.close()
        return results

    results = asyncio.run(scenario())
    assert all(isinstance(r, sqlite3.OperationalError) for r in results)


def test_one_users_turns_run_in_order_and_a_cancelled_waiter_does_not_block_the_next() -> None:
    async def scenario() -> list[int]:
        locks, order = UserLocks(), []

        async def turn(i: int) -> None:
            async def work() -> None:
                await asyncio.sleep(0.001)
                order.append(i)
            await locks.run("telegram:1", work)

        tasks = [asyncio.create_task(turn(i)) for i in range(10)]
        await asyncio.sleep(0)
        tasks[3].cancel()  # waiting for its turn when cancelled
        with pytest.raises(asyncio.CancelledError):
            await tasks[3]
        await asyncio.gather(*(t for i, t in enumerate(tasks) if i != 3))
        assert locks.busy == {}  # nothing kept for an idle user
        return order

    assert asyncio.run(scenario()) == [0, 1, 2, 4, 5, 6, 7, 8, 9]
