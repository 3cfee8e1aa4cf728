"""`madoguchi run`: every channel enabled in config.toml, and the web server, in one process.

The explicit wiring of channels: Telegram when [telegram] enabled, LINE when [line] enabled, each
with its secrets from the environment (checked before anything else loads, so a missing token
fails at once with exit status 2). SIGTERM or Ctrl-C stops them cleanly: the web server stops
taking requests, each channel finishes what it took in, then the database is closed.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import Mapping
from contextlib import AsyncExitStack

from bot.app import Answering, App, open_app
from bot.channels.attachments import Attachments
from bot.channels.line.settings import LineSecrets, read_line_secrets
from bot.channels.telegram.settings import TelegramSecrets, read_telegram_secrets
from bot.config import Config
from bot.core.channel import Channel
from bot.requests.housekeeping import Housekeeping
from bot.server import WebServer
from bot.settings import StartError

log = logging.getLogger(__name__)


def check_secrets(config: Config, env: Mapping[str, str]) -> tuple[TelegramSecrets | None, LineSecrets | None]:
    if not config.telegram.enabled and not config.line.enabled and not config.web.enabled:
        raise StartError(
            f"no channel is enabled in {config.path}. Fix: set [telegram] enabled = true, "
            "[line] enabled = true or [web] enabled = true. (`make shell` chats in the terminal without any.)"
        )
    telegram = read_telegram_secrets(config.telegram, env) if config.telegram.enabled else None
    line = read_line_secrets(config.line, env) if config.line.enabled else None
    return telegram, line


def build_channels(app: App, telegram: TelegramSecrets | None, line: LineSecrets | None) -> list[Channel]:
    """The platform packages are imported only for the channels that are enabled."""
    config = app.config
    attachments = Attachments(config.attachments_dir, config.max_photo_bytes, config.photo_quota_bytes)
    channels: list[Channel] = []
    if telegram is not None:
        from bot.channels.telegram.channel import TelegramChannel

        channels.append(
            TelegramChannel(
                config.telegram, telegram, app.inbox, app.payloads, attachments, app.core.menu, config.staff_language
            )
        )
    if line is not None:
        from bot.channels.line.channel import LineChannel

        channels.append(LineChannel(config.line, line, app.inbox, app.payloads, attachments, config.server.public_url))
    if config.web.enabled:
        from bot.channels.web.build import build_console

        channels.append(build_console(app))
    return channels


class Service:
    """Everything `madoguchi run` runs: `async with Service(config, env) as service:` (tests use it too)."""

    def __init__(self, config: Config, env: Mapping[str, str], answering: Answering | None = None) -> None:
        self.secrets = check_secrets(config, env)
        self.config = config
        self.answering = answering
        self.stack = AsyncExitStack()
        self.running: list[Channel] = []

    async def __aenter__(self) -> Service:
        try:
            # closed in reverse: the web server first (no new webhook calls), then each channel
            # finishes what it took in, then the store closes
            self.app = await self.stack.enter_async_context(open_app(self.config, answering=self.answering))
            self.stack.push_async_callback(self._stop_channels)
            if self.app.store.shared and self.config.telegram.enabled and self.config.telegram.mode == "polling":
                # Telegram gives updates to one poller: a second one gets "Conflict" and nothing
                log.warning(
                    "telegram: polling on a shared database; only one process may poll. For several "
                    'workers set [telegram] mode = "webhook" (README, "Storage")'
                )
            self.channels = build_channels(self.app, *self.secrets)
            for channel in self.channels:
                self.app.outbox.register(channel)
            self.server = WebServer(
                self.config.server.listen,
                self.config.server.port,
                [route for channel in self.channels for route in channel.web_routes()],
                [channel.name for channel in self.channels],
            )
            await self.server.start()
            self.stack.push_async_callback(self.server.stop)
            for channel in self.channels:
                await channel.start()
                self.running.append(channel)
            # the retention purge and abandoned photos: at start, then once a day
            self.housekeeping = await self.stack.enter_async_context(
                Housekeeping(
                    self.app.requests,
                    self.app.store,
                    self.config.privacy.retention_days,
                    self.config.forms.expire_minutes * 60,
                    unanswered=self.app.unanswered,
                )
            )
        except BaseException:
            await self._close()
            raise
        # What start-up built (the knowledge base, the matcher's index, templates) lives as long as
        # the process: frozen out of the collector's sight, so that its full collections walk only
        # what was made since. Walking it all took 26-30 ms a time, and every user waited that
        # long, twice per 100,000-request export (bench/storage_backends.py).
        gc.freeze()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._close()

    async def _close(self) -> None:
        try:
            await self.stack.aclose()
        finally:
            gc.unfreeze()  # what this service built may be collected again once it has stopped

    async def _stop_channels(self) -> None:
        for channel in reversed(self.running):
            try:
                await channel.stop()
            except Exception:  # noqa: BLE001 - stop the others whatever one of them does
                log.exception("channel %s did not stop cleanly", channel.name)
        self.running.clear()


async def serve(config: Config, env: Mapping[str, str], stop: asyncio.Event) -> None:
    """Run until `stop` is set."""
    async with Service(config, env):
        await stop.wait()
        log.info("stopping")


def run(config: Config, env: Mapping[str, str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per API call is noise
    check_secrets(config, env)  # before the knowledge base loads: the commonest first mistake

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve(config, env, stop)

    asyncio.run(main())
    return 0
