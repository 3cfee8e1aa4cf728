"""Admission and ordering of Telegram updates: one user's updates in order, users in parallel.

python-telegram-bot runs updates concurrently through an update processor; ours takes a lock per
user, so a user's second message is handled after the first (form answers arrive in order), while
other users' messages do not wait. A sliding-window rate limit is checked before the lock: a
flooding user's extra updates are dropped without touching the database, and they are told once.
"""
from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any, Awaitable, Callable

from telegram import Update
from telegram.ext import BaseUpdateProcessor

WINDOW_SECONDS = 60.0


class RateLimiter:
    """At most `per_minute` updates per user in any 60-second window."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self.seen: dict[str, deque[float]] = {}
        self.warned: set[str] = set()

    def allow(self, user: str) -> bool:
        now = self.clock()
        times = self.seen.setdefault(user, deque())
        while times and now - times[0] >= WINDOW_SECONDS:
            times.popleft()
        if len(times) < self.per_minute:
            times.append(now)
            self.warned.discard(user)
            return True
        return False

    def first_refusal(self, user: str) -> bool:
        """True once per flood, so the user hears "please slow down" a single time."""
        if user in self.warned:
            return False
        self.warned.add(user)
        return True

    def forget_idle(self) -> None:
        now = self.clock()
        for user in [u for u, t in self.seen.items() if not t or now - t[-1] >= WINDOW_SECONDS]:
            del self.seen[user]
            self.warned.discard(user)


class UserLocks:
    """An asyncio.Lock per user, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self.locks: dict[str, list[Any]] = {}  # user -> [lock, holders and waiters]

    async def run(self, user: str, work: Awaitable[Any]) -> Any:
        entry = self.locks.setdefault(user, [asyncio.Lock(), 0])
        entry[1] += 1
        try:
            async with entry[0]:
                return await work
        finally:
            entry[1] -= 1
            if entry[1] == 0:
                del self.locks[user]


def user_of(update: object) -> str | None:
    if isinstance(update, Update):
        if update.effective_user:
            return str(update.effective_user.id)
        if update.effective_chat:
            return str(update.effective_chat.id)
    return None


class PerUserProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent: int, limiter: RateLimiter,
                 on_limited: Callable[[Update], Awaitable[None]]) -> None:
        super().__init__(max_concurrent)
        self.limiter = limiter
        self.on_limited = on_limited
        self.locks = UserLocks()
        self.admitted = 0

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        user = user_of(update)
        if user is None:
            await coroutine
            return
        if not self.limiter.allow(user):
            coroutine.close()  # type: ignore[attr-defined]  # never started: the update is dropped
            if self.limiter.first_refusal(user):
                await self.locks.run(user, self.on_limited(update))  # type: ignore[arg-type]
            return
        self.admitted += 1
        if self.admitted % 1000 == 0:
            self.limiter.forget_idle()
        await self.locks.run(user, coroutine)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
