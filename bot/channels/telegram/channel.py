"""The Telegram channel: updates in as neutral Incoming, the core's replies out as messages.

No business logic lives here. What is Telegram's own: the staff group, callback queries (always
answered; a refusal to the presser is a pop-up only they see), 64-byte callback_data (long
payloads go through the shared payload table), photos as file ids, flood control (RetryAfter),
users who blocked the bot (Forbidden), and removing the keyboard of a step that is over.
Messages go out as plain text: no parse_mode, so user text is never markup.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from telegram import InputFile, Message, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter, TelegramError
from telegram.ext import ContextTypes, TypeHandler
from telegram.warnings import PTBDeprecationWarning

from bot.channels.attachments import Attachments
from bot.channels.shaping import fit
from bot.channels.telegram.application import MenuSource, build_application, set_commands
from bot.channels.telegram.inbound import addressed_to_me, to_incoming
from bot.channels.telegram.keyboard import Keyboards
from bot.channels.telegram.settings import TOKEN_ENV, TelegramSecrets, TelegramSettings
from bot.channels.telegram.webhook import webhook_path, webhook_route
from bot.core.channel import Delivery, Limits
from bot.core.inbox import Inbox
from bot.messages import Address, Incoming, Photo, Reply
from bot.settings import StartError
from bot.storage.payloads import PayloadTable

log = logging.getLogger(__name__)

CHANNEL = "telegram"
POLL_TIMEOUT = 30  # seconds a getUpdates long poll may wait for news
MAX_RETRIES = 3  # RetryAfter: wait as told, this many times, then give up on that message
MAX_RETRY_WAIT = 60.0  # seconds; a longer flood wait is capped rather than stalling the user
MAX_CAPTION = 1024  # sendDocument caption limit
MAX_ALERT = 200  # answerCallbackQuery text limit
STEP_KEYBOARDS = 10_000  # chats whose last step's keyboard we remember, newest kept


def retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # 22.x warns that the int will become a timedelta; we take both
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        wait = exc.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


class TelegramChannel:
    name = CHANNEL
    limits = Limits(max_text=4096, max_buttons=100, max_label=64, max_payload_bytes=64)

    def __init__(
        self,
        settings: TelegramSettings,
        secrets: TelegramSecrets,
        inbox: Inbox,
        payloads: PayloadTable,
        attachments: Attachments,
        menu: MenuSource,
        staff_language: str,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self.secrets = secrets
        self.inbox = inbox
        self.attachments = attachments
        self.menu = menu
        self.staff_language = staff_language
        self.sleep = sleep
        self.keyboards = Keyboards(payloads)
        self.app = build_application(settings, secrets.token)
        self.app.add_handler(TypeHandler(Update, self.on_update))
        self.app.add_error_handler(self.on_error)
        self.bot_id = 0
        self.bot_username = ""
        self.answered: set[str] = set()  # callback queries answered while delivering
        self.step_keyboards: OrderedDict[int, int] = OrderedDict()  # chat -> message whose keyboard is a step's

    # -- lifecycle ---------------------------------------------------------------------------

    def web_routes(self) -> Sequence[web.RouteDef]:
        if self.settings.mode != "webhook":
            return ()
        return (webhook_route(self.app, webhook_path(self.settings.webhook_url), self.secrets.webhook_secret),)

    async def start(self) -> None:
        try:
            await self.app.initialize()  # getMe: checks the token
        except InvalidToken as exc:
            raise StartError(
                f"Telegram refused the token in {TOKEN_ENV} ({exc}). Fix: copy it again from @BotFather."
            ) from None
        self.bot_id, self.bot_username = self.app.bot.id, self.app.bot.username or ""
        await set_commands(self.app, self.menu, self.settings.staff_chat_id, self.staff_language)
        await self.app.start()
        if self.settings.mode == "webhook":
            await self.app.bot.set_webhook(
                self.settings.webhook_url, secret_token=self.secrets.webhook_secret, allowed_updates=Update.ALL_TYPES
            )
        else:
            assert self.app.updater is not None
            await self.app.updater.start_polling(timeout=POLL_TIMEOUT, allowed_updates=Update.ALL_TYPES)
        log.info("telegram: @%s is running (%s)", self.bot_username, self.settings.mode)

    async def stop(self) -> None:
        try:
            if self.app.updater is not None and self.app.updater.running:
                await self.app.updater.stop()
            if self.app.running:
                await self.app.stop()  # waits for the updates already taken in
        finally:
            await self.app.shutdown()

    def staff_places(self) -> Sequence[Address]:
        chat = self.settings.staff_chat_id
        return (Address(CHANNEL, str(chat)),) if chat is not None else ()

    # -- inbound -----------------------------------------------------------------------------

    async def on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.my_chat_member is not None:
            await self._on_membership(update)
            return
        query = update.callback_query
        try:
            msg = to_incoming(update, lambda m: addressed_to_me(m, self.bot_id, self.bot_username), self.bot_id)
            if msg is not None:
                await self.inbox.receive(msg, self)
        finally:
            if query is not None and query.id not in self.answered:
                await self._answer_query(query.id)
            if query is not None:
                self.answered.discard(query.id)

    async def fetch_photo(self, photo: Photo, owner: str) -> Photo:
        if self.attachments.too_big(photo.size):
            log.info("photo not downloaded: %d bytes > max_photo_bytes", photo.size)
            return photo
        try:
            file = await self.app.bot.get_file(photo.file_id)
            if self.attachments.too_big(file.file_size):
                return Photo(photo.file_id, "", file.file_size or 0)
            content = bytes(await file.download_as_bytearray())
            return await self.attachments.save(
                photo, owner, file.file_unique_id, Path(file.file_path or "").suffix, content
            )
        except (TelegramError, OSError) as exc:
            log.warning("photo kept by file id only, download failed: %s", exc)
            return photo

    async def _on_membership(self, update: Update) -> None:
        change = update.my_chat_member
        assert change is not None
        status = change.new_chat_member.status
        if change.chat.type == ChatType.PRIVATE and status == ChatMemberStatus.BANNED:
            await self.inbox.blocked(Address(CHANNEL, str(change.chat.id)))  # the user blocked the bot
        elif change.chat.type != ChatType.PRIVATE and status in (
            ChatMemberStatus.MEMBER,
            ChatMemberStatus.ADMINISTRATOR,
        ):
            # how the operator learns the staff group's id (README, "The staff group")
            log.info(
                "added to %s %r: its chat id is %s (for [telegram] staff_chat_id)",
                change.chat.type,
                change.chat.title,
                change.chat.id,
            )

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        # the update id only: what people typed stays out of the log
        update_id = update.update_id if isinstance(update, Update) else "-"
        log.error("telegram update %s failed", update_id, exc_info=context.error)

    # -- outbound ----------------------------------------------------------------------------

    async def deliver(self, to: Address, replies: Sequence[Reply], origin: Incoming | None) -> list[Delivery]:
        chat = int(to.chat_id)
        query_id = origin.ticket if origin is not None else ""
        alert = next((r for r in replies if r.alert), None) if query_id else None
        if query_id and query_id not in self.answered:  # before the messages: the spinner stops at once
            await self._answer_query(query_id, alert.text if alert is not None else "")
        if origin is not None:  # the person acted: the step whose buttons they saw is over
            await self._drop_step_keyboard(chat)
        results: list[Delivery] = []
        for reply in replies:
            if results and results[-1] is Delivery.BLOCKED:
                results.append(Delivery.BLOCKED)
                continue
            if reply is alert:  # shown as the pop-up, to the presser alone
                results.append(Delivery.SENT)
                continue
            try:
                last = await self._send(chat, reply)
                if reply.transient and reply.buttons and last is not None:
                    self._remember_step_keyboard(chat, last.message_id)
                results.append(Delivery.SENT)
            except Forbidden as exc:
                log.info("chat %s refuses messages (%s)", chat, exc)
                results.append(Delivery.BLOCKED)
            except TelegramError as exc:
                log.warning("sending to chat %s failed: %s", chat, exc)
                results.append(Delivery.FAILED)
        return results

    async def _send(self, chat: int, reply: Reply) -> Message | None:
        parts, buttons = fit(reply, self.limits)
        markup = await self.keyboards.markup(buttons)
        bot = self.app.bot
        if reply.document is not None:
            caption = parts.pop() if len(parts) == 1 and len(reply.text) <= MAX_CAPTION else None
            for part in parts:
                await self._call(bot.send_message, chat_id=chat, text=part)
            document = InputFile(reply.document.content, filename=reply.document.filename)
            message: Message = await self._call(
                bot.send_document, chat_id=chat, document=document, caption=caption, reply_markup=markup
            )
            return message
        last = None
        for i, part in enumerate(parts):
            final = i == len(parts) - 1
            last = await self._call(bot.send_message, chat_id=chat, text=part, reply_markup=markup if final else None)
        return last

    def _remember_step_keyboard(self, chat: int, message_id: int) -> None:
        self.step_keyboards[chat] = message_id
        self.step_keyboards.move_to_end(chat)
        if len(self.step_keyboards) > STEP_KEYBOARDS:
            self.step_keyboards.popitem(last=False)

    async def _drop_step_keyboard(self, chat: int) -> None:
        message_id = self.step_keyboards.pop(chat, None)
        if message_id is None:
            return
        try:
            await self.app.bot.edit_message_reply_markup(chat_id=chat, message_id=message_id, reply_markup=None)
        except BadRequest as exc:  # already gone, or edited by the user's client: nothing to remove
            log.debug("keyboard of message %s not removed: %s", message_id, exc)
        except TelegramError as exc:
            log.info("keyboard of message %s not removed: %s", message_id, exc)

    async def _answer_query(self, query_id: str, text: str = "") -> None:
        self.answered.add(query_id)
        try:  # stops the client's spinner; failing that is harmless
            if text:
                await self.app.bot.answer_callback_query(query_id, text=text[:MAX_ALERT], show_alert=True)
            else:
                await self.app.bot.answer_callback_query(query_id)
        except TelegramError as exc:
            log.debug("answerCallbackQuery failed: %s", exc)

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
