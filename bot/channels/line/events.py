"""LINE webhook events as the neutral Incoming: which events are conversation, and whose."""

from __future__ import annotations

import time
from dataclasses import replace

from linebot.v3.webhooks import (
    Event,
    GroupSource,
    ImageMessageContent,
    MessageEvent,
    PostbackEvent,
    RoomSource,
    TextMessageContent,
    UserSource,
)

from bot.messages import Incoming, Photo

CHANNEL = "line"


def chat_and_user(event: Event) -> tuple[str, str, bool] | None:
    """(chat id, user id, is a group) of the event's source; None when no user is known."""
    source = event.source
    if isinstance(source, UserSource) and source.user_id:
        return source.user_id, source.user_id, False
    if isinstance(source, GroupSource) and source.user_id:
        return source.group_id, source.user_id, True
    if isinstance(source, RoomSource) and source.user_id:
        return source.room_id, source.user_id, True
    return None


def _mentions_me(content: TextMessageContent) -> tuple[bool, str]:
    """Whether the bot is @mentioned, and the text without that mention."""
    mention = content.mention
    if mention is None:
        return False, content.text
    text = content.text
    for mentionee in sorted(mention.mentionees, key=lambda m: m.index, reverse=True):
        if getattr(mentionee, "is_self", False):
            return True, (text[: mentionee.index] + text[mentionee.index + mentionee.length :]).strip()
    return False, text


def to_incoming(event: Event, client_language: str | None = None) -> Incoming | None:
    """A message or a pressed button; None for what is not conversation (group chatter, stickers…)."""
    who = chat_and_user(event)
    if who is None:
        return None
    chat, user, is_group = who
    base = Incoming(
        CHANNEL,
        chat,
        user,
        is_group=is_group,
        client_language=client_language,
        ticket=getattr(event, "reply_token", None) or "",
        received_at=time.monotonic(),
        log_id=event.webhook_event_id,
    )
    if isinstance(event, PostbackEvent):
        return replace(base, payload=event.postback.data)
    if not isinstance(event, MessageEvent):
        return None
    content = event.message
    if isinstance(content, TextMessageContent):
        text = content.text
        if is_group:
            mentioned, text = _mentions_me(content)
            if not mentioned and not text.startswith("/"):
                return None  # the staff talking among themselves
        return replace(base, text=text)
    if isinstance(content, ImageMessageContent) and not is_group:
        return replace(base, photo=Photo(content.id))
    return None
