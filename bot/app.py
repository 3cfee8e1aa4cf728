"""The lifespan: load and check everything at start-up, own the database while running."""
from __future__ import annotations

import time
from contextlib import asynccontextmanager
from typing import AsyncIterator, Callable

from bot.config import Config
from bot.core import Core, Deps
from bot.forms import FormRegistry, load_forms
from bot.knowledge import KnowledgeBase, load_knowledge
from bot.matcher import Matcher
from bot.render import Renderer
from bot.requests import RequestQueue
from bot.store import Store
from handlers.routes import build_routes


def load_checked_knowledge(config: Config) -> KnowledgeBase:
    """The knowledge base, checked against the forms its topics offer."""
    forms_dir = config.knowledge_dir / "forms"
    form_names = {p.stem for p in forms_dir.glob("*.toml")} if forms_dir.is_dir() else None
    return load_knowledge(config.knowledge_dir, form_names)


def load_checked_forms(config: Config) -> FormRegistry:
    """The request forms (knowledge/forms/*.toml); an empty registry when the folder is absent."""
    forms_dir = config.knowledge_dir / "forms"
    return load_forms(forms_dir) if forms_dir.is_dir() else FormRegistry({})


@asynccontextmanager
async def open_app(config: Config, clock: Callable[[], float] = time.time) -> AsyncIterator[Core]:
    """clock: the wall clock, replaceable in tests (form expiry, "date in the past", timestamps)."""
    knowledge = load_checked_knowledge(config)
    forms = load_checked_forms(config)
    matcher = Matcher(knowledge, config.matching)
    renderer = Renderer()
    store = await Store.open(config.database)
    try:
        deps = Deps(config=config, store=store, knowledge=knowledge, matcher=matcher, renderer=renderer,
                    forms=forms, requests=RequestQueue(store, clock), clock=clock)
        yield Core(deps, build_routes())
    finally:
        await store.close()
