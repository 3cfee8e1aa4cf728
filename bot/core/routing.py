"""The channel-neutral core: one Incoming in, a list of Replies out.

Routing is one explicit list (handlers/routes.py). The conversation state of (channel, chat,
user) is loaded before the handler and saved after it, so every step survives a restart.
"""

from __future__ import annotations

import asyncio
import logging

from bot.conversation import Conversation, Suggestion
from bot.core.context import Context, Deps, FetchPhoto, Handler, Menu, Route
from bot.core.language import choose_language
from bot.messages import ConversationKey, Incoming, Reply
from bot.unanswered import watch
from bot.unanswered.writer import BatchWriter

log = logging.getLogger(__name__)


# conversation values whose loss costs nothing but a guess (or one entry of the unanswered log)
HINTS = ("seen_lang", "pending_question", "suggestion")


def _only_hints_changed(before: str, after: Conversation) -> bool:
    old, new = Conversation.from_json(before).as_dict(), after.as_dict()
    keys = set(old) | set(new)
    return all(key in HINTS for key in keys if old.get(key) != new.get(key))


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
        self._saving: dict[ConversationKey, asyncio.Task[None]] = {}
        # the state each of those saves writes, as JSON: what the conversation's next message reads
        self._unsaved: dict[ConversationKey, str] = {}
        # the unanswered log, written beside the answers in batches
        self._writer = BatchWriter(deps.unanswered) if deps.unanswered is not None else None

    async def handle(self, msg: Incoming, fetch: FetchPhoto | None = None) -> list[Reply]:
        """fetch: how the channel saves a copy of the photo the message carries, if a form wants it.

        Under the conversation's lock: with several workers on one database, two messages of one
        person given to two of them are still handled one after the other (bot/storage/postgres)."""
        async with self.deps.store.conversation_lock(msg.key):
            return await self._handle(msg, fetch)

    async def _handle(self, msg: Incoming, fetch: FetchPhoto | None) -> list[Reply]:
        store = self.deps.store
        if (msg.payload or "").startswith("forget:"):
            # an erasure: what is still being written of theirs lands first, then is erased with the rest
            saving = self._saving.get(msg.key)
            if saving is not None:
                await asyncio.gather(saving, return_exceptions=True)
            if self._writer is not None:
                await self._writer.idle()
        hints = self._unsaved.get(msg.key)
        if hints is not None:
            # its last hints are still being saved on the side: they are the newest state. Not waited
            # for: behind a database lock that save takes seconds, and so would this answer
            state = Conversation.from_json(hints)
        else:
            state = await store.load_conversation(msg.key)
        before = state.to_json()
        shown, state.suggestion = state.suggestion, None  # this message settles a "did you mean"
        lang = choose_language(state, msg, self.deps.config.default_language)
        staff = await self.deps.staff.is_staff(msg.channel, msg.user_id)
        ctx = Context(self.deps, msg, state, lang, fetch_photo=fetch, staff=staff)
        handler = self._route(ctx)
        replies = await handler(ctx)
        self._note_questions(ctx, shown)
        if ctx.forgotten:
            self._unsaved.pop(msg.key, None)
        elif (after := ctx.state.to_json()) != before:
            if _only_hints_changed(before, ctx.state):
                # only the language seen or the last unanswered question: a locked database or a full
                # disk must not stand between a person and an answer, so it is saved on the side
                self._save_later(msg, ctx.state, after)
            else:
                # a form step: saved before the reply, and newer than any hints still being saved on
                # the side (saves land in the order queued), so the next message loads it
                self._unsaved.pop(msg.key, None)
                await store.save_conversation(msg.key, ctx.state)
        return replies + ctx.extra

    def _save_later(self, msg: Incoming, state: Conversation, as_json: str) -> None:
        # queued here, not in the task: a form step saved after this must land after it
        saved = self.deps.store.queue_conversation(msg.key, state)

        async def save() -> None:
            try:
                await saved
            except Exception as exc:  # noqa: BLE001 - a hint lost is only a hint; the answer went out
                log.warning("conversation hints of %s message %s not saved: %s", msg.channel, msg.log_id or "-", exc)

        task = asyncio.get_running_loop().create_task(save())
        self._saving[msg.key] = task  # kept until done, so it is not collected mid-save
        self._unsaved[msg.key] = as_json

        def done(finished: asyncio.Task[None]) -> None:
            if self._saving.get(msg.key) is finished:  # the last save of this conversation
                self._saving.pop(msg.key, None)
                self._unsaved.pop(msg.key, None)

        task.add_done_callback(done)

    def _note_questions(self, ctx: Context, shown: Suggestion | None) -> None:
        """Count the knowledge questions this message settled and keep the unanswered ones."""
        if self._writer is None or ctx.forgotten:  # /forget: nothing more of theirs is kept
            return
        outcomes = [watch.settle(shown, ctx.msg)] if shown is not None else []
        if ctx.asked is not None:
            settled = watch.outcome(ctx.asked, ctx.lang)
            outcomes += [settled] if settled is not None else []
            ctx.state.suggestion = watch.suggestion(ctx.asked, ctx.lang)
        if outcomes:
            self._writer.add(ctx.msg, outcomes)

    async def drain(self) -> None:
        """Wait for the writes made on the side (at shutdown, before the store closes; tests)."""
        while self._saving or (self._writer is not None and self._writer.busy):
            await asyncio.gather(*self._saving.values(), return_exceptions=True)
            if self._writer is not None:
                await self._writer.idle()

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
