"""The core's storage contract (bot/storage/contracts.CoreStore), one suite run against every backend:
SQLite in a real file, and PostgreSQL on a real throw-away server (tests/pg_server.py)."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from bot.conversation import Conversation
from bot.messages import Address, ConversationKey
from bot.storage.contracts import CoreStore
from bot.storage.store import Store
from pg_server import Server, fresh_database

Scenario = Callable[[CoreStore], Awaitable[None]]


@pytest.fixture(params=["sqlite", "postgresql"])
def run_on(request: pytest.FixtureRequest, tmp_path: Path, pg_server: Server) -> Callable[[Scenario], None]:
    """Runs a scenario against a fresh store of this backend, then closes it."""
    if request.param == "sqlite":
        async def opened() -> CoreStore:
            return await Store.open(tmp_path / "contract.sqlite3")
    else:
        url = pg_server.require()

        async def opened() -> CoreStore:
            from bot.storage.postgres.store import PostgresStore
            return await PostgresStore.open(await fresh_database(url))

    def run(scenario: Scenario) -> None:
        async def main() -> None:
            store = await opened()
            try:
                await scenario(store)
            finally:
                await store.close()
        asyncio.run(main())
    return run


KEY = ConversationKey("line", "U1", "U1")


def test_a_conversation_saved_is_loaded_back_and_an_unknown_one_is_empty(run_on: Callable[[Scenario], None]) -> None:
    async def scenario(store: CoreStore) -> None:
        assert await store.load_conversation(KEY) == Conversation()
        await store.save_conversation(KEY, Conversation(lang="ko", pending_question="도란도란?"))
        loaded = await store.load_conversation(KEY)
        assert (loaded.lang, loaded.pending_question) == ("ko", "도란도란?")
        assert await store.load_conversation(ConversationKey("line", "U1", "U2")) == Conversation()
    run_on(scenario)


def test_saves_queued_for_one_conversation_land_in_the_order_queued(run_on: Callable[[Scenario], None]) -> None:
    async def scenario(store: CoreStore) -> None:
        others = [ConversationKey("telegram", str(i), str(i)) for i in range(40)]
        futures = [store.queue_conversation(KEY, Conversation(pending_question=f"q{i}")) for i in range(20)]
        futures += [store.queue_conversation(k, Conversation(seen_lang="ja")) for k in others]
        await store.save_conversation(KEY, Conversation(pending_question="last"))  # a form step after the hints
        await asyncio.gather(*futures)
        assert (await store.load_conversation(KEY)).pending_question == "last"
        assert [(await store.load_conversation(k)).seen_lang for k in others] == ["ja"] * len(others)
    run_on(scenario)


def test_a_payload_remembered_twice_is_kept_once_and_recalled(run_on: Callable[[Scenario], None]) -> None:
    async def scenario(store: CoreStore) -> None:
        await store.remember_payload("~abc", "form:lecture:start")
        await store.remember_payload("~abc", "form:lecture:start")
        assert await store.recall_payload("~abc") == "form:lecture:start"
        assert await store.recall_payload("~nope") is None
    run_on(scenario)


def test_kept_notices_come_back_oldest_first_per_address_and_go_when_dropped(
        run_on: Callable[[Scenario], None]) -> None:
    async def scenario(store: CoreStore) -> None:
        a, b = Address("line", "U1"), Address("telegram", "5")
        await store.keep_notice(a, '{"text": "one"}', "L-2026-0001")
        await store.keep_notice(b, '{"text": "other"}', "")
        await store.keep_notice(a, '{"text": "two"}', "L-2026-0001")
        assert await store.pending_addresses() == {a, b}
        kept = await store.pending_notices(a)
        assert [text for _, text in kept] == ['{"text": "one"}', '{"text": "two"}']
        await store.drop_notices([kept[0][0]])
        await store.drop_notices([])
        assert [text for _, text in await store.pending_notices(a)] == ['{"text": "two"}']
        assert len(await store.pending_notices(b)) == 1
    run_on(scenario)


def test_a_store_opened_again_keeps_what_was_committed(tmp_path: Path, pg_server: Server) -> None:
    """Migrations run once: opening again (a restart, or a second worker) applies none and loses nothing."""
    url = pg_server.require()

    async def main() -> None:
        from bot.storage.postgres.store import PostgresStore
        db = await fresh_database(url)
        first = await PostgresStore.open(db)
        await first.save_conversation(KEY, Conversation(lang="en"))
        # two more workers starting at once on the same database
        second, third = await asyncio.gather(PostgresStore.open(db), PostgresStore.open(db))
        assert await second.migrate() == [] and await third.migrate() == []
        assert (await third.load_conversation(KEY)).lang == "en"
        for store in (first, second, third):
            await store.close()
    asyncio.run(main())


def test_an_unreachable_server_fails_within_seconds_naming_it_without_the_password() -> None:
    import time

    from bot.storage.postgres.store import PostgresError, PostgresStore
    pytest.importorskip("asyncpg")
    started = time.monotonic()
    with pytest.raises(PostgresError) as caught:
        asyncio.run(PostgresStore.open("postgresql://bot@127.0.0.1:1/madoguchi", password="s3cret"))
    assert time.monotonic() - started < 12
    assert "127.0.0.1:1" in str(caught.value) and "s3cret" not in str(caught.value)


def test_workers_opening_a_new_database_at_once_migrate_it_once(pg_server: Server) -> None:
    from bot.storage.postgres.migrations import MIGRATIONS
    from bot.storage.postgres.store import PostgresStore

    async def main() -> None:
        db = await fresh_database(pg_server.require())
        stores = await asyncio.gather(*(PostgresStore.open(db) for _ in range(4)))
        try:
            assert [await store.migrate() for store in stores] == [[]] * 4
            rows = await stores[0].fetch("SELECT version FROM schema_migrations ORDER BY version")
            assert [row[0] for row in rows] == [v for v, _ in MIGRATIONS]
        finally:
            for store in stores:
                await store.close()
    asyncio.run(main())
