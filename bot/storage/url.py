"""`[storage] url`: which database, read and checked at start-up (bot/config.py calls read_storage).

  url = "data/madoguchi.sqlite3"           a file path (relative to config.toml's folder): SQLite
  url = "sqlite:///data/madoguchi.sqlite3"  the same, as a URL; "sqlite:////var/lib/m.sqlite3" absolute
  url = "postgresql://madoguchi@db.internal:5432/madoguchi"   PostgreSQL, with
  password_env = "MADOGUCHI_PG_PASSWORD"    the NAME of the variable holding its password

The older key `[storage] database` (a file path) still works when `url` is absent. A password
written in the URL is refused: secrets never live in the file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bot.settings import SettingsReader

DEFAULT_SQLITE = "data/madoguchi.sqlite3"
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_FIX = f'a file path such as "{DEFAULT_SQLITE}", "sqlite:///{DEFAULT_SQLITE}" or "postgresql://user@host:5432/db"'


@dataclass(frozen=True)
class StorageUrl:
    """Where the data lives. sqlite: `path` is the file. postgresql: `dsn` without the password,
    which is read from the environment variable `password_env` names (its value in `password`)."""

    backend: str  # "sqlite" or "postgresql"
    path: Path  # the SQLite file; for PostgreSQL the default file's place (data/: exports beside it)
    dsn: str = ""
    password_env: str = ""
    password: str = ""

    def describe(self) -> str:
        """For messages and logs: never the password."""
        return str(self.path) if self.backend == "sqlite" else self.dsn


def read_storage(r: SettingsReader, rel: Callable[[str], Path], environ: Mapping[str, str] = os.environ) -> StorageUrl:
    found_url = r.optional("storage.url", str, "", _FIX)
    legacy = r.optional("storage.database", str, "", f'a file path, e.g. "{DEFAULT_SQLITE}" (or use [storage] url)')
    if not found_url:
        return StorageUrl("sqlite", rel(legacy or DEFAULT_SQLITE))
    if legacy:
        raise r.fail("storage.database", "is set beside storage.url", "keep only url (database is its older name)")
    url = found_url.strip()
    if url.startswith("sqlite://"):
        if not url.startswith("sqlite:///") or len(url) == len("sqlite:///"):
            raise r.fail(
                "storage.url", f"is '{url}'", f'write sqlite:/// then the file, e.g. "sqlite:///{DEFAULT_SQLITE}"'
            )
        return StorageUrl("sqlite", rel(url[len("sqlite:///") :]))
    if url.startswith(("postgresql://", "postgres://")):
        return _postgres(r, rel, url, environ)
    if "://" in url:
        raise r.fail("storage.url", f"is '{url}', a kind of database Madoguchi does not know", _FIX)
    return StorageUrl("sqlite", rel(url))


def _postgres(r: SettingsReader, rel: Callable[[str], Path], url: str, environ: Mapping[str, str]) -> StorageUrl:
    parts = urlsplit(url)
    if parts.password is not None:
        raise r.fail(
            "storage.url",
            "holds a password",
            "remove it from the URL and name an environment variable holding it in [storage] password_env",
        )
    if not parts.hostname or not parts.path.strip("/"):
        raise r.fail("storage.url", f"is '{url}'", 'name the host and the database: "postgresql://user@host:5432/db"')
    name = r.optional(
        "storage.password_env", str, "", 'the NAME of an environment variable, e.g. "MADOGUCHI_PG_PASSWORD"'
    )
    password = ""
    if name:
        if not ENV_NAME.match(name):
            raise r.fail("storage.password_env", f"is '{name}'", 'the NAME of a variable, e.g. "MADOGUCHI_PG_PASSWORD"')
        if name not in environ:
            raise r.fail(
                "storage.password_env",
                f"names {name}, which is not set",
                f"export {name}=… before starting (or remove password_env for a server that needs none)",
            )
        password = environ[name]
    return StorageUrl("postgresql", rel(DEFAULT_SQLITE), dsn=url, password_env=name, password=password)
