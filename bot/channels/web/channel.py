"""The staff console as a channel: its pages are its web routes, its one kind of message is a staff
action, and what the core answers to that action comes back through `deliver` to be shown."""

from __future__ import annotations

from collections.abc import Sequence

from aiohttp import web

from bot.channels.web.desk import Desk
from bot.channels.web.routes import build_routes
from bot.core.channel import Delivery, Limits
from bot.messages import Address, Incoming, Photo, Reply


class WebConsole:
    name = "web"
    # a page shows any length; the limits only matter for what the core shapes for chat buttons
    limits = Limits(max_text=100_000, max_buttons=100, max_label=200, max_payload_bytes=300)

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.routes = build_routes(desk, self)

    async def start(self) -> None:
        await self.desk.directory.refresh()

    async def stop(self) -> None:
        return None

    def web_routes(self) -> Sequence[web.RouteDef]:
        return self.routes

    def staff_places(self) -> Sequence[Address]:
        return ()  # the queue page shows new requests by itself

    async def deliver(self, to: Address, replies: Sequence[Reply], origin: Incoming | None) -> list[Delivery]:
        texts = [reply.text for reply in replies if reply.text.strip()]
        self.desk.said.setdefault(to.chat_id, []).extend(texts)
        return [Delivery.SENT] * len(replies)

    async def fetch_photo(self, photo: Photo, owner: str) -> Photo:
        return photo  # staff send no photos from the console
