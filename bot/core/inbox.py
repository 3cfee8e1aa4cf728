"""Where every channel hands in what people send, so that all channels behave alike.

For each message: the flood limit (a user over `[channels] rate_limit_per_minute` is told once to
slow down, and the extra messages are dropped before any database work), one user's messages in
the order they came while other users run in parallel, the long button payloads looked up, the
core run (with a way to fetch the photo, should a form wait for one), and its replies passed to
the outbox inside the same turn, so one user's answers also go out in order. If handling fails,
the user hears back in their language instead of silence, and the log names the message by its
id, never by what was typed.
"""

from __future__ import annotations

import dataclasses
import logging
import sqlite3
import time
from collections.abc import Callable

from bot.channels.attachments import owner_of
from bot.core.admission import RateLimiter, UserLocks
from bot.core.channel import Channel
from bot.core.outbox import Outbox
from bot.core.routing import Core
from bot.messages import Address, Incoming, Photo, Reply
from bot.storage.payloads import PayloadTable

log = logging.getLogger(__name__)


class Inbox:
    def __init__(
        self,
        core: Core,
        outbox: Outbox,
        payloads: PayloadTable,
        per_minute: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.core = core
        self.outbox = outbox
        self.payloads = payloads
        self.limiter = RateLimiter(per_minute, clock)
        self.locks = UserLocks()

    async def receive(self, msg: Incoming, channel: Channel) -> None:
        """Handle one message and deliver its replies; returns when they are sent."""
        user = f"{msg.channel}:{msg.user_id}"
        if not self.limiter.allow(user):
            if self.limiter.first_refusal(user):
                await self.locks.run(user, lambda: self._tell(msg, "slow_down"))
            return
        await self.locks.run(user, lambda: self._turn(msg, channel))

    async def blocked(self, address: Address) -> None:
        """A channel learnt that this person blocked the bot (Telegram: banned; LINE: unfollow)."""
        await self.outbox.blocked(address)

    async def _turn(self, msg: Incoming, channel: Channel) -> None:
        try:
            msg = await self._prepare(msg)

            async def fetch(photo: Photo) -> Photo:
                return await channel.fetch_photo(photo, owner_of(msg.key))

            replies = await self.core.handle(msg, fetch)
        except sqlite3.OperationalError as exc:  # locked by another process, or a full disk
            log.warning("%s message %s not taken in: the database said %s", msg.channel, msg.log_id or "-", exc)
            await self._tell(msg, "busy")
            return
        except Exception:  # noqa: BLE001 - whatever broke, the person hears back and the bot goes on
            log.exception(
                "handling %s message %s from %s:%s failed", msg.channel, msg.log_id or "-", msg.channel, msg.user_id
            )
            await self._tell(msg, "retry")
            return
        await self.outbox.deliver(replies, origin=msg)

    async def _prepare(self, msg: Incoming) -> Incoming:
        """What the channel could not know without a wait: the payload behind a long one's token.
        (A photo is fetched by the form that waits for one, through core.handle's `fetch`.)"""
        if msg.payload is not None:
            payload = await self.payloads.decode(msg.payload)
            if payload is not None and payload != msg.payload:
                msg = dataclasses.replace(msg, payload=payload)
        return msg

    async def _tell(self, msg: Incoming, label: str) -> None:
        lang = await self.core.language_of(msg)
        text = self.core.deps.renderer.label(lang, label)
        await self.outbox.deliver([Reply(msg.address, text, lang=lang)], origin=msg)
