"""The console channel: chat with the bot in a terminal, or script it through a pipe.

Buttons are printed with numbers; typing the number presses the button. `/as user 7` and
`/as staff 1` switch who is typing, so a whole round trip fits in one terminal. The shell is
also a staff place: notices for the staff queue are printed as "[to staff] …". A notice for a
console user who is not the one typing now is kept, and shown when they next write here.
A document (the CSV export) is saved under the exports folder and its path printed.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.core.channel import Delivery, Limits
from bot.core.inbox import Inbox
from bot.messages import Address, Button, Incoming, Photo, Reply

if TYPE_CHECKING:
    from aiohttp import web

CHANNEL = "console"
STAFF_PLACE = Address(CHANNEL, "staff")


class ConsoleShell:
    name = CHANNEL
    # a terminal shows anything; the payload limit only keeps tokens exercised as elsewhere
    limits = Limits(max_text=1_000_000, max_buttons=100, max_label=200, max_payload_bytes=64)

    def __init__(self, inbox: Inbox, user_id: str, exports_dir: Path, out: TextIO = sys.stdout) -> None:
        self.inbox = inbox
        self.user_id = user_id
        self.exports_dir = exports_dir
        self.out = out
        self.buttons: list[Button] = []

    @property
    def chat_id(self) -> str:
        return self.user_id  # a private chat per console user

    # -- the channel contract ----------------------------------------------------------------

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    def web_routes(self) -> Sequence[web.RouteDef]:
        return ()

    def staff_places(self) -> Sequence[Address]:
        return (STAFF_PLACE,)

    async def fetch_photo(self, photo: Photo, owner: str) -> Photo:
        return photo  # a terminal cannot send one

    async def deliver(self, to: Address, replies: Sequence[Reply], origin: Incoming | None) -> list[Delivery]:
        if to == STAFF_PLACE:
            for reply in replies:
                self.out.write(f"[to staff] {reply.text}\n\n")
            self.out.flush()
            return [Delivery.SENT] * len(replies)
        if to.chat_id != self.chat_id:
            self.out.write(f"[kept for {to} until they next write here]\n\n")
            self.out.flush()
            return [Delivery.LATER] * len(replies)
        shown: list[Button] = []
        for reply in replies:
            self.out.write(f"{reply.text}\n")
            if reply.document:
                self.out.write(f"  [file saved: {self.save(reply.document.filename, reply.document.content)}]\n")
            for button in reply.buttons:
                shown.append(button)
                self.out.write(f"  [{len(shown)}] {button.label}\n")
            self.out.write("\n")
        self.buttons = shown
        self.out.flush()
        return [Delivery.SENT] * len(replies)

    def save(self, filename: str, content: bytes) -> Path:
        self.exports_dir.mkdir(parents=True, exist_ok=True)
        path = self.exports_dir / Path(filename).name  # never a path the sender chose
        path.write_bytes(content)
        return path

    # -- the terminal ------------------------------------------------------------------------

    def switch(self, args: str) -> str:
        role, _, ident = args.partition(" ")
        if role not in ("user", "staff") or not ident.strip():
            return "usage: /as user ID  or  /as staff ID"
        self.user_id = ident.strip()
        self.buttons = []
        return f"(now typing as {role} {self.user_id})"

    def to_incoming(self, line: str) -> Incoming:
        now = time.monotonic()
        if line.isascii() and line.isdigit() and len(line) <= 3 and 1 <= int(line) <= len(self.buttons):
            payload = self.buttons[int(line) - 1].payload
            return Incoming(CHANNEL, self.chat_id, self.user_id, payload=payload, received_at=now)
        return Incoming(CHANNEL, self.chat_id, self.user_id, text=line, received_at=now)

    async def send(self, line: str) -> None:
        await self.inbox.receive(self.to_incoming(line), self)

    async def run(self, source: TextIO = sys.stdin) -> None:
        interactive = source.isatty()
        await self.send("/start")
        while True:
            if interactive:
                self.out.write(f"{self.user_id}> ")
                self.out.flush()
            line = await asyncio.to_thread(source.readline)
            if not line:
                break
            line = line.rstrip("\n")
            if not interactive:
                self.out.write(f"{self.user_id}> {line}\n")
            if line.strip() in ("/quit", "/exit"):
                break
            if line.startswith("/as "):
                self.out.write(self.switch(line[4:].strip()) + "\n\n")
                continue
            await self.send(line.strip())
