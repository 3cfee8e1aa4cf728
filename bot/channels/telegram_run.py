"""`madoguchi run`: build the python-telegram-bot Application around the core and run it.

The token comes only from the environment (TELEGRAM_BOT_TOKEN); the webhook secret from the
variable named in [telegram] secret_token_env. Polling or webhook, the updates take the same
path: Application.update_queue -> PerUserProcessor (rate limit, per-user order) -> adapter.
"""
from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
from dataclasses import dataclass
from typing import Mapping

from telegram import BotCommand, BotCommandScopeChat, Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application, ApplicationBuilder, TypeHandler

from bot.app import open_app
from bot.channels.telegram import TelegramAdapter
from bot.channels.telegram_flow import PerUserProcessor, RateLimiter
from bot.channels.telegram_http import JsonRequest
from bot.channels.telegram_payloads import PayloadTable
from bot.config import LANGUAGES, Config
from bot.core import Core

log = logging.getLogger(__name__)

TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
MAX_CONCURRENT_UPDATES = 256
POLL_TIMEOUT = 30  # seconds a getUpdates long poll may wait for news
REQUESTER_COMMANDS = ("start", "help", "lang", "lecture", "omatsuri", "dorandoran", "ask", "status",
                      "mydata", "forget", "cancel")
STAFF_COMMANDS = ("queue", "show", "claim", "reply", "note", "close", "reopen", "export")
SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram accepts as secret_token


class StartError(Exception):
    """The bot cannot start; the message says what to set. Exit status 2."""


@dataclass(frozen=True)
class Secrets:
    token: str
    webhook_secret: str = ""


def read_token(env: Mapping[str, str] = os.environ) -> str:
    token = env.get(TOKEN_ENV, "").strip()
    if not token:
        raise StartError(f"no bot token: set the environment variable {TOKEN_ENV} to the token from "
                         "@BotFather. (`make shell` chats in the terminal and works without one.)")
    return token


def read_secrets(config: Config, env: Mapping[str, str] = os.environ) -> Secrets:
    token = read_token(env)
    if config.telegram.mode != "webhook":
        return Secrets(token)
    name = config.telegram.secret_token_env
    secret = env.get(name, "").strip()
    if not SECRET_PATTERN.fullmatch(secret):
        raise StartError(f"webhook mode needs a secret token: set the environment variable {name} "
                         "(named by [telegram] secret_token_env) to 1-256 characters of A-Z a-z 0-9 _ -, "
                         "e.g. the output of `openssl rand -hex 32`.")
    return Secrets(token, secret)


def api_urls(base_url: str, base_file_url: str) -> tuple[str, str]:
    """A server root such as http://127.0.0.1:8081 to the prefixes PTB appends the token to."""
    if not base_url:
        return "", base_file_url
    root = base_url.rstrip("/")
    api = root if root.endswith("/bot") or "{token}" in root else root + "/bot"
    if base_file_url:
        files = base_file_url.rstrip("/")
        files = files if files.endswith("/file/bot") or "{token}" in files else files + "/file/bot"
    else:
        files = api.removesuffix("/bot") + "/file/bot"
    return api, files


def build_application(core: Core, token: str) -> tuple[Application, TelegramAdapter]:
    tg = core.deps.config.telegram
    adapter = TelegramAdapter(core, PayloadTable(core.deps.store))
    holder: dict[str, Application] = {}

    async def on_limited(update: Update) -> None:
        await adapter.on_limited(update, holder["app"].bot)

    processor = PerUserProcessor(MAX_CONCURRENT_UPDATES, RateLimiter(tg.rate_limit_per_minute), on_limited)
    builder = (ApplicationBuilder().token(token).concurrent_updates(processor)
               .request(JsonRequest(connection_pool_size=tg.connection_pool_size, pool_timeout=tg.pool_timeout)))
    api, files = api_urls(tg.base_url, tg.base_file_url)
    if api:
        builder = builder.base_url(api)
    if files:
        builder = builder.base_file_url(files)
    if tg.mode == "webhook":
        builder = builder.updater(None)  # our own receiver feeds update_queue (telegram_webhook.py)
    app = builder.build()
    holder["app"] = app
    app.add_handler(TypeHandler(Update, adapter.on_update))
    app.add_error_handler(adapter.on_error)
    return app, adapter


async def set_commands(app: Application, core: Core) -> None:
    """The command menu, per language; optional, so a failure is only a warning."""
    renderer, known = core.deps.renderer, set(core.commands)
    requester = [c for c in REQUESTER_COMMANDS if c in known]
    staff = [c for c in STAFF_COMMANDS if c in known]
    try:
        for lang in LANGUAGES:
            await app.bot.set_my_commands([BotCommand(c, renderer.label(lang, f"tg_cmd_{c}")) for c in requester],
                                          language_code=None if lang == "en" else lang)
        staff_chat = core.deps.config.telegram.staff_chat_id
        if staff_chat is not None and staff:
            await app.bot.set_my_commands([BotCommand(c, renderer.label("en", f"tg_cmd_{c}")) for c in staff],
                                          scope=BotCommandScopeChat(staff_chat))
    except TelegramError as exc:
        log.warning("could not set the command menu (%s); the bot keeps running without it", exc)


async def serve(core: Core, secrets: Secrets, stop: asyncio.Event, started: asyncio.Event | None = None) -> None:
    """Run until `stop` is set; returns after in-flight updates are handled."""
    config = core.deps.config
    tg = config.telegram
    app, adapter = build_application(core, secrets.token)
    try:
        await app.initialize()  # getMe: checks the token
    except InvalidToken as exc:
        raise StartError(f"Telegram refused the token in {TOKEN_ENV} ({exc}). Fix: copy it again from @BotFather.")
    try:
        adapter.bot_id, adapter.bot_username = app.bot.id, app.bot.username or ""
        await set_commands(app, core)
        await app.start()
        runner = None
        if tg.mode == "webhook":
            from bot.channels.telegram_webhook import start_webhook_server, webhook_path

            runner = await start_webhook_server(app, tg.listen, tg.port, webhook_path(tg.webhook_url),
                                                secrets.webhook_secret)
            await app.bot.set_webhook(tg.webhook_url, secret_token=secrets.webhook_secret,
                                      allowed_updates=Update.ALL_TYPES)
        else:
            await app.updater.start_polling(timeout=POLL_TIMEOUT, allowed_updates=Update.ALL_TYPES)
        log.info("@%s is running (%s)", adapter.bot_username, tg.mode)
        if started is not None:
            started.set()
        await stop.wait()
        log.info("stopping")
        if runner is not None:
            await runner.cleanup()
        elif app.updater.running:
            await app.updater.stop()
        await app.stop()  # waits for the updates already taken in
    finally:
        await app.shutdown()


def run_bot(config: Config, secrets: Secrets) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per API call is noise

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        async with open_app(config) as core:  # closes the store however we leave
            await serve(core, secrets, stop)

    asyncio.run(main())
    return 0
