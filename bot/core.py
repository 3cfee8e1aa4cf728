"""The channel-neutral core: one Incoming in, a list of Replies out.

Routing is one explicit list (handlers/routes.py). The conversation state of (channel, chat,
user) is loaded before the handler and saved after it, so every step survives a restart.
"""
from __future__ import annotations

import copy
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from bot.config import LANGUAGES, Config
from bot.knowledge import KnowledgeBase
from bot.matcher import Matcher
from bot.messages import Address, Button, Incoming, Reply
from bot.render import Renderer
from bot.store import Store
from bot.text import detect_language

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Deps:
    """Everything a handler may use, passed explicitly."""

    config: Config
    store: Store
    knowledge: KnowledgeBase
    matcher: Matcher
    renderer: Renderer
    forms: Any = None    # bot.forms.FormRegistry, once loaded
    requests: Any = None  # bot.requests.RequestQueue
    clock: Callable[[], float] = time.time  # tests pass a fixed clock through open_app


@dataclass
class Context:
    deps: Deps
    msg: Incoming
    state: dict[str, Any]
    lang: str
    command: str = ""
    args: str = ""
    payload_arg: str = ""
    extra: list[Reply] = field(default_factory=list)

    def render(self, name: str, **values: Any) -> str:
        return self.deps.renderer.render(self.lang, name, **values)

    def label(self, key: str, **values: Any) -> str:
        return self.deps.renderer.label(self.lang, key, **values)

    def reply(self, text: str, buttons: tuple[Button, ...] | list[Button] = ()) -> Reply:
        return Reply(self.msg.address, text, tuple(buttons))

    def say(self, template: str, buttons: tuple[Button, ...] | list[Button] = (), **values: Any) -> Reply:
        return self.reply(self.render(template, **values), buttons)

    @property
    def is_staff(self) -> bool:
        return self.deps.config.is_staff(self.msg.channel, self.msg.user_id)


Handler = Callable[[Context], Awaitable[list[Reply]]]


@dataclass(frozen=True)
class Route:
    kind: str      # "command", "button" or "text"
    name: str      # command name, or the payload's verb before ":"; "" for text
    handler: Handler

    @classmethod
    def command(cls, name: str, handler: Handler) -> "Route":
        return cls("command", name, handler)

    @classmethod
    def button(cls, verb: str, handler: Handler) -> "Route":
        return cls("button", verb, handler)

    @classmethod
    def text(cls, handler: Handler) -> "Route":
        return cls("text", "", handler)


def client_language(code: str | None) -> str | None:
    """Telegram's language_code ('ja', 'ko-KR', 'en-US', 'de') to ja, ko, or en otherwise."""
    if not code:
        return None
    base = code.split("-")[0].lower()
    return base if base in LANGUAGES else "en"


def choose_language(state: dict[str, Any], msg: Incoming, default: str) -> str:
    """The user's own /lang choice, else the language of this text, else what we last saw."""
    if state.get("lang") in LANGUAGES:
        return state["lang"]
    detected = detect_language(msg.text) if msg.text and not msg.text.startswith("/") else None
    if detected:
        state["seen_lang"] = detected
        return detected
    return state.get("seen_lang") or client_language(msg.client_language) or default


def parse_command(text: str) -> tuple[str, str] | None:
    """'/lang ko' -> ('lang', 'ko'); '/start@MadoguchiBot' -> ('start', '')."""
    if not text.startswith("/") or len(text) < 2:
        return None
    head, _, rest = text[1:].partition(" ")
    name = head.split("@", 1)[0].lower()
    if not name or not name.replace("_", "").isalnum() or not name.isascii():
        return None
    return name, rest.strip()


class Core:
    def __init__(self, deps: Deps, routes: list[Route]) -> None:
        self.deps = deps
        self.commands = {r.name: r.handler for r in routes if r.kind == "command"}
        self.buttons = {r.name: r.handler for r in routes if r.kind == "button"}
        texts = [r.handler for r in routes if r.kind == "text"]
        if len(texts) != 1:
            raise ValueError("exactly one text route is required")
        self.text_handler = texts[0]
        self.unknown_command: Handler | None = self.commands.pop("*", None)

    async def handle(self, msg: Incoming) -> list[Reply]:
        store = self.deps.store
        state = await store.load_conversation(msg.key)
        before = copy.deepcopy(state)  # handlers change nested values (the form) in place
        lang = choose_language(state, msg, self.deps.config.default_language)
        ctx = Context(self.deps, msg, state, lang)
        handler = self._route(ctx)
        replies = await handler(ctx)
        if ctx.state != before:
            await store.save_conversation(msg.key, ctx.state)
        return replies + ctx.extra

    def _route(self, ctx: Context) -> Handler:
        msg = ctx.msg
        if msg.payload is not None:
            verb, _, arg = msg.payload.partition(":")
            ctx.payload_arg = arg
            return self.buttons.get(verb, self.buttons.get("*", self.text_handler))
        parsed = parse_command(msg.text.strip())
        if parsed:
            ctx.command, ctx.args = parsed
            handler = self.commands.get(ctx.command)
            if handler:
                return handler
            if self.unknown_command:
                return self.unknown_command
        return self.text_handler


def address_of(channel: str, chat_id: str) -> Address:
    return Address(channel, str(chat_id))
