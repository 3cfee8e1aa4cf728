"""Conversation saves that arrive together share one commit: how both stores queue them.

Each commit waits for the disk: with a hundred people writing at once, one transaction per save
queued them behind a hundred commits (bench/line_throughput.py, bench/storage_backends.py). Here
the saves gathered while one commit runs go out in the next; batches commit one after another,
so a save queued after another for the same conversation lands after it (bot/core/routing.py
relies on that), and each caller hears back only once its own save is durable, or why not.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from bot.messages import ConversationKey

Saves = dict[ConversationKey, str]  # conversation -> its state as JSON
# takes the batch (call it once the store is ready to write, so later saves still join) and
# commits it; raises if it could not
Commit = Callable[[Callable[[], Saves]], Awaitable[None]]


class SaveBatcher:
    def __init__(self, commit: Commit) -> None:
        self._commit = commit
        self._saves: Saves = {}
        self._waiting: list[asyncio.Future[None]] = []
        self._flusher: asyncio.Task[None] | None = None
        # each conversation's last save still in flight (PostgresStore holds its lock until it lands)
        self._last: dict[ConversationKey, asyncio.Future[None]] = {}

    def queue(self, key: ConversationKey, state: str) -> asyncio.Future[None]:
        """The save, queued now; done once committed."""
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        self._saves[key] = state  # the same conversation twice in one batch: the later wins
        self._waiting.append(done)
        self._last[key] = done
        if self._flusher is None:
            self._flusher = loop.create_task(self._flush())
        return done

    def last(self, key: ConversationKey) -> asyncio.Future[None] | None:
        """The future of this conversation's last save not yet committed, if any."""
        return self._last.get(key)

    async def idle(self) -> None:
        """Returns once every save queued so far has been committed or has failed."""
        if self._flusher is not None:
            await asyncio.gather(self._flusher, return_exceptions=True)

    async def _flush(self) -> None:
        try:
            while self._saves:
                waiters: list[asyncio.Future[None]] = []
                taken: Saves = {}

                def take() -> Saves:
                    nonlocal waiters, taken
                    taken, waiters = self._saves, self._waiting
                    self._saves, self._waiting = {}, []
                    return taken

                try:
                    await self._commit(take)
                except BaseException as exc:  # noqa: BLE001 - every waiting caller hears of it
                    if not waiters:  # failed before taking the batch (a lock never came): it fails too
                        take()
                    self._settle(taken, waiters, exc)
                    if not isinstance(exc, Exception):
                        raise
                    continue
                self._settle(taken, waiters, None)
        finally:
            self._flusher = None

    def _settle(self, saves: Saves, waiters: list[asyncio.Future[None]], exc: BaseException | None) -> None:
        for waiter in waiters:
            if not waiter.done():
                if exc is None:
                    waiter.set_result(None)
                else:
                    waiter.set_exception(exc)
        for key in saves:
            last = self._last.get(key)
            if last is not None and last.done():
                del self._last[key]
