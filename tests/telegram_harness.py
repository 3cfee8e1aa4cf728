"""Running the real bot (`madoguchi run`'s Service: core, web server, python-telegram-bot Application)
against tests/fake_telegram.py."""
from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any, Awaitable, Callable, Mapping

from bot.channels.telegram.channel import TelegramChannel
from bot.config import Config, load_config
from bot.core.routing import Core
from bot.runner import Service
from fake_telegram import TOKEN, FakeTelegram
from shared import answering_for

REPO = Path(__file__).resolve().parents[1]
STAFF_USER = 5001
STAFF_CHAT = -100777
ENV = {"TELEGRAM_BOT_TOKEN": TOKEN}


TOP_LEVEL = {f.name for f in dataclasses.fields(Config)}


def make_config(tmp_path: Path, base_url: str, **changes: Any) -> Config:
    """The shipped config.toml, with the database in tmp_path, Telegram pointed at the fake, LINE off.

    changes: [telegram] keys, or Config fields (rate_limit_per_minute, max_photo_bytes, …)."""
    base = load_config(REPO / "config.toml")
    telegram = {k: v for k, v in changes.items() if k not in TOP_LEVEL}
    top = {k: v for k, v in changes.items() if k in TOP_LEVEL}
    tg = dataclasses.replace(base.telegram, base_url=base_url, base_file_url="", staff_chat_id=STAFF_CHAT,
                             **telegram)
    return dataclasses.replace(base, database=tmp_path / "madoguchi.sqlite3",
                               attachments_dir=tmp_path / "attachments",
                               staff_ids=base.staff_ids | {f"telegram:{STAFF_USER}"}, telegram=tg,
                               line=dataclasses.replace(base.line, enabled=False),
                               server=dataclasses.replace(base.server, port=0), **top)


class RunningBot:
    """`async with RunningBot(config) as bot:` runs `madoguchi run`'s Service until the block ends."""

    def __init__(self, config: Config, env: Mapping[str, str] = ENV) -> None:
        self.service = Service(config, env, answering_for(config))

    async def __aenter__(self) -> "RunningBot":
        await asyncio.wait_for(self.service.__aenter__(), 30)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.wait_for(self.service.__aexit__(*exc), 30)

    @property
    def core(self) -> Core:
        return self.service.app.core

    @property
    def telegram(self) -> TelegramChannel:
        [channel] = [c for c in self.service.channels if isinstance(c, TelegramChannel)]
        return channel

    @property
    def port(self) -> int:
        return self.service.server.port


Body = Callable[[FakeTelegram, "RunningBot"], Awaitable[None]]


def check_wire_rules(fake: FakeTelegram) -> None:
    """What holds for every message in every test: plain text, callback_data within 64 bytes."""
    for sent in fake.sent:
        assert "parse_mode" not in sent.params, sent.params
        assert len(sent.text) <= 4096
        for button in sent.buttons:
            assert len(button["callback_data"].encode("utf-8")) <= 64, button


async def with_bot(tmp_path: Path, body: Body, **telegram: Any) -> FakeTelegram:
    """The fake server and the bot (config.toml, [telegram] keys overridden) around `body`."""
    fake = FakeTelegram()
    url = await fake.start()
    try:
        async with RunningBot(make_config(tmp_path, url, **telegram)) as bot:
            await body(fake, bot)
    finally:
        await fake.stop()
    check_wire_rules(fake)
    return fake


def run_bot(tmp_path: Path, body: Body, **telegram: Any) -> FakeTelegram:
    return asyncio.run(with_bot(tmp_path, body, **telegram))


def channel_of(bot: RunningBot, name: str) -> Any:
    [channel] = [c for c in bot.service.channels if c.name == name]
    return channel
