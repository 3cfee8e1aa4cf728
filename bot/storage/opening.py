"""Opening the database that [storage] url names: SQLite (the default) or PostgreSQL.

The one place that knows both backends; everything else gets a Database and uses its contracts.
asyncpg is imported only when the URL is PostgreSQL, so the default installation needs nothing
beyond aiosqlite.
"""

from __future__ import annotations

from bot.config import Config
from bot.storage.contracts import Database
from bot.storage.errors import StorageUnavailable
from bot.storage.store import Store

POSTGRES_POOL_SIZE = 10  # connections per worker process; a message holds one only per statement


async def open_database(config: Config) -> Database:
    url = config.storage
    if url is None or url.backend == "sqlite":  # config.database: the file, also in configs made by hand
        return await Store.open(config.database, config.lock_wait_seconds)
    try:
        from bot.storage.postgres.store import PostgresStore
    except ImportError as exc:
        raise StorageUnavailable(
            f"[storage] url is a PostgreSQL database ({url.describe()}), but its driver is missing ({exc}). "
            "Fix: install the PostgreSQL extra, .venv/bin/pip install '.[postgres]' (it adds asyncpg)."
        ) from exc
    return await PostgresStore.open(url.dsn, url.password, max_size=POSTGRES_POOL_SIZE)
