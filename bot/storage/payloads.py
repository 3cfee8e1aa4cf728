"""Button payloads within any channel's limit (Telegram: 64 bytes; LINE: 300 characters).

A payload that fits goes through unchanged. A longer one is replaced by "~" and a hash, and the
pair is kept in the database (table button_payloads), so a button sent before a restart still
works after it, on whichever channel showed it. The hash is of the payload itself: the same
payload always gets the same token, and the table grows only with distinct long payloads.
"""

from __future__ import annotations

import base64
import hashlib

from bot.storage.contracts import PayloadStore

TOKEN_MARK = "~"
TOKEN_BYTES = 23  # "~" and 22 characters of base64: fits every channel's limit


def token_for(payload: str) -> str:
    digest = hashlib.sha256(payload.encode("utf-8")).digest()[:16]
    return TOKEN_MARK + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def fits(payload: str, max_bytes: int) -> bool:
    # a short payload that happens to start with the mark must still go through the table
    return len(payload.encode("utf-8")) <= max_bytes and not payload.startswith(TOKEN_MARK)


class PayloadTable:
    def __init__(self, store: PayloadStore) -> None:
        self.store = store
        self.cache: dict[str, str] = {}  # token -> payload; bounded by the distinct long payloads

    async def encode(self, payload: str, max_bytes: int) -> str:
        """What the button carries for this payload: itself, or a token of at most TOKEN_BYTES."""
        if fits(payload, max_bytes):
            return payload
        token = token_for(payload)
        if token not in self.cache:
            await self.store.remember_payload(token, payload)
            self.cache[token] = payload
        return token

    async def decode(self, data: str) -> str | None:
        """The payload behind a pressed button's data; None for a token we never issued."""
        if not data.startswith(TOKEN_MARK):
            return data
        if data in self.cache:
            return self.cache[data]
        payload = await self.store.recall_payload(data)
        if payload is not None:
            self.cache[data] = payload
        return payload
