"""LINE messages in the form the Messaging API takes them, built once and sent as they are.

Building the SDK's pydantic models and serialising them cost more than answering the question:
about 1.2 ms for an answer with five quick-reply buttons against 0.8 ms for Core.handle
(bench/line_throughput.py), because ReplyMessageRequest.to_dict walks every nested model twice,
and reply_message validates its argument again on every call. An answer's messages are the same
for everyone who asks about that topic in that language, so their wire form, made by the SDK's
own models (TextMessage.to_dict, validated there), is kept in a bounded table; each reply is a
plain dict around it, sent by the SDK's client (`Sender`, through AsyncApiClient.call_api: its
authentication, its errors as ApiException) without a model built or checked again.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from linebot.v3.messaging import AsyncApiClient, PostbackAction, QuickReply, QuickReplyItem, TextMessage

from bot.messages import Button

Wire = dict[str, Any]
CACHE_SIZE = 1024  # topics x languages x a few shapes fit; the oldest go first
_JSON = {"Accept": "application/json", "Content-Type": "application/json"}
# how the SDK's own reply_message and push_message read LINE's answers
_REPLY_TYPES = {"200": "ReplyMessageResponse", "400": "ErrorResponse", "429": "ErrorResponse"}
_PUSH_TYPES = {"200": "PushMessageResponse", "400": "ErrorResponse", "403": "ErrorResponse",
               "409": "ErrorResponse", "429": "ErrorResponse"}  # fmt: skip


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


def build_messages(parts: list[str], buttons: list[tuple[Button, str]]) -> list[Wire]:
    """The texts as messages, the buttons (with their data) on the last."""
    last = len(parts) - 1
    return [text_message(part, buttons if i == last else []) for i, part in enumerate(parts)]


class Messages:
    """Built messages by the reply they came from (its text and buttons): the same answer to the
    same question is the same messages, whoever asks."""

    def __init__(self) -> None:
        self.built: OrderedDict[tuple[str, tuple[Button, ...]], list[Wire]] = OrderedDict()

    def get(self, text: str, buttons: tuple[Button, ...]) -> list[Wire] | None:
        key = (text, buttons)
        found = self.built.get(key)
        if found is not None:
            self.built.move_to_end(key)
        return found

    def put(self, text: str, buttons: tuple[Button, ...], messages: list[Wire]) -> None:
        self.built[(text, buttons)] = messages
        if len(self.built) > CACHE_SIZE:
            self.built.popitem(last=False)


class Sender:
    """Reply and push calls of the Messaging API with messages already in wire form."""

    def __init__(self, client: AsyncApiClient) -> None:
        self.client = client

    async def reply(self, token: str, messages: list[Wire]) -> None:
        body = {"replyToken": token, "messages": messages, "notificationDisabled": False}
        await self._post("/v2/bot/message/reply", body, dict(_JSON), _REPLY_TYPES)

    async def push(self, to: str, messages: list[Wire], retry_key: str) -> None:
        body = {"to": to, "messages": messages, "notificationDisabled": False}
        await self._post("/v2/bot/message/push", body, {**_JSON, "X-Line-Retry-Key": retry_key}, _PUSH_TYPES)

    async def _post(self, path: str, body: Wire, headers: dict[str, str], types: dict[str, str]) -> None:
        await self.client.call_api(
            path,
            "POST",
            {},
            [],
            headers,
            body=body,
            response_types_map=types,
            auth_settings=["Bearer"],
            _return_http_data_only=True,
        )
