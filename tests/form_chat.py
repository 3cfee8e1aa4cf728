"""Helpers for the form tests: a console user talking to the real core, and a settable clock."""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from bot.core.routing import Core
from bot.messages import Incoming, Photo, Reply
from zoneinfo import ZoneInfo

REF = re.compile(r"\b[A-Z]{1,3}-\d{4}-\d{4}\b")


SEOUL = ZoneInfo("Asia/Seoul")  # config.toml's [time] zone


class Clock:
    """Wall time the test moves by hand (starts at noon in Seoul on the given day)."""

    def __init__(self, year: int = 2026, month: int = 6, day: int = 1, hour: int = 12, minute: int = 0) -> None:
        self.now = datetime(year, month, day, hour, minute, tzinfo=SEOUL).timestamp()

    def __call__(self) -> float:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += minutes * 60

    def today(self) -> date:
        """The office's calendar day at this moment."""
        return datetime.fromtimestamp(self.now, SEOUL).date()


class Chat:
    """One console user. Every call goes through Core.handle, exactly as the shell does."""

    def __init__(self, core: Core, user: str = "7", channel: str = "console") -> None:
        self.core, self.user, self.channel = core, user, channel
        self.replies: list[Reply] = []

    async def _send(self, msg: Incoming) -> list[Reply]:
        self.replies = await self.core.handle(msg)
        return self.replies

    async def say(self, text: str) -> list[Reply]:
        return await self._send(Incoming(self.channel, self.user, self.user, text=text))

    async def press(self, payload: str) -> list[Reply]:
        return await self._send(Incoming(self.channel, self.user, self.user, payload=payload))

    async def photo(self, file_id: str) -> list[Reply]:
        return await self._send(Incoming(self.channel, self.user, self.user, photo=Photo(file_id, size=1000)))

    @property
    def mine(self) -> list[Reply]:
        return [r for r in self.replies if (r.to.channel, r.to.chat_id) == (self.channel, self.user)]

    @property
    def text(self) -> str:
        """Everything said to this user by the last message."""
        return "\n".join(r.text for r in self.mine)

    @property
    def last(self) -> Reply:
        return self.mine[-1]

    def payloads(self) -> list[str]:
        return [b.payload for r in self.mine for b in r.buttons]

    def to_staff(self) -> list[Reply]:
        return [r for r in self.replies if (r.to.channel, r.to.chat_id) == ("staff", "queue")]

    async def state(self) -> dict[str, Any]:
        await self.core.drain()  # hints are saved beside the answer
        return (await self.core.deps.store.load_conversation(Incoming(self.channel, self.user, self.user).key)).as_dict()

    async def form(self) -> dict[str, Any] | None:
        return (await self.state()).get("form")

    def ref(self) -> str | None:
        m = REF.search(self.text)
        return m.group(0) if m else None
