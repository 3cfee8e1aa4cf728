"""The one outbox: every reply goes to the channel that owns its address.

A reply to STAFF_QUEUE goes to every configured staff place on every channel. A reply whose
channel is not running here, or that its channel cannot deliver right now (a console user who is
not in this shell, a LINE push refused for quota), is kept in the database and delivered when that
person next writes, so nothing a staff member sends is lost. A person who blocked the bot has their
requests flagged unreachable; a failed send is logged with its reference. Stored requests are
never changed here: they were committed before any reply was made.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Sequence
from typing import Any

from bot.core.channel import Channel, Delivery
from bot.messages import STAFF_QUEUE, Address, Button, Document, Incoming, Reply
from bot.storage.contracts import NoticeStore, RequestStore

log = logging.getLogger(__name__)


def reply_to_json(reply: Reply) -> str:
    data: dict[str, Any] = {
        "to": [reply.to.channel, reply.to.chat_id],
        "text": reply.text,
        "buttons": [[b.label, b.payload] for b in reply.buttons],
        "ref": reply.ref,
        "lang": reply.lang,
        "notification": reply.notification,
    }
    if reply.document is not None:
        data["document"] = [reply.document.filename, base64.b64encode(reply.document.content).decode("ascii")]
    return json.dumps(data, ensure_ascii=False)


def reply_from_json(text: str) -> Reply:
    data = json.loads(text)
    document = None
    if data.get("document"):
        name, content = data["document"]
        document = Document(name, base64.b64decode(content))
    return Reply(
        Address(*data["to"]),
        data["text"],
        tuple(Button(label, payload) for label, payload in data["buttons"]),
        document=document,
        notification=data.get("notification", True),
        ref=data.get("ref", ""),
        lang=data.get("lang", ""),
    )


class Outbox:
    def __init__(self, store: NoticeStore, requests: RequestStore) -> None:
        self.store = store
        self.requests = requests
        self.channels: dict[str, Channel] = {}
        # addresses with kept notices, so a message from anyone else costs no database read (when
        # this process is the store's only writer: store.shared is False)
        self.waiting: set[Address] = set()

    async def open(self) -> None:
        self.waiting = await self.store.pending_addresses()

    def register(self, channel: Channel) -> None:
        self.channels[channel.name] = channel

    def staff_places(self) -> list[Address]:
        return [place for channel in self.channels.values() for place in channel.staff_places()]

    async def deliver(self, replies: Sequence[Reply], origin: Incoming | None = None) -> None:
        """Send each reply where it belongs; returns when every channel has answered."""
        kept: list[int] = []
        by_address: dict[Address, list[Reply]] = {}
        # with workers beside this one (PostgreSQL), another may have kept a notice for them: ask
        if origin is not None and (self.store.shared or origin.address in self.waiting):
            # what was kept for this person goes out first, before the answer to what they wrote
            self.waiting.discard(origin.address)
            for notice_id, text in await self.store.pending_notices(origin.address):
                kept.append(notice_id)
                by_address.setdefault(origin.address, []).append(reply_from_json(text))
        for reply in replies:
            places = self.staff_places() if reply.to == STAFF_QUEUE else [reply.to]
            if not places:
                log.warning("no staff place configured: the notice about %s was not posted", reply.ref or "-")
            for place in places:
                by_address.setdefault(place, []).append(reply)
        for address, batch in by_address.items():
            answering = origin if origin is not None and origin.address == address else None
            await self._deliver_to(address, batch, answering)
        await self.store.drop_notices(kept)  # kept again above if still undeliverable

    async def _deliver_to(self, address: Address, batch: list[Reply], origin: Incoming | None) -> None:
        channel = self.channels.get(address.channel)
        if channel is None:
            results = [Delivery.LATER] * len(batch)
        else:
            try:
                results = list(await channel.deliver(address, batch, origin))
            except Exception:  # noqa: BLE001 - one channel's bug must not stop the others' replies
                log.exception("channel %s failed delivering to %s", address.channel, address)
                results = [Delivery.FAILED] * len(batch)
        blocked = False
        for reply, result in zip(batch, results, strict=True):
            if result is Delivery.LATER:
                await self.store.keep_notice(address, reply_to_json(reply), reply.ref)
                self.waiting.add(address)
                log.info("kept a notice%s for %s until they next write", _about(reply), address)
            elif result is Delivery.FAILED:
                log.warning("a reply%s to %s could not be sent", _about(reply), address)
            elif result is Delivery.BLOCKED:
                blocked = True
        if blocked:
            await self.blocked(address)

    async def blocked(self, address: Address) -> None:
        """The platform says this person blocked the bot: flag their requests, change nothing else."""
        try:
            count = await self.requests.mark_unreachable(address.channel, address.chat_id)
        except Exception:  # noqa: BLE001 - bookkeeping must not break delivery
            log.exception("could not mark %s unreachable", address)
            return
        log.info("%s blocked the bot: %d request(s) flagged unreachable", address, count)


def _about(reply: Reply) -> str:
    return f" about {reply.ref}" if reply.ref else ""
