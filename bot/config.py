"""Settings from config.toml, checked at start-up so a wrong file fails loudly, naming the key.

Secrets never live in the file: bot tokens come from environment variables only.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.channels.line.settings import LineSettings, read_line
from bot.channels.telegram.settings import TelegramSettings, read_telegram
from bot.channels.web.settings import WebSettings, read_web
from bot.office_time import DEFAULT_ZONE, OfficeZone, load_zone
from bot.settings import ConfigError, SettingsReader
from bot.storage.url import StorageUrl, read_storage

LANGUAGES = ("ja", "ko", "en")
CONFIG_ENV = "MADOGUCHI_CONFIG"
DEFAULT_CONFIG = "config.toml"


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
class ServerConfig:
    listen: str
    port: int
    public_url: str  # how the world reaches this server ("" = not published), for links to files


@dataclass(frozen=True)
class Config:
    path: Path
    database: Path  # the SQLite file ([storage] url, or its older name [storage] database)
    knowledge_dir: Path
    index_cache: Path | None
    attachments_dir: Path
    default_language: str
    matching: MatchingConfig
    popular_topics: tuple[str, ...]
    forms: FormsConfig
    privacy: PrivacyConfig
    staff_ids: frozenset[str]
    staff_language: str  # what notices to the staff places are written in
    zone: OfficeZone  # the time zone people read times in ([time] zone)
    rate_limit_per_minute: int
    max_photo_bytes: int
    lock_wait_seconds: float  # how long a write waits for a lock another process holds
    photo_quota_bytes: int  # all of one person's saved photos together
    server: ServerConfig
    telegram: TelegramSettings
    line: LineSettings
    web: WebSettings
    storage: StorageUrl | None = None  # as read from [storage] url; None in configs built by hand


def resolve_config_path(cli_value: str | None) -> Path:
    """--config wins, then $MADOGUCHI_CONFIG, then ./config.toml."""
    return Path(cli_value or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)


def _optional_dir(rel: Callable[[str], Path], value: str) -> Path | None:
    return rel(value) if value else None


def _read_zone(r: SettingsReader) -> OfficeZone:
    fix = f'an IANA time zone name such as "{DEFAULT_ZONE}" or "Asia/Tokyo"'
    name = r.optional("time.zone", str, DEFAULT_ZONE, fix)
    try:
        return OfficeZone(name, load_zone(name))
    except (KeyError, ValueError, OSError) as exc:  # ZoneInfoNotFoundError is a KeyError
        raise r.fail(
            "time.zone",
            f"is '{name}', which this system does not know",
            f"{fix}; if the name is right, the system lacks time zone data: install it "
            "(`apt-get install tzdata`, or `pip install tzdata` into the venv)",
        ) from exc


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
    r = SettingsReader(data, path)
    base = path.resolve().parent

    def rel(value: str) -> Path:
        p = Path(value)
        return p if p.is_absolute() else base / p

    default_language = r.get("language.default", str, 'set [language] default = "ja" (ja, ko or en)')
    if default_language not in LANGUAGES:
        raise r.fail("language.default", f"is '{default_language}'", "use one of ja, ko, en")

    answer = r.number("matching.answer_threshold", 0.0, 1.0, "a number between 0 and 1, e.g. 0.5")
    suggest = r.number("matching.suggest_threshold", 0.0, 1.0, "a number between 0 and 1, e.g. 0.3")
    if suggest > answer:
        raise r.fail(
            "matching.suggest_threshold",
            f"({suggest}) is above answer_threshold ({answer})",
            "make suggest_threshold at most answer_threshold",
        )
    matching = MatchingConfig(
        answer, suggest, r.number("matching.max_suggestions", 1, 3, "an integer from 1 to 3", int)
    )

    popular = r.get("start.popular_topics", list, 'a list of topic ids, e.g. ["seoul.lecture"]')
    if not all(isinstance(t, str) for t in popular):
        raise r.fail("start.popular_topics", "has a non-string entry", "list topic ids as strings")

    staff = r.get("staff.user_ids", list, 'a list of "channel:user" strings, e.g. ["console:1", "telegram:123456789"]')

    staff_language = r.optional(
        "staff.language", str, default_language, "the language of notices in the staff groups: ja, ko or en"
    )
    if staff_language not in LANGUAGES:
        raise r.fail("staff.language", f"is '{staff_language}'", "use one of ja, ko, en")
    server = ServerConfig(
        listen=r.get("server.listen", str, 'the address the web server listens on, e.g. "127.0.0.1"'),
        port=r.number("server.port", 0, 65535, "a TCP port such as 8080 (0: any free port)", int),
        public_url=r.optional("server.public_url", str, "", 'the public https URL of this server, or ""'),
    )
    if server.public_url and not server.public_url.startswith(("https://", "http://")):
        raise r.fail("server.public_url", f"is '{server.public_url}'", 'use a URL such as "https://bot.example.org"')

    storage = read_storage(r, rel)
    return Config(
        path=path,
        database=storage.path,
        storage=storage,
        attachments_dir=rel(r.get("storage.attachments", str, 'a folder, e.g. "data/attachments"')),
        knowledge_dir=rel(r.get("knowledge.path", str, 'the knowledge folder, e.g. "knowledge"')),
        index_cache=_optional_dir(rel, r.optional("knowledge.index_cache", str, "", 'a folder such as "data/cache"')),
        default_language=default_language,
        matching=matching,
        popular_topics=tuple(popular),
        forms=FormsConfig(
            r.number("forms.expire_minutes", 1, 60 * 24 * 365, "minutes after which an unfinished form expires", int)
        ),
        privacy=PrivacyConfig(
            r.number("privacy.retention_days", 1, 36500, "days to keep closed requests' personal data", int)
        ),
        staff_ids=frozenset(str(s) for s in staff),
        staff_language=staff_language,
        zone=_read_zone(r),
        rate_limit_per_minute=r.number(
            "channels.rate_limit_per_minute", 1, 10_000, "messages one user may send per minute, e.g. 20", int
        ),
        max_photo_bytes=r.number("storage.max_photo_bytes", 1, 50_000_000, "a size in bytes, e.g. 10000000", int),
        lock_wait_seconds=r.number("storage.lock_wait_seconds", 0.1, 60, "seconds, e.g. 5", default=5.0),
        photo_quota_bytes=r.number(
            "storage.photo_quota_bytes", 1, 10_000_000_000, "a size in bytes, e.g. 50000000", int, default=50_000_000
        ),
        server=server,
        telegram=read_telegram(r),
        line=read_line(r),
        web=read_web(r),
    )
