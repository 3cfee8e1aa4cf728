"""The lifespan: load and check everything at start-up, own the database while running.

open_app wires the parts in one place: knowledge, forms and matcher; the store; the request
queue and the unanswered log; the core with its routes; and the inbox and outbox that every channel talks to.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.answering.knowledge import KnowledgeBase, load_knowledge
from bot.answering.matcher import Matcher
from bot.answering.together import QuestionBatch
from bot.config import Config
from bot.core.context import Deps, command_names
from bot.core.inbox import Inbox
from bot.core.outbox import Outbox
from bot.core.routing import Core
from bot.forms.registry import FormRegistry, load_forms
from bot.rendering.renderer import Renderer
from bot.requests.queue import RequestQueue
from bot.staff.directory import StaffDirectory
from bot.storage.contracts import Database
from bot.storage.opening import open_database
from bot.storage.payloads import PayloadTable
from bot.unanswered.log import UnansweredLog
from handlers.routes import build_routes

# The console shell reads these itself before the core sees a line (bot/channels/console/shell.py).
SHELL_COMMANDS = frozenset({"as", "quit", "exit"})


@dataclass(frozen=True)
class Answering:
    """The knowledge base and its matcher: built once, shared by every process part that answers."""

    knowledge: KnowledgeBase
    matcher: Matcher


def load_checked_knowledge(config: Config) -> KnowledgeBase:
    """The knowledge base, checked against the forms its topics offer."""
    forms_dir = config.knowledge_dir / "forms"
    form_names = {p.stem for p in forms_dir.glob("*.toml")} if forms_dir.is_dir() else None
    return load_knowledge(config.knowledge_dir, form_names)


def load_checked_forms(config: Config) -> FormRegistry:
    """The request forms (knowledge/forms/*.toml); an empty registry when the folder is absent."""
    forms_dir = config.knowledge_dir / "forms"
    reserved = command_names(build_routes()) | SHELL_COMMANDS
    return load_forms(forms_dir, reserved) if forms_dir.is_dir() else FormRegistry({})


def build_answering(config: Config) -> Answering:
    knowledge = load_checked_knowledge(config)
    return Answering(knowledge, Matcher(knowledge, config.matching, cache_dir=config.index_cache))


@dataclass(frozen=True)
class App:
    config: Config
    core: Core
    store: Database
    outbox: Outbox
    inbox: Inbox
    payloads: PayloadTable
    requests: RequestQueue
    unanswered: UnansweredLog  # what the bot could not answer, for the console and `madoguchi report`


@asynccontextmanager
async def open_app(
    config: Config, clock: Callable[[], float] = time.time, answering: Answering | None = None
) -> AsyncIterator[App]:
    """clock: the wall clock, replaceable in tests (form expiry, "date in the past", timestamps).

    answering: a knowledge base and matcher already built for this config (tests share one).
    """
    answering = answering or build_answering(config)
    forms = load_checked_forms(config)
    store = await open_database(config)
    try:
        requests = RequestQueue(store, clock, config.zone.tz, config.attachments_dir)
        unanswered = UnansweredLog(store, config.zone, config.privacy.retention_days, clock)
        deps = Deps(
            config=config,
            store=store,
            knowledge=answering.knowledge,
            matcher=answering.matcher,
            questions=QuestionBatch(answering.matcher),
            renderer=Renderer(),
            forms=forms,
            requests=requests,
            staff=StaffDirectory(config.staff_ids, store),
            clock=clock,
            unanswered=unanswered,
        )
        core = Core(deps, build_routes())
        outbox = Outbox(store, requests)
        await outbox.open()
        payloads = PayloadTable(store)
        inbox = Inbox(core, outbox, payloads, config.rate_limit_per_minute)
        try:
            yield App(config, core, store, outbox, inbox, payloads, requests, unanswered)
        finally:
            await core.drain()
    finally:
        await store.close()
