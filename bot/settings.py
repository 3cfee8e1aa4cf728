"""Reading typed settings out of config.toml, failing loudly with the key and the fix.

Shared by bot/config.py and each channel's own section parser (bot/channels/<name>/settings.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


class ConfigError(Exception):
    """A setting is missing or wrong; the message says which key and how to fix it. Exit status 2."""


class StartError(Exception):
    """The bot cannot start (a missing token, a refused one); the message says what to set. Exit status 2."""


class SettingsReader:
    def __init__(self, data: dict[str, Any], path: Path) -> None:
        self.data = data
        self.path = path

    def fail(self, key: str, problem: str, fix: str) -> ConfigError:
        return ConfigError(f"{self.path}: setting '{key}' {problem}. Fix: {fix}")

    def _lookup(self, key: str) -> tuple[bool, Any]:
        node: Any = self.data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return False, None
            node = node[part]
        return True, node

    def _check(self, key: str, value: Any, kind: type | tuple[type, ...], fix: str) -> Any:
        kinds = kind if isinstance(kind, tuple) else (kind,)
        # bool is an int in Python; a flag written where a number belongs is still wrong
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            raise self.fail(key, f"has the wrong type ({type(value).__name__})", fix)
        return value

    def get(self, key: str, kind: type[T] | tuple[type, ...], fix: str) -> Any:
        found, value = self._lookup(key)
        if not found:
            raise self.fail(key, "is missing", fix)
        return self._check(key, value, kind, fix)

    def optional(self, key: str, kind: type[T], default: T, fix: str) -> T:
        found, value = self._lookup(key)
        return default if not found else self._check(key, value, kind, fix)

    def number(
        self, key: str, low: float, high: float, fix: str, kind: type = float, default: float | None = None
    ) -> Any:
        found, _ = self._lookup(key)
        if not found and default is not None:
            return kind(default)
        value = self.get(key, (int, float) if kind is float else int, fix)
        if not low <= value <= high:
            raise self.fail(key, f"is {value}, outside {low}..{high}", fix)
        return kind(value)
