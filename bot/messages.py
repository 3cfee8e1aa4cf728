"""The neutral message types every channel speaks; nothing here knows any platform."""

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

    def __str__(self) -> str:
        return f"{self.channel}:{self.chat_id}"


# The office's staff, wherever they are: the outbox sends a reply addressed here to every
# configured staff place (the Telegram staff group, a LINE staff group, the console).
STAFF_QUEUE = Address("staff", "queue")


@dataclass(frozen=True)
class Photo:
    """A photo as the channel knows it (its file or message id), and where we saved a copy, if we did."""

    file_id: str
    saved_path: str = ""
    size: int = 0


@dataclass(frozen=True)
class Incoming:
    channel: str
    chat_id: str
    user_id: str
    text: str = ""
    payload: str | None = None  # a pressed button's payload; text is then ignored
    client_language: str | None = None  # what the user's app says (Telegram language_code, LINE profile)
    photo: Photo | None = None
    is_group: bool = False
    display_name: str = ""
    # What the channel needs to answer this very message in place (LINE's reply token, Telegram's
    # callback query id); opaque to everything but the channel that set it.
    ticket: str = ""
    # The request reference in the bot's message this one answers with the app's own "reply"
    # (Telegram's reply to a message); "" when it is no such reply. Text only, like `text`.
    reply_to_ref: str = ""
    received_at: float = 0.0  # time.monotonic() when the channel took it in
    log_id: str = ""  # the platform's id of the update or event, for logs (never the text)

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
    # the request this is about, for the log when it cannot be delivered
    ref: str = ""
    # the language the text is in, for the few words a channel adds itself ("" = unknown)
    lang: str = ""
    # its buttons belong to one step (a form question, a confirmation): once the conversation
    # moves on they are removed where the channel can, so they do not linger
    transient: bool = False
    # a short answer only the person who pressed a button should see (a refusal in a group);
    # channels that cannot show one privately send it as an ordinary reply
    alert: bool = False
