"""What a channel is: everything a new transport (Telegram, LINE, the console) implements.

A channel turns its platform's traffic into `Incoming` and hands each one to the `Inbox`
(bot/core/inbox.py), which orders and admits it, runs the core and passes the replies to the
`Outbox` (bot/core/outbox.py). The outbox calls `deliver` on the channel that owns each reply's
address, with the replies for that address in order. Nothing else of a channel is called.

A new channel is one package, bot/channels/<name>/, with:
- settings.py: its section of config.toml (read by bot/config.py) and its secrets from the environment;
- channel.py: a class with the members below;
- one line in bot/runner.py that builds it when its section says enabled = true.
Shared code does the rest: bot/channels/shaping.py fits replies to `limits` (long text split at paragraphs,
buttons capped, labels cut, long payloads through the payload table), the inbox applies the flood
limit and keeps one user's messages in order, and the outbox marks a requester unreachable when
`deliver` says they blocked the bot and keeps notices that cannot be delivered now.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot.messages import Address, Incoming, Photo, Reply

if TYPE_CHECKING:  # the web server's types only: `madoguchi shell` and `ask` never load aiohttp
    from aiohttp import web


@dataclass(frozen=True)
class Limits:
    """What one message on the channel can carry; shared shaping keeps replies within them."""

    max_text: int  # characters per message (as the platform counts them)
    max_buttons: int  # buttons under one message
    max_label: int  # characters of a button label
    max_payload_bytes: int  # bytes a button may carry back; longer payloads go through the table
    max_messages_per_call: int = 1  # messages one send call may carry (LINE: 5)


class Delivery(enum.Enum):
    SENT = "sent"
    BLOCKED = "blocked"  # the person blocked the bot: their requests are flagged unreachable
    LATER = "later"  # cannot reach them right now (not in this shell, out of quota): keep it
    FAILED = "failed"  # an error; logged with the reference, nothing stored is changed


class Channel(Protocol):
    name: str  # the channel part of every Address and staff id it owns ("telegram", "line", "console")
    limits: Limits

    async def start(self) -> None:
        """Connect (check the token, start polling); called once the web server listens."""

    async def stop(self) -> None:
        """Stop taking messages in, let the ones taken in finish, close connections."""

    def web_routes(self) -> Sequence[web.RouteDef]:
        """The webhook endpoints this channel serves on the one web server (none for polling)."""

    def staff_places(self) -> Sequence[Address]:
        """Where notices for the staff queue go on this channel (a staff group), if configured."""

    async def deliver(self, to: Address, replies: Sequence[Reply], origin: Incoming | None) -> list[Delivery]:
        """Send these replies to one address, in order; one Delivery per reply.

        All of one address's replies come in one call so a channel can pack them (LINE sends five
        messages per call, and its free reply token only once). origin is the message being
        answered when it came from this very address (so the channel may answer in place: LINE's
        reply token, Telegram's callback query); None for a notice.
        """

    async def fetch_photo(self, photo: Photo, owner: str) -> Photo:
        """Download a photo the user sent into the attachments folder (bot/channels/attachments.py,
        which keeps to max_photo_bytes and the owner's quota). Asked only when a form is waiting for
        a photo: a photo sent outside one is never stored."""
