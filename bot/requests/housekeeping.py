"""The daily chores of `madoguchi run`: the retention purge (requests and the unanswered log), and
photos no request or form holds.

A photo is saved while someone fills a form; when the form is abandoned it expires, but the file
would stay on disk for ever. So once a day the files that no request and no conversation names,
older than a form may live, are deleted. The purge is also `madoguchi requests purge`, for cron.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.requests.queue import RequestQueue
from bot.storage.sql import SqlDatabase
from bot.unanswered.log import UnansweredLog

log = logging.getLogger(__name__)

DAY_SECONDS = 86400.0


@dataclass(frozen=True)
class Swept:
    purged: int  # requests whose personal fields were erased
    photos: int  # photo files deleted
    unanswered: int = 0  # entries of the unanswered log older than the retention period, deleted


async def sweep_photos(store: SqlDatabase, folder: Path, older_than_seconds: float, now: float) -> int:
    """Delete the photos older than this that no request's answers and no conversation name."""
    if not folder.is_dir():
        return 0
    # file names are ASCII-safe (attachments.owner_of), so a substring of the stored JSON finds them
    candidates = [p for p in folder.iterdir() if p.is_file() and p.stat().st_mtime < now - older_than_seconds]
    if not candidates:
        return 0
    held = [
        row[0]
        for sql in (
            "SELECT answers FROM requests WHERE answers LIKE '%saved_path%'",
            "SELECT state FROM conversations WHERE state LIKE '%saved_path%'",
        )
        for row in await store.lookup(sql, ())
    ]
    deleted = 0
    for path in candidates:
        if path.name.endswith(".part") or not any(path.name in text for text in held):
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted


class Housekeeping:
    """`async with Housekeeping(...)`: the chores once at start, then every `every_seconds`."""

    def __init__(
        self,
        queue: RequestQueue,
        store: SqlDatabase,
        retention_days: int,
        photo_age_seconds: float,
        every_seconds: float = DAY_SECONDS,
        clock: Callable[[], float] = time.time,
        unanswered: UnansweredLog | None = None,
    ) -> None:
        self.queue = queue
        self.unanswered = unanswered
        self.store = store
        self.retention_days = retention_days
        self.photo_age_seconds = photo_age_seconds
        self.every_seconds = every_seconds
        self.clock = clock
        self.task: asyncio.Task[None] | None = None
        self.done = asyncio.Event()  # set after each round: tests wait for the first

    async def run_once(self) -> Swept:
        purged = entries = 0
        # several workers on one database: one of them purges, the others skip this round
        async with self.store.exclusively("purge") as mine:
            if mine:
                purged = await self.queue.purge(self.retention_days)
                if self.unanswered is not None:  # what people typed, kept no longer than their requests
                    entries = await self.unanswered.purge(self.clock() - self.retention_days * DAY_SECONDS)
        photos = 0
        if self.queue.attachments is not None:
            photos = await sweep_photos(self.store, self.queue.attachments, self.photo_age_seconds, self.clock())
        if purged or photos or entries:
            log.info(
                "housekeeping: %d request(s) purged, %d photo(s) deleted, %d unanswered question(s) deleted",
                purged,
                photos,
                entries,
            )
        return Swept(purged, photos, entries)

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:  # noqa: BLE001 - a failed round (disk, lock) is retried next round
                log.exception("housekeeping failed; it runs again in %.0f s", self.every_seconds)
            self.done.set()
            await asyncio.sleep(self.every_seconds)

    async def __aenter__(self) -> Housekeeping:
        self.task = asyncio.create_task(self._loop(), name="housekeeping")
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.task is not None:
            self.task.cancel()
            try:
                await self.task
            except asyncio.CancelledError:
                pass
