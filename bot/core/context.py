"""What a handler gets (Context, with the Deps it may use) and how it is wired (Route)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.answering.knowledge import KnowledgeBase
from bot.answering.matcher import Matcher
from bot.answering.together import QuestionBatch
from bot.config import Config
from bot.conversation import Conversation
from bot.forms.registry import FormRegistry
from bot.messages import Button, Incoming, Photo, Reply
from bot.rendering.renderer import Renderer
from bot.staff.directory import StaffDirectory
from bot.storage.contracts import CoreStore, RequestStore, UnansweredStore
from bot.unanswered.watch import Asked


@dataclass(frozen=True)
class Deps:
    """Everything a handler may use, passed explicitly."""

    config: Config
    store: CoreStore  # conversations, kept notices, payloads (bot/storage/contracts.py)
    knowledge: KnowledgeBase
    matcher: Matcher
    questions: QuestionBatch  # free-text questions, understood together when they arrive together
    renderer: Renderer
    forms: FormRegistry
    requests: RequestStore
    staff: StaffDirectory
    clock: Callable[[], float] = time.time  # tests pass a fixed clock through open_app
    # what the bot could not answer; None where nothing is recorded (deps built by hand in tests)
    unanswered: UnansweredStore | None = None


@dataclass
class Context:
    deps: Deps
    msg: Incoming
    state: Conversation
    lang: str
    command: str = ""
    args: str = ""
    payload_arg: str = ""
    extra: list[Reply] = field(default_factory=list)
    forgotten: bool = False  # /forget erased this conversation: Core must not write it back
    fetch_photo: FetchPhoto | None = None  # the channel's way to save a copy of the message's photo
    staff: bool = False  # the sender may work the queue (StaffDirectory, asked by Core.handle)
    asked: Asked | None = None  # a knowledge question and its decision: Core counts it (bot/unanswered/watch.py)

    def render(self, name: str, **values: Any) -> str:
        return self.deps.renderer.render(self.lang, name, **values)

    def label(self, key: str, **values: Any) -> str:
        return self.deps.renderer.label(self.lang, key, **values)

    def reply(
        self,
        text: str,
        buttons: tuple[Button, ...] | list[Button] = (),
        *,
        transient: bool = False,
        alert: bool = False,
    ) -> Reply:
        return Reply(self.msg.address, text, tuple(buttons), transient=transient, alert=alert, lang=self.lang)

    def say(
        self, template: str, buttons: tuple[Button, ...] | list[Button] = (), *, transient: bool = False, **values: Any
    ) -> Reply:
        return self.reply(self.render(template, **values), buttons, transient=transient)

    @property
    def is_staff(self) -> bool:
        return self.staff


Handler = Callable[[Context], Awaitable[list[Reply]]]
FetchPhoto = Callable[[Photo], Awaitable[Photo]]
# Who sees a command in a channel's command menu (Telegram's "/" list); None: not listed.
Menu = Literal["requester", "staff"] | None


@dataclass(frozen=True)
class Route:
    kind: Literal["command", "button", "text"]
    name: str  # command name, or the payload's verb before ":"; "" for text; "*" for any other
    handler: Handler
    menu: Menu = None

    @classmethod
    def command(cls, name: str, handler: Handler, menu: Menu = None) -> Route:
        return cls("command", name, handler, menu)

    @classmethod
    def button(cls, verb: str, handler: Handler) -> Route:
        return cls("button", verb, handler)

    @classmethod
    def text(cls, handler: Handler) -> Route:
        return cls("text", "", handler)


def command_names(routes: list[Route]) -> frozenset[str]:
    """The commands the routes own: a form may not take one of these for itself."""
    return frozenset(r.name for r in routes if r.kind == "command" and r.name != "*")
