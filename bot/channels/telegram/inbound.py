"""A Telegram update as the neutral Incoming: no waits, so a user's updates keep their order."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from telegram import Message, Update
from telegram.constants import ChatType

from bot.messages import Incoming, Photo
from bot.requests.records import find_ref

CHANNEL = "telegram"


def addressed_to_me(message: Message, bot_id: int, bot_username: str) -> bool:
    """In a group: our commands, replies to our messages, and mentions; not the staff's chatter."""
    text = message.text or ""
    if text.startswith("/"):
        head = text.split(maxsplit=1)[0]
        target = head.partition("@")[2]
        return not target or target.lower() == bot_username.lower()
    replied = message.reply_to_message
    if replied is not None and replied.from_user is not None and replied.from_user.id == bot_id:
        return True
    return bool(bot_username) and f"@{bot_username.lower()}" in text.lower()


def replied_ref(message: Message, bot_id: int) -> str:
    """The request reference in our message that this one replies to ("" if it replies to none)."""
    replied = message.reply_to_message
    if replied is None or replied.from_user is None or replied.from_user.id != bot_id:
        return ""
    return find_ref(replied.text or replied.caption or "")


def to_incoming(update: Update, for_me: Callable[[Message], bool], bot_id: int = 0) -> Incoming | None:
    """None for what is not conversation: edits, channel posts, other bots, group chatter."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or user.is_bot:
        return None
    is_group = chat.type in (ChatType.GROUP, ChatType.SUPERGROUP)
    base = Incoming(
        CHANNEL,
        str(chat.id),
        str(user.id),
        client_language=user.language_code,
        display_name=user.full_name,
        is_group=is_group,
        received_at=time.monotonic(),
        log_id=str(update.update_id),
    )
    query = update.callback_query
    if query is not None:
        # the payload may be a token for a long one; the inbox looks it up, in this user's turn
        return replace(base, payload=query.data or "", ticket=query.id)
    message = update.message
    if message is None:
        return None
    if is_group and not for_me(message):
        return None
    photo = None
    if message.photo:
        size = message.photo[-1]  # the largest
        photo = Photo(size.file_id, "", size.file_size or 0)
    return replace(
        base, text=message.text or message.caption or "", photo=photo, reply_to_ref=replied_ref(message, bot_id)
    )
