"""[telegram] in config.toml. Imports nothing of python-telegram-bot, so config loading stays light."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.settings import SettingsReader, StartError

TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what Telegram accepts as secret_token


@dataclass(frozen=True)
class TelegramSettings:
    enabled: bool
    mode: str
    webhook_url: str
    secret_token_env: str
    staff_chat_id: int | None
    base_url: str
    base_file_url: str
    connection_pool_size: int
    pool_timeout: float


@dataclass(frozen=True)
class TelegramSecrets:
    token: str
    webhook_secret: str = ""


def read_telegram(r: SettingsReader) -> TelegramSettings:
    enabled = r.get("telegram.enabled", bool, "true to serve Telegram in `madoguchi run`, false to leave it off")
    mode = r.get("telegram.mode", str, 'set [telegram] mode = "polling" or "webhook"')
    if mode not in ("polling", "webhook"):
        raise r.fail("telegram.mode", f"is '{mode}'", 'use "polling" or "webhook"')
    staff_chat = r.optional(
        "telegram.staff_chat_id", int, 0, "the group's numeric chat id (negative for groups), or 0 for none"
    )
    settings = TelegramSettings(
        enabled=enabled,
        mode=mode,
        webhook_url=r.get("telegram.webhook_url", str, 'the public https URL, or "" for polling'),
        secret_token_env=r.get(
            "telegram.secret_token_env", str, "the name of the environment variable holding the webhook secret"
        ),
        staff_chat_id=staff_chat or None,
        base_url=r.get("telegram.base_url", str, '"" for Telegram, or your Bot API server URL'),
        base_file_url=r.get("telegram.base_file_url", str, '"" for Telegram, or your file URL'),
        connection_pool_size=r.number("telegram.connection_pool_size", 1, 256, "connections for sending, e.g. 8", int),
        pool_timeout=r.number("telegram.pool_timeout", 1, 600, "seconds a send may wait, e.g. 30"),
    )
    if enabled and mode == "webhook" and not settings.webhook_url.startswith("https://"):
        raise r.fail(
            "telegram.webhook_url",
            "must be an https:// URL in webhook mode",
            'set the public URL Telegram should call, or use mode = "polling"',
        )
    return settings


def read_telegram_secrets(settings: TelegramSettings, env: Mapping[str, str]) -> TelegramSecrets:
    token = env.get(TOKEN_ENV, "").strip()
    if not token:
        raise StartError(
            f"no Telegram bot token: set the environment variable {TOKEN_ENV} to the token from "
            "@BotFather, or set [telegram] enabled = false. (`make shell` chats in the terminal and "
            "works without one.)"
        )
    if settings.mode != "webhook":
        return TelegramSecrets(token)
    name = settings.secret_token_env
    secret = env.get(name, "").strip()
    if not SECRET_PATTERN.fullmatch(secret):
        raise StartError(
            f"webhook mode needs a secret token: set the environment variable {name} "
            "(named by [telegram] secret_token_env) to 1-256 characters of A-Z a-z 0-9 _ -, "
            "e.g. the output of `openssl rand -hex 32`."
        )
    return TelegramSecrets(token, secret)
