"""Admission and ordering of incoming messages, for every channel alike.

One lock per user, so a user's second message is handled after the first (form answers arrive in
order) while other users' messages do not wait. A sliding-window rate limit is checked before the
lock: a flooding user's extra messages are dropped without touching the database, and they are
told once.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TypeVar

WINDOW_SECONDS = 60.0
T = TypeVar("T")


class RateLimiter:
    """At most `per_minute` messages per user in any 60-second window."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self.seen: dict[str, deque[float]] = {}
        self.warned: set[str] = set()
        self.admitted = 0

    def allow(self, user: str) -> bool:
        now = self.clock()
        times = self.seen.setdefault(user, deque())
        while times and now - times[0] >= WINDOW_SECONDS:
            times.popleft()
        if len(times) < self.per_minute:
            times.append(now)
            self.warned.discard(user)
            self.admitted += 1
            if self.admitted % 1000 == 0:
                self.forget_idle()
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
    """One turn at a time per user, handed on in arrival order; nothing kept for idle users.

    A user with no message in progress takes the turn at once, without creating a lock: that is
    almost every message, and this runs for each one.
    """

    def __init__(self) -> None:
        self.busy: dict[str, deque[asyncio.Future[None]]] = {}  # user -> messages waiting for the turn

    async def run(self, user: str, work: Callable[[], Awaitable[T]]) -> T:
        waiting = self.busy.get(user)
        if waiting is None:
            self.busy[user] = deque()
        else:
            turn = asyncio.get_running_loop().create_future()
            waiting.append(turn)
            try:
                await turn
            except asyncio.CancelledError:
                if turn.done() and not turn.cancelled():
                    self._pass_on(user)  # handed the turn just as we were cancelled: give it on
                raise
        try:
            return await work()
        finally:
            self._pass_on(user)

    def _pass_on(self, user: str) -> None:
        waiting = self.busy[user]
        while waiting:
            turn = waiting.popleft()
            if not turn.done():  # a cancelled waiter has left the queue
                turn.set_result(None)
                return
        del self.busy[user]
