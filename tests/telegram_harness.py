"""Running the real bot (core + python-telegram-bot Application) against tests/fake_telegram.py."""
from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any, Awaitable, Callable

from bot.app import open_app
from bot.channels.telegram_run import Secrets, serve
from bot.config import Config, load_config
from bot.core import Core
from fake_telegram import TOKEN, FakeTelegram

REPO = Path(__file__).resolve().parents[1]
STAFF_USER = 5001
STAFF_CHAT = -100777


def make_config(tmp_path: Path, base_url: str, **telegram: Any) -> Config:
    """The shipped config.toml, with the database in tmp_path and Telegram pointed at the fake."""
    base = load_config(REPO / "config.toml")
    tg = dataclasses.replace(base.telegram, base_url=base_url, base_file_url="", staff_chat_id=STAFF_CHAT,
                             **telegram)
    return dataclasses.replace(base, database=tmp_path / "madoguchi.sqlite3",
                               attachments_dir=tmp_path / "attachments",
                               staff_ids=base.staff_ids | {f"telegram:{STAFF_USER}"}, telegram=tg)


class RunningBot:
    """`async with RunningBot(config) as bot:` runs `madoguchi run`'s serve() until the block ends."""

    def __init__(self, config: Config, secrets: Secrets = Secrets(TOKEN)) -> None:
        self.config = config
        self.secrets = secrets
        self.stop = asyncio.Event()
        self.started = asyncio.Event()
        self.core: Core | None = None
        self.task: asyncio.Task | None = None

    async def _run(self) -> None:
        async with open_app(self.config) as core:
            self.core = core
            await serve(core, self.secrets, self.stop, self.started)

    async def __aenter__(self) -> "RunningBot":
        self.task = asyncio.create_task(self._run())
        started = asyncio.create_task(self.started.wait())
        await asyncio.wait({self.task, started}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
        if self.task.done():
            started.cancel()
            self.task.result()  # raises what stopped it
        assert self.started.is_set(), "the bot did not start"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 30)


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
