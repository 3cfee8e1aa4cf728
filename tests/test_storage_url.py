"""[storage] url: a file path or sqlite:/// URL for SQLite, the older `database` key, and what a
PostgreSQL URL must and must not hold. Real config files, read as `madoguchi` reads them."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import load_config
from bot.settings import ConfigError, SettingsReader
from bot.storage.url import read_storage

REPO = Path(__file__).resolve().parent.parent
LINE = 'url = "data/madoguchi.sqlite3"'


def write_config(tmp_path: Path, storage_lines: str) -> Path:
    text = (REPO / "config.toml").read_text(encoding="utf-8")
    assert LINE in text
    text = text.replace(LINE, storage_lines)
    text = text.replace('path = "knowledge"', f'path = "{REPO / "knowledge"}"')
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def reader(tmp_path: Path, storage: dict[str, str]) -> SettingsReader:
    return SettingsReader({"storage": storage}, tmp_path / "config.toml")


def rel_to(tmp_path: Path):  # type: ignore[no-untyped-def]
    return lambda value: Path(value) if Path(value).is_absolute() else tmp_path / value


@pytest.mark.parametrize("line, expected", [
    ('url = "db/a.sqlite3"', "db/a.sqlite3"),
    ('url = "sqlite:///db/b.sqlite3"', "db/b.sqlite3"),
    ('database = "db/c.sqlite3"', "db/c.sqlite3"),  # the older key, as configs written before url have it
    ("", "data/madoguchi.sqlite3"),  # neither: the default
])
def test_a_sqlite_file_is_named_by_path_url_or_the_older_key(tmp_path: Path, line: str, expected: str) -> None:
    config = load_config(write_config(tmp_path, line))
    assert config.database == tmp_path / expected
    assert config.storage is not None and config.storage.backend == "sqlite"


def test_an_absolute_sqlite_url_stays_absolute(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, f'url = "sqlite:///{tmp_path}/abs.sqlite3"'))
    assert config.database == tmp_path / "abs.sqlite3"


@pytest.mark.parametrize("storage, key, words", [
    ({"url": "a.sqlite3", "database": "b.sqlite3"}, "storage.database", "beside storage.url"),
    ({"url": "sqlite://a.sqlite3"}, "storage.url", "sqlite:///"),
    ({"url": "mysql://u@h/db"}, "storage.url", "does not know"),
    ({"url": "postgresql://u:secret@h/db"}, "storage.url", "holds a password"),
    ({"url": "postgresql://u@h"}, "storage.url", "name the host and the database"),
    ({"url": "postgresql://u@h/db", "password_env": "not a name"}, "storage.password_env", "is 'not a name'"),
    ({"url": "postgresql://u@h/db", "password_env": "MADOGUCHI_TEST_UNSET_PW"}, "storage.password_env",
     "not set"),
])
def test_a_wrong_storage_setting_names_its_key(tmp_path: Path, storage: dict[str, str], key: str, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        read_storage(reader(tmp_path, storage), rel_to(tmp_path), environ={})
    assert f"setting '{key}'" in str(caught.value) and words in str(caught.value)
    assert "secret" not in str(caught.value)


def test_the_postgresql_password_comes_from_the_variable_named(tmp_path: Path) -> None:
    storage = read_storage(
        reader(tmp_path, {"url": "postgresql://bot@db.internal:5432/madoguchi", "password_env": "PG_PW"}),
        rel_to(tmp_path), environ={"PG_PW": "s3cret"},
    )
    assert (storage.backend, storage.password, storage.password_env) == ("postgresql", "s3cret", "PG_PW")
    assert "s3cret" not in storage.describe()


def test_an_unreachable_postgresql_url_stops_start_up_with_status_2_naming_it(tmp_path: Path) -> None:
    config = write_config(tmp_path, 'url = "postgresql://bot@127.0.0.1:1/madoguchi"')
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "LINE_", "MADOGUCHI_"))}
    done = subprocess.run([sys.executable, "-m", "bot.cli.main", "requests", "list", "--config", str(config)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "storage" in done.stderr and "127.0.0.1:1" in done.stderr
    assert not (tmp_path / "data").exists()  # no SQLite file made in its place
