"""Button payloads within Telegram's 64-byte callback_data, whatever the topic or form names.

A payload that fits goes through unchanged. A longer one is replaced by "~" and a hash, and the
pair is kept in SQLite (table telegram_payloads, see bot/migrations.py), so a button sent before
a restart still works after it. The hash is of the payload itself: the same payload always gets
the same token, and the table grows only with distinct long payloads.
"""
from __future__ import annotations

import base64
import hashlib
import time

from bot.store import Store

MAX_CALLBACK_BYTES = 64
TOKEN_MARK = "~"


def token_for(payload: str) -> str:
    digest = hashlib.sha256(payload.encode("utf-8")).digest()[:16]
    return TOKEN_MARK + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def fits(payload: str) -> bool:
    # a short payload that happens to start with the mark must still go through the table
    return len(payload.encode("utf-8")) <= MAX_CALLBACK_BYTES and not payload.startswith(TOKEN_MARK)


class PayloadTable:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.cache: dict[str, str] = {}  # token -> payload; bounded by the distinct long payloads

    async def encode(self, payload: str) -> str:
        """The callback_data to send for this payload (at most 64 bytes)."""
        if fits(payload):
            return payload
        token = token_for(payload)
        if token not in self.cache:
            async with self.store.write_lock:
                await self.store.db.execute(
                    "INSERT OR IGNORE INTO telegram_payloads(token, payload, created_at) VALUES (?,?,?)",
                    (token, payload, time.time()),
                )
            self.cache[token] = payload
        return token

    async def decode(self, data: str) -> str | None:
        """The payload behind a pressed button's callback_data; None for a token we never issued."""
        if not data.startswith(TOKEN_MARK):
            return data
        if data in self.cache:
            return self.cache[data]
        async with self.store.db.execute("SELECT payload FROM telegram_payloads WHERE token=?", (data,)) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        self.cache[data] = row[0]
        return row[0]
