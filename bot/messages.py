"""The neutral message types every channel adapter speaks; nothing here knows any platform."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


class ConversationKey(NamedTuple):
    """Whose conversation: the same person in two chats (private, group) has two."""

    channel: str
    chat_id: str
    user_id: str


@dataclass(frozen=True)
class Address:
    """Where a reply goes: a chat on a channel."""

    channel: str
    chat_id: str


@dataclass(frozen=True)
class Photo:
    """A photo as the channel knows it (Telegram file id), and where we saved a copy, if we did."""

    file_id: str
    saved_path: str = ""
    size: int = 0


@dataclass(frozen=True)
class Incoming:
    channel: str
    chat_id: str
    user_id: str
    text: str = ""
    payload: str | None = None       # a pressed button's payload; text is then ignored
    client_language: str | None = None  # what the user's app says (Telegram language_code)
    photo: Photo | None = None
    is_group: bool = False
    display_name: str = ""

    @property
    def key(self) -> ConversationKey:
        return ConversationKey(self.channel, self.chat_id, self.user_id)

    @property
    def address(self) -> Address:
        return Address(self.channel, self.chat_id)


@dataclass(frozen=True)
class Button:
    label: str
    payload: str


@dataclass(frozen=True)
class Document:
    """A file to send (the CSV export)."""

    filename: str
    content: bytes


@dataclass(frozen=True)
class Reply:
    to: Address
    text: str
    buttons: tuple[Button, ...] = field(default=())
    document: Document | None = None
    # a reply that tells someone else (staff group, a requester) rather than the sender
    notification: bool = False
