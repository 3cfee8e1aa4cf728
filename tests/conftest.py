"""Shared fixtures. Each feature keeps its fixtures under its own names."""
from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import Config, load_config
from bot.storage.url import StorageUrl
from pg_server import Server, fresh_database

REPO = Path(__file__).resolve().parent.parent


# -- PostgreSQL (tests/test_storage_contract.py, test_request_contract.py, test_workers.py) ------

@pytest.fixture(scope="session")
def pg_server() -> Iterator[Server]:
    """One throw-away server for the session (tests/pg_server.py), started when first asked for."""
    server = Server()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server: Server) -> str:
    """A fresh empty database on it (skips, or fails in CI, when there is no PostgreSQL)."""
    return asyncio.run(fresh_database(pg_server.require()))


def on_postgres(config: Config, url: str) -> Config:
    """The same config with [storage] url naming this PostgreSQL database."""
    return dataclasses.replace(config, storage=StorageUrl("postgresql", config.database, dsn=url))


# -- the request queue (tests/test_queue*.py, test_staff*.py, test_privacy*.py) ----------------

QUEUE_STAFF = "console:1"


@pytest.fixture
def queue_config(tmp_path: Path) -> Config:
    """The repo's config.toml with the database in tmp_path and console user 1 as the only staff."""
    config = load_config(REPO / "config.toml")
    return dataclasses.replace(config, database=tmp_path / "queue.sqlite3",
                               attachments_dir=tmp_path / "attachments",
                               staff_ids=frozenset({QUEUE_STAFF}))


def repo_config_file(folder: Path, url: str | Path, **settings: str) -> Path:
    """The repo's config.toml written into `folder` as config.toml: [storage] url = `url`, the
    repo's knowledge, and each `line = "old"` of `settings` (key = its value) set to the new value."""
    text = (REPO / "config.toml").read_text(encoding="utf-8")
    text = text.replace('url = "data/madoguchi.sqlite3"', f'url = "{url}"')
    text = text.replace('path = "knowledge"', f'path = "{REPO / "knowledge"}"')
    for key, value in settings.items():
        text, found = re.subn(rf'(?m)^{key} = "[^"]*"', f'{key} = "{value}"', text)
        assert found == 1, key
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def queue_config_file(tmp_path: Path) -> Path:
    """A config.toml for the `madoguchi requests` commands: the repo's, with the database in tmp_path."""
    path = repo_config_file(tmp_path, tmp_path / "queue.sqlite3")
    assert load_config(path).database == tmp_path / "queue.sqlite3"
    return path


# -- request forms (tests/test_forms*.py) ----------------------------------------------------


@pytest.fixture
def forms_config(tmp_path: Path) -> Config:
    """The repo's config.toml with the database (and attachments) in tmp_path."""
    config = load_config(REPO / "config.toml")
    return dataclasses.replace(config, database=tmp_path / "forms.sqlite3",
                               attachments_dir=tmp_path / "attachments")


# -- answering (tests/test_knowledge.py, test_matching.py, test_answers.py, test_cli_answers.py) --


@pytest.fixture
def answer_config(tmp_path: Path) -> Config:
    """The repo's config.toml with the database in tmp_path."""
    config = load_config(REPO / "config.toml")
    return dataclasses.replace(config, database=tmp_path / "answers.sqlite3",
                               attachments_dir=tmp_path / "attachments")
