"""What the whole test session builds once: the knowledge base and matcher for a given config.

Building the matcher takes most of a second; tests that only change the database or a channel's
settings share one, keyed by what it depends on (the knowledge folder and the matching settings).
"""
from __future__ import annotations

from bot.app import Answering, build_answering
from bot.config import Config, MatchingConfig

_BUILT: dict[tuple[str, MatchingConfig], Answering] = {}


def answering_for(config: Config) -> Answering:
    key = (str(config.knowledge_dir.resolve()), config.matching)
    if key not in _BUILT:
        _BUILT[key] = build_answering(config)
    return _BUILT[key]
