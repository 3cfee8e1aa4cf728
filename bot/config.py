"""Settings from config.toml, checked at start-up so a wrong file fails loudly, naming the key.

Secrets never live in the file: bot tokens come from environment variables only.
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LANGUAGES = ("ja", "ko", "en")
CONFIG_ENV = "MADOGUCHI_CONFIG"
DEFAULT_CONFIG = "config.toml"


class ConfigError(Exception):
    """A setting is missing or wrong; the message says which key and how to fix it."""


@dataclass(frozen=True)
class MatchingConfig:
    answer_threshold: float
    suggest_threshold: float
    max_suggestions: int


@dataclass(frozen=True)
class FormsConfig:
    expire_minutes: int


@dataclass(frozen=True)
class PrivacyConfig:
    retention_days: int


@dataclass(frozen=True)
class TelegramConfig:
    mode: str
    webhook_url: str
    listen: str
    port: int
    secret_token_env: str
    staff_chat_id: int | None
    base_url: str
    base_file_url: str
    max_photo_bytes: int
    rate_limit_per_minute: int
    connection_pool_size: int
    pool_timeout: float


@dataclass(frozen=True)
class Config:
    path: Path
    database: Path
    knowledge_dir: Path
    attachments_dir: Path
    default_language: str
    matching: MatchingConfig
    popular_topics: tuple[str, ...]
    forms: FormsConfig
    privacy: PrivacyConfig
    staff_ids: frozenset[str]
    telegram: TelegramConfig
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    def is_staff(self, channel: str, user_id: str) -> bool:
        """Staff are listed as "channel:user", so a Telegram id never grants console rights."""
        return f"{channel}:{user_id}" in self.staff_ids


def resolve_config_path(cli_value: str | None) -> Path:
    """--config wins, then $MADOGUCHI_CONFIG, then ./config.toml."""
    return Path(cli_value or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)


class _Reader:
    """Reads typed values out of the parsed TOML, raising ConfigError that names the key."""

    def __init__(self, data: dict[str, Any], path: Path) -> None:
        self.data = data
        self.path = path

    def _fail(self, key: str, problem: str, fix: str) -> ConfigError:
        return ConfigError(f"{self.path}: setting '{key}' {problem}. Fix: {fix}")

    def get(self, key: str, kind: type | tuple[type, ...], fix: str) -> Any:
        node: Any = self.data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                raise self._fail(key, "is missing", fix)
            node = node[part]
        # bool is an int in Python; a flag written where a number belongs is still wrong
        if not isinstance(node, kind) or (isinstance(node, bool) and bool not in _as_tuple(kind)):
            raise self._fail(key, f"has the wrong type ({type(node).__name__})", fix)
        return node

    def number(self, key: str, low: float, high: float, fix: str, kind: type = float) -> Any:
        value = self.get(key, (int, float) if kind is float else int, fix)
        if not low <= value <= high:
            raise self._fail(key, f"is {value}, outside {low}..{high}", fix)
        return kind(value)


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def load_config(path: Path) -> Config:
    if not path.is_file():
        raise ConfigError(
            f"config file '{path}' not found. Fix: run from the project folder (it has config.toml), "
            f"or pass --config PATH, or set {CONFIG_ENV}=PATH."
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}). Fix: correct the syntax at that line.") from exc
    r = _Reader(data, path)
    base = path.resolve().parent

    def rel(value: str) -> Path:
        p = Path(value)
        return p if p.is_absolute() else base / p

    default_language = r.get("language.default", str, 'set [language] default = "ja" (ja, ko or en)')
    if default_language not in LANGUAGES:
        raise r._fail("language.default", f"is '{default_language}'", "use one of ja, ko, en")

    answer = r.number("matching.answer_threshold", 0.0, 1.0, "a number between 0 and 1, e.g. 0.5")
    suggest = r.number("matching.suggest_threshold", 0.0, 1.0, "a number between 0 and 1, e.g. 0.3")
    if suggest > answer:
        raise r._fail("matching.suggest_threshold", f"({suggest}) is above answer_threshold ({answer})",
                      "make suggest_threshold at most answer_threshold")
    matching = MatchingConfig(answer, suggest,
                              r.number("matching.max_suggestions", 1, 3, "an integer from 1 to 3", int))

    popular = r.get("start.popular_topics", list, 'a list of topic ids, e.g. ["seoul.lecture"]')
    if not all(isinstance(t, str) for t in popular):
        raise r._fail("start.popular_topics", "has a non-string entry", "list topic ids as strings")

    staff = r.get("staff.user_ids", list, 'a list of "channel:user" strings, e.g. ["console:1", "telegram:123456789"]')

    tg = data.get("telegram", {})
    mode = r.get("telegram.mode", str, 'set [telegram] mode = "polling" or "webhook"')
    if mode not in ("polling", "webhook"):
        raise r._fail("telegram.mode", f"is '{mode}'", 'use "polling" or "webhook"')
    staff_chat = tg.get("staff_chat_id", 0)
    if not isinstance(staff_chat, int) or isinstance(staff_chat, bool):
        raise r._fail("telegram.staff_chat_id", "is not an integer",
                      "use the group's numeric chat id (negative for groups), or 0 for none")
    telegram = TelegramConfig(
        mode=mode,
        webhook_url=r.get("telegram.webhook_url", str, 'the public https URL, or "" for polling'),
        listen=r.get("telegram.listen", str, 'an address such as "127.0.0.1"'),
        port=r.number("telegram.port", 1, 65535, "a TCP port such as 8443", int),
        secret_token_env=r.get("telegram.secret_token_env", str,
                               'the name of the environment variable holding the webhook secret'),
        staff_chat_id=staff_chat or None,
        base_url=r.get("telegram.base_url", str, '"" for Telegram, or your Bot API server URL'),
        base_file_url=r.get("telegram.base_file_url", str, '"" for Telegram, or your file URL'),
        max_photo_bytes=r.number("telegram.max_photo_bytes", 1, 50_000_000, "a size in bytes", int),
        rate_limit_per_minute=r.number("telegram.rate_limit_per_minute", 1, 10_000,
                                       "messages a user may send per minute", int),
        connection_pool_size=r.number("telegram.connection_pool_size", 1, 256,
                                      "connections for sending, e.g. 8", int),
        pool_timeout=r.number("telegram.pool_timeout", 1, 600, "seconds a send may wait, e.g. 30"),
    )
    if mode == "webhook" and not telegram.webhook_url.startswith("https://"):
        raise r._fail("telegram.webhook_url", "must be an https:// URL in webhook mode",
                      "set the public URL Telegram should call, or use mode = \"polling\"")

    return Config(
        path=path,
        database=rel(r.get("storage.database", str, 'a file path, e.g. "data/madoguchi.sqlite3"')),
        attachments_dir=rel(r.get("storage.attachments", str, 'a folder, e.g. "data/attachments"')),
        knowledge_dir=rel(r.get("knowledge.path", str, 'the knowledge folder, e.g. "knowledge"')),
        default_language=default_language,
        matching=matching,
        popular_topics=tuple(popular),
        forms=FormsConfig(r.number("forms.expire_minutes", 1, 60 * 24 * 365,
                                   "minutes after which an unfinished form expires", int)),
        privacy=PrivacyConfig(r.number("privacy.retention_days", 1, 36500,
                                       "days to keep closed requests' personal data", int)),
        staff_ids=frozenset(str(s) for s in staff),
        telegram=telegram,
        raw=data,
    )
