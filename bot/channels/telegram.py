"""The Telegram channel: updates in as neutral Incoming, the core's Replies out as messages.

No business logic lives here; the console shell and Telegram behave the same for the same input.
What is Telegram's own: where the staff place is (the staff group), the 64-byte callback_data and
4,096-character limits, photos as file ids, flood control (RetryAfter), users who blocked the
bot (Forbidden). Messages go out as plain text: no parse_mode, so user text is never markup.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import warnings
from datetime import timedelta
from pathlib import Path
from typing import Any, Awaitable, Callable

from telegram import (Bot, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message,
                      PhotoSize, Update)
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import Forbidden, RetryAfter, TelegramError
from telegram.ext import ContextTypes
from telegram.warnings import PTBDeprecationWarning

from bot.channels.telegram_format import MAX_CAPTION, layout_rows, split_text
from bot.channels.telegram_payloads import PayloadTable
from bot.core import Core, choose_language
from bot.messages import Address, Button, Incoming, Photo, Reply

log = logging.getLogger(__name__)

CHANNEL = "telegram"
MAX_RETRIES = 3          # RetryAfter: wait as told, this many times, then give up on that message
MAX_RETRY_WAIT = 60.0    # seconds; a longer flood wait is capped rather than stalling the user
# Built keyboards kept for reuse: an answer's buttons are the same for everyone who asks about that
# topic in that language, and building python-telegram-bot's button objects takes ~60 us each
# time. Topics x languages fit with room for form keyboards; the oldest go first.
KEYBOARD_CACHE_SIZE = 1024


def retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # 22.x warns that the int will become a timedelta; we take both
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        wait = exc.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


class TelegramAdapter:
    def __init__(self, core: Core, payloads: PayloadTable,
                 sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> None:
        self.core = core
        self.config = core.deps.config
        self.payloads = payloads
        self.sleep = sleep
        self.bot_id = 0
        self.bot_username = ""
        self.keyboards: dict[tuple[Button, ...], InlineKeyboardMarkup] = {}

    # -- inbound ---------------------------------------------------------------------------

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        bot = context.bot
        if update.callback_query is not None:
            await self._answer_query(update.callback_query)
        if update.my_chat_member is not None:
            await self._on_membership(update)
            return
        incoming = await self.to_incoming(update, bot)
        if incoming is None:
            return
        replies = await self.core.handle(incoming)
        await self.deliver(bot, replies)

    async def to_incoming(self, update: Update, bot: Bot) -> Incoming | None:
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None or user.is_bot:
            return None
        base = dict(channel=CHANNEL, chat_id=str(chat.id), user_id=str(user.id),
                    client_language=user.language_code, display_name=user.full_name,
                    is_group=chat.type in (ChatType.GROUP, ChatType.SUPERGROUP))
        query = update.callback_query
        if query is not None:
            data = query.data or ""
            payload = await self.payloads.decode(data)
            return Incoming(**base, payload=payload if payload is not None else data)
        message = update.message  # edits, channel posts and the like are not conversation
        if message is None:
            return None
        if base["is_group"] and not self._addressed_to_me(message):
            return None
        photo = await self.save_photo(bot, message.photo[-1]) if message.photo else None
        return Incoming(**base, text=message.text or message.caption or "", photo=photo)

    def _addressed_to_me(self, message: Message) -> bool:
        """In a group: our commands, replies to our messages, and mentions; not the staff's chatter."""
        text = message.text or ""
        if text.startswith("/"):
            head = text.split(maxsplit=1)[0]
            target = head.partition("@")[2]
            return not target or target.lower() == self.bot_username.lower()
        replied = message.reply_to_message
        if replied is not None and replied.from_user is not None and replied.from_user.id == self.bot_id:
            return True
        return bool(self.bot_username) and f"@{self.bot_username.lower()}" in text.lower()

    async def save_photo(self, bot: Bot, size: PhotoSize) -> Photo:
        """The photo by file id, plus a copy under the attachments folder if within the size limit."""
        limit = self.config.telegram.max_photo_bytes
        if size.file_size and size.file_size > limit:
            log.info("photo %s not downloaded: %d bytes > max_photo_bytes", size.file_unique_id, size.file_size)
            return Photo(size.file_id, "", size.file_size)
        try:
            file = await bot.get_file(size.file_id)
            if file.file_size and file.file_size > limit:
                return Photo(size.file_id, "", file.file_size)
            folder = self.config.attachments_dir
            folder.mkdir(parents=True, exist_ok=True)
            suffix = Path(file.file_path or "").suffix.lower()
            suffix = suffix if suffix in (".jpg", ".jpeg", ".png", ".webp") else ".jpg"
            dest = folder / f"tg-{size.file_unique_id}{suffix}"
            partial = dest.with_name(dest.name + ".part")
            await file.download_to_drive(partial)
            got = partial.stat().st_size
            if got > limit:
                partial.unlink()
                return Photo(size.file_id, "", got)
            os.replace(partial, dest)  # never leave a half-written file under the final name
            return Photo(size.file_id, str(dest), got)
        except (TelegramError, OSError) as exc:
            log.warning("photo %s kept by file id only, download failed: %s", size.file_unique_id, exc)
            return Photo(size.file_id, "", size.file_size or 0)

    async def _answer_query(self, query: CallbackQuery) -> None:
        try:
            await query.answer()  # stops the client's spinner; failing that is harmless
        except TelegramError as exc:
            log.debug("answerCallbackQuery failed: %s", exc)

    async def _on_membership(self, update: Update) -> None:
        change = update.my_chat_member
        status = change.new_chat_member.status
        if change.chat.type == ChatType.PRIVATE and status == ChatMemberStatus.BANNED:
            await self._mark_unreachable(change.chat.id)  # the user blocked the bot
        elif change.chat.type != ChatType.PRIVATE and status in (ChatMemberStatus.MEMBER,
                                                                  ChatMemberStatus.ADMINISTRATOR):
            # how the operator learns the staff group's id (docs/DEPLOY.md)
            log.info("added to %s %r: its chat id is %s (for [telegram] staff_chat_id)",
                     change.chat.type, change.chat.title, change.chat.id)

    # -- outbound --------------------------------------------------------------------------

    def destination(self, to: Address) -> int | None:
        if to.channel == "staff":
            if self.config.telegram.staff_chat_id is None:
                log.warning("no [telegram] staff_chat_id: a staff notice was not posted")
            return self.config.telegram.staff_chat_id
        if to.channel == CHANNEL:
            return int(to.chat_id)
        log.info("reply for channel %r skipped: Telegram delivers only its own chats", to.channel)
        return None

    async def deliver(self, bot: Bot, replies: list[Reply]) -> None:
        """Send each reply; a failure is logged and the next reply still goes out.

        Stored requests are never touched here: the core committed them before returning.
        """
        for reply in replies:
            chat = self.destination(reply.to)
            if chat is None:
                continue
            try:
                await self.send(bot, chat, reply)
            except Forbidden as exc:
                log.info("chat %s refuses messages (%s)", chat, exc)
                await self._mark_unreachable(chat)
            except TelegramError as exc:
                log.warning("sending to chat %s failed: %s", chat, exc)

    async def send(self, bot: Bot, chat: int, reply: Reply) -> None:
        markup = await self.keyboard(reply.buttons)
        parts = split_text(reply.text) if reply.text.strip() else []
        if reply.document is not None:
            caption = parts.pop() if len(parts) == 1 and len(reply.text) <= MAX_CAPTION else None
            for part in parts:
                await self._call(bot.send_message, chat_id=chat, text=part)
            document = InputFile(reply.document.content, filename=reply.document.filename)
            await self._call(bot.send_document, chat_id=chat, document=document, caption=caption,
                             reply_markup=markup)
            return
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            await self._call(bot.send_message, chat_id=chat, text=part, reply_markup=markup if last else None)

    async def keyboard(self, buttons: tuple[Button, ...]) -> InlineKeyboardMarkup | None:
        if not buttons:
            return None
        markup = self.keyboards.get(buttons)
        if markup is not None:  # its long payloads are in the token table already: it is never purged
            return markup
        data = [await self.payloads.encode(b.payload) for b in buttons]
        rows = layout_rows([b.label for b in buttons])
        markup = InlineKeyboardMarkup(  # immutable, so one object can go out to many chats
            [[InlineKeyboardButton(buttons[i].label, callback_data=data[i]) for i in row] for row in rows]
        )
        if len(self.keyboards) >= KEYBOARD_CACHE_SIZE:
            del self.keyboards[next(iter(self.keyboards))]
        self.keyboards[buttons] = markup
        return markup

    async def _call(self, method: Callable[..., Awaitable[Any]], **kwargs: Any) -> Any:
        """One Bot API call, waiting out flood control (RetryAfter) a bounded number of times."""
        for attempt in range(MAX_RETRIES + 1):
            try:
                return await method(**kwargs)
            except RetryAfter as exc:
                if attempt == MAX_RETRIES:
                    raise
                seconds = retry_seconds(exc)
                log.info("flood control on chat %s: waiting %.0f s", kwargs.get("chat_id"), seconds)
                await self.sleep(min(seconds, MAX_RETRY_WAIT))
        raise AssertionError("unreachable")

    async def _mark_unreachable(self, chat: int) -> None:
        """A private chat's id is its user's id; the request itself stays as it is."""
        requests = self.core.deps.requests
        if chat <= 0 or requests is None or not hasattr(requests, "mark_unreachable"):
            return
        try:
            await requests.mark_unreachable(CHANNEL, str(chat))
        except Exception:  # noqa: BLE001 - bookkeeping must not break the update
            log.exception("could not mark telegram user %s unreachable", chat)

    # -- the user's language, for the adapter's own few words ----------------------------------

    async def language_of(self, update: Update) -> str:
        user, chat = update.effective_user, update.effective_chat
        msg = Incoming(CHANNEL, str(chat.id) if chat else "", str(user.id) if user else "",
                       client_language=user.language_code if user else None)
        try:
            state = await self.core.deps.store.load_conversation(msg.key)
        except Exception:  # noqa: BLE001 - the apology must not depend on the database
            state = {}
        return choose_language(state, msg, self.config.default_language)

    async def tell(self, bot: Bot, update: Update, label: str) -> None:
        if update.effective_chat is None:
            return
        text = self.core.deps.renderer.label(await self.language_of(update), label)
        try:
            await self._call(bot.send_message, chat_id=update.effective_chat.id, text=text)
        except TelegramError as exc:
            log.warning("could not tell chat %s %r: %s", update.effective_chat.id, label, exc)

    async def on_limited(self, update: Update, bot: Bot) -> None:
        await self.tell(bot, update, "tg_slow_down")

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        described = json.dumps(update.to_dict(), ensure_ascii=False) if isinstance(update, Update) else repr(update)
        log.error("update failed: %s", described, exc_info=context.error)
        if isinstance(update, Update):
            await self.tell(context.bot, update, "tg_sorry")
