"""Running the real bot with LINE (and, for cross-channel tests, Telegram) against the fake servers.

`async with Both(tmp_path) as world:` starts tests/fake_line.py, optionally tests/fake_telegram.py,
and `madoguchi run`'s Service with both channels on one web server; `world.say(...)` posts a signed
text event to the bot's LINE webhook and returns what LINE answered.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from bot.config import Config
from fake_line import ACCESS_TOKEN, CHANNEL_SECRET, FakeLine, group_id, user_id
from fake_telegram import FakeTelegram
from telegram_harness import ENV, RunningBot, channel_of, make_config

LINE_ENV = {"LINE_CHANNEL_SECRET": CHANNEL_SECRET, "LINE_CHANNEL_ACCESS_TOKEN": ACCESS_TOKEN}
LINE_STAFF = user_id(9001)
LINE_STAFF_GROUP = group_id(77)


def both_config(tmp_path: Path, line_url: str, telegram_url: str | None, **changes: Any) -> Config:
    """config.toml with LINE pointed at the fake, Telegram too when given a URL (else off)."""
    base = make_config(tmp_path, telegram_url or "", **changes)
    line = dataclasses.replace(base.line, enabled=True, api_base_url=line_url, data_api_base_url="",
                               staff_group_id=LINE_STAFF_GROUP, loading_after_seconds=60.0)
    telegram = dataclasses.replace(base.telegram, enabled=telegram_url is not None)
    return dataclasses.replace(base, line=line, telegram=telegram, staff_ids=base.staff_ids | {f"line:{LINE_STAFF}"})


class Both:
    def __init__(self, tmp_path: Path, telegram: bool = False, line_loading: float = 60.0, server_url: str = "",
                 **changes: Any) -> None:
        self.tmp_path = tmp_path
        self.line_loading = line_loading
        self.server_url = server_url
        self.line = FakeLine()
        self.telegram = FakeTelegram() if telegram else None
        self.changes = changes

    async def __aenter__(self) -> Both:
        line_url = await self.line.start()
        telegram_url = await self.telegram.start() if self.telegram else None
        self.config = both_config(self.tmp_path, line_url, telegram_url, **self.changes)
        self.config = dataclasses.replace(
            self.config, line=dataclasses.replace(self.config.line, loading_after_seconds=self.line_loading),
            server=dataclasses.replace(self.config.server, public_url=self.server_url))
        env = {**LINE_ENV, **(ENV if self.telegram else {})}
        self.bot = RunningBot(self.config, env)
        try:
            await self.bot.__aenter__()
        except BaseException:
            await self._stop_fakes()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        try:
            await self.bot.__aexit__(*exc)
        finally:
            await self._stop_fakes()

    async def _stop_fakes(self) -> None:
        await self.line.stop()
        if self.telegram:
            await self.telegram.stop()

    @property
    def webhook(self) -> str:
        return f"http://127.0.0.1:{self.bot.port}{self.config.line.webhook_path}"

    @property
    def channel(self) -> Any:
        return channel_of(self.bot, "line")

    async def post(self, *events: dict[str, Any], **kwargs: Any) -> tuple[int, str]:
        status, text = await self.line.post_events(self.webhook, list(events), **kwargs)
        return status, text

    async def say(self, user: str, text: str, **kwargs: Any) -> dict[str, Any]:
        event = self.line.text_event(user, text, **kwargs)
        status, _ = await self.post(event)
        assert status == 200
        return event

    async def press(self, user: str, action: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        event = self.line.postback_event(user, action["data"], **kwargs)
        status, _ = await self.post(event)
        assert status == 200
        return event

    def label(self, lang: str, key: str, **values: Any) -> str:
        return self.bot.core.deps.renderer.label(lang, key, **values)
