"""Building python-telegram-bot's Application for our settings, and the command menu."""

from __future__ import annotations

import logging
from collections.abc import Callable

from telegram import BotCommand, BotCommandScopeChat
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder

from bot.channels.telegram.http import JsonRequest
from bot.channels.telegram.settings import TelegramSettings
from bot.core.context import Menu

log = logging.getLogger(__name__)

MAX_CONCURRENT_UPDATES = 256  # one user's updates are still handled in order (bot/core/inbox.py)
MENU_LANGUAGES = {"en": None, "ja": "ja", "ko": "ko"}  # English is the menu for every other language

MenuSource = Callable[[Menu, str], list[tuple[str, str]]]


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


def build_application(settings: TelegramSettings, token: str) -> Application:
    builder = (
        ApplicationBuilder()
        .token(token)
        .concurrent_updates(MAX_CONCURRENT_UPDATES)
        .request(JsonRequest(connection_pool_size=settings.connection_pool_size, pool_timeout=settings.pool_timeout))
    )
    api, files = api_urls(settings.base_url, settings.base_file_url)
    if api:
        builder = builder.base_url(api)
    if files:
        builder = builder.base_file_url(files)
    if settings.mode == "webhook":
        builder = builder.updater(None)  # our own route feeds update_queue (webhook.py)
    return builder.build()


async def set_commands(
    app: Application,
    menu: MenuSource,
    staff_chat: int | None,
    staff_language: str,
) -> None:
    """The command menu, per language; optional, so a failure is only a warning."""
    try:
        for lang, code in MENU_LANGUAGES.items():
            await app.bot.set_my_commands([BotCommand(c, d) for c, d in menu("requester", lang)], language_code=code)
        staff = menu("staff", staff_language)
        if staff_chat is not None and staff:
            await app.bot.set_my_commands([BotCommand(c, d) for c, d in staff], scope=BotCommandScopeChat(staff_chat))
    except TelegramError as exc:
        log.warning("could not set the command menu (%s); the bot keeps running without it", exc)
