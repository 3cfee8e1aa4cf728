"""The channel-neutral core: one Incoming in, a list of Replies out.

Routing is one explicit list (handlers/routes.py). The conversation state of (channel, chat,
user) is loaded before the handler and saved after it, so every step survives a restart.
"""

from __future__ import annotations

import logging

from bot.conversation import Conversation
from bot.core.context import Context, Deps, Handler, Menu, Route
from bot.core.language import choose_language
from bot.messages import Incoming, Reply

log = logging.getLogger(__name__)


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
        self.routes = routes
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
        before = state.to_json()
        lang = choose_language(state, msg, self.deps.config.default_language)
        ctx = Context(self.deps, msg, state, lang)
        handler = self._route(ctx)
        replies = await handler(ctx)
        if not ctx.forgotten and ctx.state.to_json() != before:
            await store.save_conversation(msg.key, ctx.state)
        return replies + ctx.extra

    async def language_of(self, msg: Incoming) -> str:
        """The language to tell this sender something in, without handling their message."""
        try:
            state = await self.deps.store.load_conversation(msg.key)
        except Exception:  # noqa: BLE001 - an apology must not depend on the database
            log.warning("could not read the conversation of %s:%s for its language", msg.channel, msg.user_id)
            state = Conversation()
        return choose_language(state, msg, self.deps.config.default_language)

    def menu(self, audience: Menu, lang: str) -> list[tuple[str, str]]:
        """(command, description) for a channel's command menu: the routes' own, then every form's."""
        renderer = self.deps.renderer
        items = [
            (r.name, renderer.label(lang, f"cmd_{r.name}"))
            for r in self.routes
            if r.kind == "command" and r.menu == audience
        ]
        if audience == "requester":
            items += [(f.command, f.title[lang]) for f in self.deps.forms.values() if f.command]
        return items

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
