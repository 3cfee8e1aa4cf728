"""The console channel: chat with the core in a terminal, or script it through a pipe.

Buttons are printed with numbers; typing the number presses the button. `/as user 7` and
`/as staff 1` switch who is typing, so a whole round trip fits in one terminal.
"""
from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from bot.core import Core
from bot.messages import Button, Incoming, Reply

CHANNEL = "console"


class ConsoleShell:
    def __init__(self, core: Core, user_id: str, out: TextIO = sys.stdout) -> None:
        self.core = core
        self.user_id = user_id
        self.out = out
        self.buttons: list[Button] = []

    @property
    def chat_id(self) -> str:
        return self.user_id  # a private chat per console user

    def show(self, replies: list[Reply]) -> None:
        shown: list[Button] = []
        for reply in replies:
            mine = reply.to.channel == CHANNEL and reply.to.chat_id == self.chat_id
            header = "" if mine else f"[to {reply.to.channel}:{reply.to.chat_id}] "
            self.out.write(f"{header}{reply.text}\n")
            if reply.document:
                self.out.write(f"  [file {reply.document.filename}, {len(reply.document.content)} bytes]\n")
            if mine:
                for button in reply.buttons:
                    shown.append(button)
                    self.out.write(f"  [{len(shown)}] {button.label}\n")
            self.out.write("\n")
        if shown or any(r.to.chat_id == self.chat_id for r in replies):
            self.buttons = shown
        self.out.flush()

    def switch(self, args: str) -> str:
        role, _, ident = args.partition(" ")
        if role not in ("user", "staff") or not ident.strip():
            return "usage: /as user ID  or  /as staff ID"
        self.user_id = ident.strip()
        self.buttons = []
        return f"(now typing as {role} {self.user_id})"

    def to_incoming(self, line: str) -> Incoming:
        if line.isdigit() and 1 <= int(line) <= len(self.buttons):
            payload = self.buttons[int(line) - 1].payload
            return Incoming(CHANNEL, self.chat_id, self.user_id, text="", payload=payload)
        return Incoming(CHANNEL, self.chat_id, self.user_id, text=line)

    async def run(self, source: TextIO = sys.stdin) -> None:
        interactive = source.isatty()
        self.show(await self.core.handle(Incoming(CHANNEL, self.chat_id, self.user_id, text="/start")))
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
            self.show(await self.core.handle(self.to_incoming(line.strip())))
