"""LINE messages in the form line-bot-sdk sends them, built once and reused.

Building the SDK's pydantic models and serialising them cost more than answering the question:
about 1.2 ms for an answer with five quick-reply buttons against 0.8 ms for Core.handle
(bench/line_throughput.py), because ReplyMessageRequest.to_dict walks every nested model twice.
An answer's messages are the same for everyone who asks about that topic in that language, so
their wire form, made by the SDK's own models (TextMessage.to_dict), is kept in a bounded table,
and each request is assembled around it without validating it again.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from linebot.v3.messaging import (
    PostbackAction,
    PushMessageRequest,
    QuickReply,
    QuickReplyItem,
    ReplyMessageRequest,
    TextMessage,
)

from bot.messages import Button

Wire = dict[str, Any]
CACHE_SIZE = 1024  # topics x languages x a few shapes fit; the oldest go first


class Prepared:
    """A message already in the SDK's wire form; the request's to_dict takes it as it is."""

    __slots__ = ("wire",)

    def __init__(self, wire: Wire) -> None:
        self.wire = wire

    def to_dict(self) -> Wire:
        return self.wire


def text_message(text: str, buttons: list[tuple[Button, str]]) -> Wire:
    """One text message, with quick-reply postback buttons (label, and the data each carries)."""
    message = TextMessage(text=text)
    if buttons:
        items = [
            QuickReplyItem(action=PostbackAction(label=b.label, data=data, displayText=b.label)) for b, data in buttons
        ]
        message.quick_reply = QuickReply(items=items)
    wire: Wire = message.to_dict()
    return wire


def build_messages(parts: list[str], buttons: list[tuple[Button, str]]) -> list[Prepared]:
    """The texts as messages, the buttons (with their data) on the last."""
    last = len(parts) - 1
    return [Prepared(text_message(part, buttons if i == last else [])) for i, part in enumerate(parts)]


class Messages:
    """Built messages by the reply they came from (its text and buttons): the same answer to the
    same question is the same messages, whoever asks."""

    def __init__(self) -> None:
        self.built: OrderedDict[tuple[str, tuple[Button, ...]], list[Prepared]] = OrderedDict()

    def get(self, text: str, buttons: tuple[Button, ...]) -> list[Prepared] | None:
        key = (text, buttons)
        found = self.built.get(key)
        if found is not None:
            self.built.move_to_end(key)
        return found

    def put(self, text: str, buttons: tuple[Button, ...], messages: list[Prepared]) -> None:
        self.built[(text, buttons)] = messages
        if len(self.built) > CACHE_SIZE:
            self.built.popitem(last=False)


def reply_request(token: str, messages: list[Prepared]) -> ReplyMessageRequest:
    # construct(): the messages were validated when their wire form was built
    return ReplyMessageRequest.construct(reply_token=token, messages=messages, notification_disabled=False)


def push_request(to: str, messages: list[Prepared]) -> PushMessageRequest:
    return PushMessageRequest.construct(to=to, messages=messages, notification_disabled=False)
